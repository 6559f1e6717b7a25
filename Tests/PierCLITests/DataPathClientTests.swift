import Foundation
import PierCoordination
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Produce, Fetch and ListOffsets driven by unmodified clients (kcat, confluent-kafka, kafka-python,
    /// aiokafka) against a real `pier serve`, on both storage engines where it is cheap.
    @Suite(.serialized) struct DataPathClientTests {
        enum Engine: String, CaseIterable, Sendable {
            case sqlite, segments
            var arguments: [String] { ["--engine", rawValue] }
        }

        /// A `--config` file with these settings, beside the temporary directory.
        static func configFile(_ settings: [String: String]) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("pier-config-\(UUID().uuidString).properties").path
            try settings.map { "\($0.key)=\($0.value)" }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
        }

        static func sqlite(_ database: URL, _ sql: String) throws -> String {
            try ExternalTool.run("sqlite3", arguments: ["-readonly", database.path, sql])
        }

        static func seconds(since start: ContinuousClock.Instant) -> String {
            let elapsed = start.duration(to: .now)
            return String(format: "%.2f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        // MARK: kcat

        /// 100,000 keyed records from a file plus ten with headers, consumed back byte for byte; start
        /// positions by offset and by timestamp; the SQLite engine's rows hold the same keys and values.
        @Test(.enabled(if: ExternalTool.mustRun("kcat") && ExternalTool.mustRun("sqlite3")), arguments: Engine.allCases)
        func kcatProducesAndConsumesAHundredThousandRecords(_ engine: Engine) throws {
            let broker = try BrokerProcess(arguments: engine.arguments)
            let count = 100_000
            let lines = (0..<count).map { "key-\($0):value \($0) \(String(repeating: "abcdefgh", count: $0 % 8))" }
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("pier-kcat-\(UUID().uuidString).txt")
            try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: input) }

            let produceStart = ContinuousClock.now
            _ = try ExternalTool.run("kcat", arguments: ["-P", "-b", broker.bootstrap, "-t", "bulk", "-p", "0", "-K:", "-l", input.path],
                                     timeoutSeconds: 120)
            let produced = Self.seconds(since: produceStart)
            let tagged = (0..<10).map { "tagged-\($0):with headers \($0)" }
            _ = try ExternalTool.run("kcat", arguments: ["-P", "-b", broker.bootstrap, "-t", "bulk", "-p", "0", "-K:",
                                                          "-H", "trace=abc", "-H", "source=kcat"],
                                     input: tagged.joined(separator: "\n") + "\n")

            let consumeStart = ContinuousClock.now
            let consumed = try ExternalTool.run("kcat", arguments: ["-C", "-b", broker.bootstrap, "-t", "bulk", "-p", "0", "-e", "-o", "beginning",
                                                                    "-f", "%o|%k|%s|%h|%T\\n"], timeoutSeconds: 120)
            let consumedIn = Self.seconds(since: consumeStart)
            print("kcat \(engine.rawValue): produced \(count) records in \(produced), consumed \(count + 10) in \(consumedIn)")

            let rows = consumed.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.split(separator: "|", omittingEmptySubsequences: false) }
            #expect(rows.count == count + 10)
            let expected = (lines + tagged).enumerated().map { offset, line in
                let parts = line.split(separator: ":", maxSplits: 1)
                return "\(offset)|\(parts[0])|\(parts[1])|\(offset >= count ? "trace=abc,source=kcat" : "")"
            }
            let got = rows.map { $0.prefix(4).joined(separator: "|") }
            #expect(got == expected, "first difference at \(zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
            let timestamps = rows.map { Int64($0[4]) ?? -1 }
            #expect(timestamps.allSatisfy { $0 > 1_600_000_000_000 })

            // -o <offset> and -o s@<timestamp> start at the right record.
            let atOffset = try ExternalTool.run("kcat", arguments: ["-C", "-b", broker.bootstrap, "-t", "bulk", "-p", "0", "-e", "-o", "54321",
                                                                    "-c", "1", "-f", "%o|%k\\n"])
            #expect(atOffset == "54321|key-54321\n")
            let target = timestamps[70_000]
            let firstAtTarget = try #require(timestamps.firstIndex { $0 >= target })
            let atTime = try ExternalTool.run("kcat", arguments: ["-C", "-b", broker.bootstrap, "-t", "bulk", "-p", "0", "-e", "-o", "s@\(target)",
                                                                  "-c", "1", "-f", "%o|%T\\n"])
            #expect(atTime == "\(firstAtTarget)|\(timestamps[firstAtTarget])\n")

            if engine == .sqlite {
                let database = broker.dataDirectory.appendingPathComponent("bulk-0/partition.sqlite")
                let stored = try Self.sqlite(database, #"SELECT "offset" || '|' || key || '|' || value FROM records_text ORDER BY "offset";"#)
                #expect(stored == expected.map { $0.split(separator: "|").prefix(3).joined(separator: "|") }.joined(separator: "\n") + "\n")
                let headers = try Self.sqlite(database, #"SELECT headers FROM records WHERE "offset" = 100000;"#)
                #expect(headers == #"[["trace","abc"],["source","kcat"]]"# + "\n")
            }
            #expect(broker.stop() == 0)
        }

        // MARK: confluent-kafka

        /// acks all/1/0 × every codec, key-hash partitioning and a custom partitioner over 4 partitions.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), arguments: Engine.allCases)
        func confluentKafkaRoundTrips(_ engine: Engine) throws {
            let config = try Self.configFile(["num.partitions": "4"])
            defer { try? FileManager.default.removeItem(atPath: config) }
            let broker = try BrokerProcess(arguments: engine.arguments + ["--config", config])
            let start = ContinuousClock.now
            let result = try Self.json(try ClientScripts.runPython("confluent_data_path.py", [broker.bootstrap], timeoutSeconds: 150))
            print("confluent-kafka \(engine.rawValue): \(Self.seconds(since: start))")
            for acks in ["all", "1", "0"] {
                for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
                    let topic = try #require(result["acks-\(acks)-\(codec)"] as? [String: Any], "acks-\(acks)-\(codec)")
                    #expect(topic["exact"] as? Bool == true, "acks=\(acks) \(codec)")
                    #expect(topic["count"] as? Int == 300, "acks=\(acks) \(codec)")
                    #expect(topic["dense"] as? Bool == true, "acks=\(acks) \(codec)")
                    #expect(topic["reportedOffsetsMatch"] as? Bool == true, "acks=\(acks) \(codec)")
                }
            }
            let keyed = try #require(result["keyed"] as? [String: Any])
            #expect(keyed["oneProducerPartitionPerKey"] as? Bool == true)
            #expect(keyed["consumedWhereProduced"] as? Bool == true)
            #expect(keyed["partitionsUsed"] as? Int == 4, "40 keys spread over all 4 partitions")
            #expect(keyed["count"] as? Int == 400)
            let custom = try #require(result["custom"] as? [String: Any])
            #expect(custom["allWhereChosen"] as? Bool == true)
            #expect(custom["count"] as? Int == 40)
            let appendTime = try #require(result["appendTime"] as? [String: Any])
            #expect(appendTime["count"] as? Int == 50)
            #expect(appendTime["allLogAppendTime"] as? Bool == true, "consumed timestamps are of type LogAppendTime")
            #expect(appendTime["allBrokerClock"] as? Bool == true, "consumed timestamps are the broker's clock, not a day old")
            #expect(appendTime["reportedLogAppendTime"] as? Bool == true, "delivery reports carry the log append time")
            #expect(broker.stop() == 0)
        }

        // MARK: kafka-python and aiokafka

        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")), arguments: Engine.allCases)
        func kafkaPythonAndAiokafkaRoundTrips(_ engine: Engine) throws {
            let broker = try BrokerProcess(arguments: engine.arguments)
            let result = try Self.json(try ClientScripts.runPython("python_clients_data_path.py", [broker.bootstrap, "py"], timeoutSeconds: 120))
            for client in ["kafka-python", "aiokafka"] {
                let report = try #require(result[client] as? [String: Any], "\(client)")
                #expect(report["producedOffsets"] as? Bool == true, "\(client)")
                #expect(report["exact"] as? Bool == true, "\(client)")
                #expect(report["beginning"] as? Int == 0, "\(client)")
                #expect(report["end"] as? Int == 200, "\(client)")
                // The first record at or after BASE_TIME + 555 is number 56 (BASE_TIME + 560).
                #expect(report["byTime"] as? [Int64] == [56, 1_700_000_000_560], "\(client)")
                #expect(report["seekTo150"] as? Int == 150, "\(client)")
            }
            #expect((result["kafka-python"] as? [String: Any])?["afterEnd"] is NSNull, "no record at or after a time past the end")

            if engine == .sqlite {
                let database = broker.dataDirectory.appendingPathComponent("py-kafka-python-0/partition.sqlite")
                let stored = try Self.sqlite(database, #"SELECT "offset" || '|' || key || '|' || value || '|' || timestamp || '|' || headers FROM records_text ORDER BY "offset";"#)
                let expected = (0..<200).map { #"\#($0)|k\#($0)|value-\#($0)|\#(1_700_000_000_000 + $0 * 10)|[["i","\#($0)"]]"# }
                #expect(stored == expected.joined(separator: "\n") + "\n")
            }
            #expect(broker.stop() == 0)
        }

        // MARK: Errors

        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func clientsSeeKafkasErrors() throws {
            let config = try Self.configFile(["auto.create.topics.enable": "false", "message.max.bytes": "2048"])
            defer { try? FileManager.default.removeItem(atPath: config) }
            let broker = try BrokerProcess(arguments: ["--config", config])
            let store = try SQLiteZnodeStore(path: broker.dataDirectory.appendingPathComponent("coordination.db").path)
            try ClusterMetadata(store: store).createTopic("existing", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [1]]), config: [:])
            store.close()

            let result = try Self.json(try ClientScripts.runPython("data_path_errors.py", [broker.bootstrap], timeoutSeconds: 120))
            #expect(result["rawUnknownTopic"] as? Int == 3, "UNKNOWN_TOPIC_OR_PARTITION")
            #expect(result["rawTooLarge"] as? Int == 10, "MESSAGE_TOO_LARGE")
            let unknown = result["confluentUnknownTopic"] as? String
            #expect(unknown == "UNKNOWN_TOPIC_OR_PART" || unknown == "_UNKNOWN_TOPIC", "got \(unknown ?? "nil")")
            #expect(result["confluentTooLarge"] as? [String] == ["MSG_SIZE_TOO_LARGE", "delivered"])
            #expect(result["outOfRange-earliest"] as? [AnyHashable] == [0, "small"])
            #expect(result["outOfRange-latest"] as? [AnyHashable] == [1, "after-reset"])
            #expect(result["outOfRange-error"] as? String == "_AUTO_OFFSET_RESET")
            let says = result["outOfRange-error-says"] as? String ?? ""
            #expect(says.localizedCaseInsensitiveContains("offset out of range"), "\(says)")
            #expect(broker.stop() == 0)
        }

        // MARK: Long poll

        /// A consumer parked in a 5 s long poll gets each new record within 500 ms of its produce.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func produceWakesALongPollingFetch() throws {
            let broker = try BrokerProcess()
            let result = try Self.json(try ClientScripts.runPython("long_poll_wake.py", [broker.bootstrap, "pings"], timeoutSeconds: 60))
            let latencies = try #require(result["latenciesMs"] as? [Double])
            print("long-poll wake latencies (ms): \(latencies)")
            #expect(latencies.count == 5)
            #expect(latencies.allSatisfy { $0 < 500 }, "\(latencies)")
            #expect(broker.stop() == 0)
        }
    }
}
