import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Partition reassignment (AlterPartitionReassignments, ListPartitionReassignments) against four
    /// real brokers: a partition moves from brokers {1, 2, 3} to {2, 3, 4} under an acks=all load of
    /// numbered records and loses nothing; a move that cannot finish is visible while it runs and
    /// its cancellation restores the original replicas. Driven by kafka-python's admin client (never
    /// skipped under CI; confluent-kafka has no reassignment calls) and by Kafka's own
    /// `kafka-reassign-partitions.sh` (`.kafkaTools`).
    @Suite(.serialized) struct PartitionReassignmentClientTests {
        static let settings = ["auto.leader.rebalance.enable": "false"]

        /// Makes broker `node` unable to hold a replica of `topic`-`partition` while it stays up and
        /// answers: a plain file where the replica's directory would go, so its log cannot be opened
        /// and a move toward it stays in progress. (A killed or SIGSTOPped broker would not do:
        /// kafka-python sends Metadata to any broker it knows of and fails on one that is down.)
        static func blockReplica(_ cluster: ClusterProcesses, node: Int32, _ topic: String, _ partition: Int) throws -> URL {
            let directory = cluster.partitionFile(node: node, topic: topic, partition: partition).deletingLastPathComponent()
            try Data("not a partition directory\n".utf8).write(to: directory)
            return directory
        }

        static func bootstrap(_ cluster: ClusterProcesses) -> String { cluster.responsive.map(\.bootstrap).joined(separator: ",") }

        static func admin(_ cluster: ClusterProcesses, _ arguments: [String]) throws -> [String: Any] {
            try DataPathClientTests.json(try ClientScripts.runPython("admin_reassign_partitions.py", [bootstrap(cluster)] + arguments, timeoutSeconds: 90))
        }

        static func alter(_ cluster: ClusterProcesses, _ specs: String...) throws -> [String: String] {
            try #require(try admin(cluster, ["alter"] + specs) as? [String: String])
        }

        /// Brokers 1-3 with `topic` on replicas `assignments` (one list per partition, e.g. "1,2,3"),
        /// every ISR full, then broker 4 started and registered.
        static func clusterWithTopicOnFirstThree(_ topic: String, _ assignments: [String], settings: [String: String]) throws -> ClusterProcesses {
            let cluster = try ClusterProcesses(brokers: 4, settings: settings)
            for id: Int32 in 1...3 { try cluster.start(id) }
            try cluster.waitUntil("brokers 1-3 are registered", timeoutSeconds: 30) {
                (try? admin(cluster, ["brokers"])["brokers"] as? [Int]) == [1, 2, 3]
            }
            _ = try admin(cluster, ["create", topic, assignments.joined(separator: "/")])
            try cluster.waitUntil("every partition of \(topic) has its first replica leading and a full ISR", timeoutSeconds: 30) {
                guard let states = try? cluster.describe(topic), states.count == assignments.count else { return false }
                return states.allSatisfy { $0.leader == $0.replicas.first && $0.isr.count == 3 }
            }
            try cluster.start(4)
            try cluster.waitUntil("broker 4 is registered", timeoutSeconds: 30) {
                (try? admin(cluster, ["brokers"])["brokers"] as? [Int]) == [1, 2, 3, 4]
            }
            return cluster
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), .timeLimit(.minutes(6)))
        func movingAPartitionUnderAcksAllLoadLosesNothing() throws {
            let topic = "moving"
            let cluster = try Self.clusterWithTopicOnFirstThree(topic, ["1,2,3", "1,2,3"], settings: Self.settings)
            let producer = try NumberedProducer(bootstrap: cluster.nodes.prefix(3).map(\.bootstrap).joined(separator: ","), topic: topic,
                                                partitions: 2, rate: 300)
            try producer.waitForAcknowledgements(300)

            // Partition 1 toward broker 4, which cannot open the replica: the move stays in progress, as
            // List, Metadata and describe show.
            let blocked = try Self.blockReplica(cluster, node: 4, topic, 1)
            #expect(try Self.alter(cluster, "\(topic):1=2,3,4") == ["\(topic)-1": "NONE"])
            let listed = try Self.admin(cluster, ["list"]) as? [String: [String: [Int]]]
            #expect(listed == ["\(topic)-1": ["replicas": [2, 3, 4, 1], "adding": [4], "removing": [1]]])
            let during = try cluster.describe(topic)[1]
            #expect(during.replicas == [2, 3, 4, 1] && during.adding == [4] && during.removing == [1] && during.leader == 1, "\(during)")
            #expect(Set(during.isr) == [1, 2, 3], "\(during)")
            // Cancelled: the original replicas (in the order the move left them), broker 1 still leading.
            #expect(try Self.alter(cluster, "\(topic):1=cancel") == ["\(topic)-1": "NONE"])
            #expect(try Self.alter(cluster, "\(topic):1=cancel") == ["\(topic)-1": "NO_REASSIGNMENT_IN_PROGRESS"])
            #expect(try Self.admin(cluster, ["list"]).isEmpty)
            let cancelled = try cluster.describe(topic)[1]
            #expect(cancelled.replicas == [2, 3, 1] && cancelled.adding.isEmpty && cancelled.removing.isEmpty && cancelled.leader == 1, "\(cancelled)")
            try FileManager.default.removeItem(at: blocked)

            // Refusals, with Kafka's codes (kafka-python names code 39 INVALID_REPLICATION_ASSIGNMENT).
            #expect(try Self.alter(cluster, "\(topic):0=2,2,3", "\(topic):7=2,3,4") == [
                "\(topic)-0": "INVALID_REPLICATION_ASSIGNMENT", "\(topic)-7": "UNKNOWN_TOPIC_OR_PARTITION",
            ])
            #expect(try Self.alter(cluster, "\(topic):0=2,3,9") == ["\(topic)-0": "INVALID_REPLICATION_ASSIGNMENT"], "broker 9 does not exist")

            // Partition 0, led by broker 1, to {2, 3, 4} under load.
            let started = Date()
            #expect(try Self.alter(cluster, "\(topic):0=2,3,4") == ["\(topic)-0": "NONE"])
            var moved = try cluster.describe(topic)[0]
            try cluster.waitUntil("\(topic)-0 has moved to brokers 2, 3, 4", timeoutSeconds: 60,
                                  detail: { "last described \(moved)\n\(cluster.logTails(lines: 40, naming: "\(topic)-0"))" }) {
                moved = try cluster.describe(topic)[0]
                return moved.replicas == [2, 3, 4] && Set(moved.isr) == [2, 3, 4] && moved.adding.isEmpty && moved.removing.isEmpty
            }
            print(String(format: "reassignment of %@-0 from {1,2,3} to {2,3,4} under 300 records/s: complete after %.2f s", topic,
                         Date().timeIntervalSince(started)))
            #expect(moved.leader != 1, "leadership left the removed broker: \(moved)")
            #expect(try Self.admin(cluster, ["list"]).isEmpty)
            try producer.waitForAcknowledgements(150, partition: 0, createdAfter: Date(), timeoutSeconds: 30)

            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: Self.bootstrap(cluster), topic: topic)
            ClusterFaultTests.expectNothingLost(summary, report, atLeast: 600)
            defer { cluster.keepEvidenceOfDuplicates(report, topic: topic, producer: producer) }
            try cluster.waitForIsr(topic, partition: 0, [2, 3, 4])
            try cluster.waitForIsr(topic, partition: 1, [1, 2, 3])
            let statuses = cluster.stopAll()
            #expect(statuses.values.allSatisfy { $0 == 0 }, "exit statuses \(statuses)")
            let records = try cluster.compareReplicas(topic, partitions: 1, nodes: [2, 3, 4])
            #expect(records.first == (report["endOffsets"] as? [Int])?.first, "replica records \(records), high watermarks \(report["endOffsets"] ?? "?")")
            print("reassignment under load: \(report["acknowledged"] ?? "?") acknowledged, \(topic)-0 identical on brokers 2, 3, 4 with \(records) records")
        }

        /// A reassignment in progress when its controller goes is finished by the next one, from the
        /// state the topic's assignment znode holds.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(4)))
        func aNewControllerFinishesAReassignmentInProgress() throws {
            let topic = "resumed"
            let cluster = try Self.clusterWithTopicOnFirstThree(topic, ["1,2,3"], settings: Self.settings)
            let controller = try #require(cluster.nodes.prefix(3).first { cluster.log($0.id).contains("elected controller") }?.id)
            // The move keeps the two others and adds broker 4, which cannot open the replica yet.
            let target = [Int32(1), 2, 3].filter { $0 != controller } + [4]
            let blocked = try Self.blockReplica(cluster, node: 4, topic, 0)
            #expect(try Self.alter(cluster, "\(topic):0=" + target.map(String.init).joined(separator: ",")) == ["\(topic)-0": "NONE"])
            #expect(try cluster.describe(topic)[0].adding == [4])
            usleep(1_000_000)
            #expect(try cluster.describe(topic)[0].adding == [4], "still in progress")
            // Broker 4 could now hold it, and tries again at the partition's next change: the ISR
            // losing the controller, which stops (its session closes with it).
            try FileManager.default.removeItem(at: blocked)
            #expect(cluster.stop(controller) == 0)
            var state = try cluster.describe(topic)[0]
            try cluster.waitUntil("the next controller completes the move", timeoutSeconds: 60,
                                  detail: { "last described \(state)\n\(cluster.logTails(lines: 30))" }) {
                state = try cluster.describe(topic)[0]
                return state.replicas == target && Set(state.isr) == Set(target) && state.adding.isEmpty
            }
            #expect(cluster.logLines(controller, naming: "\(topic)-0").contains { $0.contains("reassignment started") })
            let finishedBy = cluster.nodes.filter { node in
                cluster.logLines(node.id, naming: "\(topic)-0").contains { $0.contains("reassignment completed") }
            }.map(\.id)
            #expect(finishedBy.count == 1 && finishedBy.first != controller, "completed by \(finishedBy), first controller \(controller)")
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }

        /// `kafka-reassign-partitions.sh --generate`, `--execute` and `--verify` move a topic off broker 1.
        @Test(.kafkaTools, .enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(6)))
        func kafkaReassignPartitionsToolGeneratesExecutesAndVerifies() throws {
            let topic = "tooled"
            let cluster = try Self.clusterWithTopicOnFirstThree(topic, ["1,2,3", "2,3,1"], settings: [:])
            let producer = try NumberedProducer(bootstrap: Self.bootstrap(cluster), topic: topic, partitions: 2, rate: 300)
            try producer.waitForAcknowledgements(300)
            let files = cluster.root
            let topics = files.appendingPathComponent("topics.json")
            try #"{"version":1,"topics":[{"topic":"tooled"}]}"#.write(to: topics, atomically: true, encoding: .utf8)
            func tool(_ arguments: [String]) throws -> KafkaTools.Outcome {
                try KafkaTools.run("kafka-reassign-partitions.sh", ["--bootstrap-server", Self.bootstrap(cluster)] + arguments)
            }
            let generated = try tool(["--topics-to-move-json-file", topics.path, "--broker-list", "2,3,4", "--generate"])
            #expect(generated.status == 0, "\(generated.stderr)")
            // Two JSON lines follow their headings: the current assignment, then the proposed one.
            let lines = generated.stdout.split(separator: "\n").map(String.init)
            func json(after heading: String) throws -> [[String: Any]] {
                let index = try #require(lines.firstIndex(of: heading), "\(generated.stdout)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[index + 1].utf8)) as? [String: Any])
                return try #require(object["partitions"] as? [[String: Any]])
            }
            let current = try json(after: "Current partition replica assignment")
            #expect(current.map { $0["replicas"] as? [Int] ?? [] } == [[1, 2, 3], [2, 3, 1]], "\(current)")
            let proposed = try json(after: "Proposed partition reassignment configuration")
            #expect(proposed.count == 2)
            #expect(proposed.allSatisfy { Set($0["replicas"] as? [Int] ?? []) == [2, 3, 4] }, "\(proposed)")
            let plan = files.appendingPathComponent("plan.json")
            try lines[try #require(lines.firstIndex(of: "Proposed partition reassignment configuration")) + 1]
                .write(to: plan, atomically: true, encoding: .utf8)

            let executed = try tool(["--reassignment-json-file", plan.path, "--execute"])
            #expect(executed.status == 0, "\(executed.stderr)")
            #expect(executed.stdout.contains("Successfully started partition reassignment"), "\(executed.stdout)")
            var verified = ""
            try cluster.waitUntil("--verify reports both moves completed", timeoutSeconds: 60, detail: { verified }) {
                let outcome = try tool(["--reassignment-json-file", plan.path, "--verify"])
                verified = outcome.stdout + outcome.stderr
                return outcome.status == 0 && verified.contains("Reassignment of partition \(topic)-0 is completed.")
                    && verified.contains("Reassignment of partition \(topic)-1 is completed.")
            }
            #expect(verified.contains("Clearing broker-level throttles on brokers 1,2,3,4"), "\(verified)")
            let described = try cluster.describe(topic)
            for (state, planned) in zip(described, proposed) {
                #expect(state.replicas.map(Int.init) == planned["replicas"] as? [Int], "\(state)")
                #expect(Set(state.isr) == [2, 3, 4], "\(state)")
            }
            let summary = try producer.finish()
            let report = try producer.verify(bootstrap: Self.bootstrap(cluster), topic: topic)
            ClusterFaultTests.expectNothingLost(summary, report, atLeast: 300)
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }
    }
}
