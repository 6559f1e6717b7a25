import Foundation
import PierCoordination
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// `pier serve` as a user runs it, driven by real Kafka clients over loopback.
    @Suite(.serialized) struct ServeTests {
        @Test(.enabled(if: ExternalTool.mustRun("kcat")))
        func kcatListsTheBrokerAndTopics() throws {
            let broker = try BrokerProcess()
            let empty = try ExternalTool.run("kcat", arguments: ["-L", "-J", "-b", broker.bootstrap, "-m", "10"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(empty.utf8)) as? [String: Any])
            let brokers = try #require(json["brokers"] as? [[String: Any]])
            #expect(brokers.count == 1)
            #expect(brokers.first?["id"] as? Int == 1)
            #expect(brokers.first?["name"] as? String == broker.bootstrap)
            #expect((json["topics"] as? [Any])?.isEmpty == true)

            // Another process (this test) creates a topic in the shared coordination database;
            // the running broker reports it with its leaders.
            let store = try SQLiteZnodeStore(path: broker.dataDirectory.appendingPathComponent("coordination.db").path)
            try ClusterMetadata(store: store).createTopic(
                "orders", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [1], 1: [1], 2: [1]]), config: [:]
            )
            store.close()
            let listed = try ExternalTool.run("kcat", arguments: ["-L", "-J", "-b", broker.bootstrap, "-t", "orders", "-m", "10"])
            let topics = try #require((try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])?["topics"] as? [[String: Any]])
            #expect(topics.count == 1)
            #expect(topics.first?["topic"] as? String == "orders")
            let partitions = try #require(topics.first?["partitions"] as? [[String: Any]])
            #expect(partitions.map { $0["partition"] as? Int } == [0, 1, 2])
            #expect(partitions.allSatisfy { $0["leader"] as? Int == 1 })
            #expect(broker.stop() == 0)
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func pythonClientsReadMetadata() throws {
            let broker = try BrokerProcess()
            let confluent = try ExternalTool.run("python3", arguments: ["-c", """
                import sys
                from confluent_kafka.admin import AdminClient
                metadata = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=20)
                print(sorted(metadata.brokers), metadata.controller_id, len(metadata.topics), bool(metadata.cluster_id))
                """, broker.bootstrap])
            #expect(confluent.trimmingCharacters(in: .whitespacesAndNewlines) == "[1] 1 0 True")

            let kafkaPython = try ExternalTool.run("python3", arguments: ["-c", """
                import sys
                from kafka import KafkaAdminClient, KafkaConsumer
                consumer = KafkaConsumer(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
                topics = sorted(consumer.topics())
                consumer.close()
                admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
                cluster = admin.describe_cluster()
                admin.close()
                print(topics, [b["broker_id"] for b in cluster["brokers"]], cluster["controller_id"])
                """, broker.bootstrap])
            #expect(kafkaPython.trimmingCharacters(in: .whitespacesAndNewlines) == "[] [1] 1")
            #expect(broker.stop() == 0)
        }

        /// Malformed and hostile frames close only their own connection; the broker keeps serving.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("kcat")))
        func badFramesCloseOnlyTheirConnection() throws {
            let broker = try BrokerProcess()
            let report = try ExternalTool.run("python3", arguments: ["-c", """
                import os, socket, struct, sys, json
                host, port = sys.argv[1].split(":")
                def exchange(payload, read=True):
                    s = socket.create_connection((host, int(port)), timeout=10)
                    s.sendall(payload)
                    data = b""
                    try:
                        while True:
                            chunk = s.recv(65536)
                            if not chunk: break
                            data += chunk
                            if len(data) >= 4 and len(data) >= 4 + struct.unpack(">i", data[:4])[0]: break
                    except socket.timeout:
                        data = b"TIMEOUT"
                    s.close()
                    return data
                result = {}
                result["oversized"] = exchange(struct.pack(">i", 0x7fffffff) + b"x" * 10)
                result["negative"] = exchange(struct.pack(">i", -5))
                garbage = os.urandom(64)
                result["garbage"] = exchange(struct.pack(">i", len(garbage)) + garbage)
                unknown = struct.pack(">hhi", 999, 0, 7) + struct.pack(">h", 1) + b"x"
                result["unknown_api"] = exchange(struct.pack(">i", len(unknown)) + unknown)
                future = struct.pack(">hhi", 18, 99, 42) + struct.pack(">h", 1) + b"x" + b"\\x00"
                reply = exchange(struct.pack(">i", len(future)) + future)
                correlation, error_code = struct.unpack(">ih", reply[4:10])
                count = struct.unpack(">i", reply[10:14])[0]
                keys = [struct.unpack(">hhh", reply[14 + 6 * i: 20 + 6 * i]) for i in range(count)]
                print(json.dumps({
                    "closed": {k: v == b"" for k, v in result.items()},
                    "future_api_versions": [correlation, error_code, keys],
                }))
                """, broker.bootstrap])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
            #expect(json["closed"] as? [String: Bool] == ["oversized": true, "negative": true, "garbage": true, "unknown_api": true])
            let future = try #require(json["future_api_versions"] as? [Any])
            #expect(future[0] as? Int == 42)
            #expect(future[1] as? Int == 35, "UNSUPPORTED_VERSION in a v0 response")
            let advertised = try #require(future[2] as? [[Int]])
            #expect(advertised.contains([18, 0, 3]) && advertised.contains([3, 0, 12]))

            #expect(broker.isRunning)
            _ = try ExternalTool.run("kcat", arguments: ["-L", "-b", broker.bootstrap, "-m", "10"])
            #expect(broker.stop() == 0)
        }

        @Test func sigtermDeregistersAndExitsCleanly() throws {
            let broker = try BrokerProcess()
            let store = try SQLiteZnodeStore(path: broker.dataDirectory.appendingPathComponent("coordination.db").path)
            defer { store.close() }
            #expect(try store.getChildren("/brokers/ids") == ["1"])
            #expect(broker.stop() == 0)
            #expect(try store.getChildren("/brokers/ids").isEmpty, "a clean stop removes the registration at once")
        }

        @Test func unusableListenerIsOneClearLine() throws {
            let outcome = try PierBinary.run(["serve", "--listen", "nowhere", "--data-dir", FileManager.default.temporaryDirectory.appendingPathComponent("pier-bad-\(UUID().uuidString)").path])
            #expect(outcome.status != 0)
            #expect(outcome.stderr.hasPrefix("Error: cannot start the broker: listeners=nowhere: expected HOST:PORT"))
        }
    }
}
