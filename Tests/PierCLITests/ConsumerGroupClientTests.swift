import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Consumer groups driven by unmodified clients (confluent-kafka, kafka-python, aiokafka) against a
    /// real `pier serve`: rebalances as members come, go and die, every assignor, static membership,
    /// and committed offsets that outlive the broker.
    @Suite(.serialized) struct ConsumerGroupClientTests {
        /// The first rebalance of an empty group waits this long for more members (Kafka's default is 3 s).
        static let brokerSettings = ["group.initial.rebalance.delay.ms": "100"]

        static func broker() throws -> BrokerProcess {
            try BrokerProcess(arguments: ["--config", try DataPathClientTests.configFile(brokerSettings)])
        }

        /// Runs `group_rebalance.py` and checks what holds for every scenario: each step ended with every
        /// partition owned by exactly one live member (the script waits for that), nothing consumed
        /// after a commit covering it, nothing missing, and the final commits at the log ends.
        static func runScenario(_ broker: BrokerProcess, topic: String, strategy: String, steps: [String],
                                extra: [String] = []) throws -> [String: Any] {
            let output = try ClientScripts.runPython("group_rebalance.py", [broker.bootstrap, topic, "\(topic)-group", strategy,
                                                                            steps.joined(separator: ",")] + extra, timeoutSeconds: 180)
            let report = try DataPathClientTests.json(output)
            let phases = try #require(report["phases"] as? [[String: Any]])
            #expect(phases.compactMap { $0["step"] as? String } == steps)
            for phase in phases {
                let assignment = try #require(phase["assignment"] as? [String: [Int]])
                #expect(assignment.values.flatMap { $0 }.sorted() == Array(0..<6), "step \(phase["step"] ?? "")")
            }
            #expect((report["produced"] as? Int ?? 0) > 0)
            #expect(report["producerErrors"] as? [String] == [])
            #expect(report["consumerErrors"] as? [String] == [])
            #expect(report["violations"] as? [[String: Any]] != nil)
            #expect((report["violations"] as? [[String: Any]])?.isEmpty == true, "consumed after a covering commit: \(report["violations"] ?? "")")
            #expect(report["missing"] as? [Int] == [])
            #expect((report["mismatched"] as? [Any])?.isEmpty == true)
            #expect((report["finalCommittedMatchesEnd"] as? [String: Bool])?.values.allSatisfy { $0 } == true)
            return report
        }

        /// `sql` run with sqlite3 on every group shard of a broker's data directory, the outputs joined.
        static func queryEveryShard(_ dataDirectory: URL, _ sql: String) throws -> String {
            let shards = try FileManager.default.contentsOfDirectory(atPath: dataDirectory.appendingPathComponent("groups").path)
                .filter { $0.hasSuffix(".sqlite") }
            return try shards.map { try DataPathClientTests.sqlite(dataDirectory.appendingPathComponent("groups/\($0)"), sql) }.joined()
        }

        static func assignment(_ phase: [String: Any]) -> [String: [Int]] {
            phase["assignment"] as? [String: [Int]] ?? [:]
        }

        /// Three members split six partitions; one leaves (close), one is SIGKILLed and expires with its
        /// session (6 s), one joins: each rebalance completes and no committed record comes back.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func confluentConsumersSurviveALeaveAKillAndAJoin() throws {
            let broker = try Self.broker()
            let report = try Self.runScenario(broker, topic: "churn", strategy: "default",
                                              steps: ["start:a", "start:b", "start:c", "close:a", "kill:b", "start:d"])
            let phases = try #require(report["phases"] as? [[String: Any]])
            #expect(Self.assignment(phases[2]).mapValues(\.count) == ["a": 2, "b": 2, "c": 2])
            #expect(Set(Self.assignment(phases[3]).keys) == ["b", "c"])
            #expect(Self.assignment(phases[4]).keys.sorted() == ["c"])
            // The killed member's partitions move only after its session timeout.
            #expect((phases[4]["seconds"] as? Double ?? 0) >= 5.5)
            #expect(Set(Self.assignment(phases[5]).keys) == ["c", "d"])
            #expect(broker.stop() == 0)
        }

        /// range, roundrobin and cooperative-sticky (two-phase, incremental) each reach a complete
        /// assignment as members join and leave.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), arguments: ["range", "roundrobin", "cooperative-sticky"])
        func everyAssignorReachesACompleteAssignment(strategy: String) throws {
            let broker = try Self.broker()
            let report = try Self.runScenario(broker, topic: "assigned-\(strategy)", strategy: strategy,
                                              steps: ["start:a", "start:b", "start:c", "close:a", "start:d"])
            let phases = try #require(report["phases"] as? [[String: Any]])
            #expect(Self.assignment(phases[2]).mapValues(\.count) == ["a": 2, "b": 2, "c": 2])
            #expect(Self.assignment(phases[4]).mapValues(\.count) == ["b": 2, "c": 2, "d": 2])
            #expect(broker.stop() == 0)
        }

        /// Static members (`group.instance.id`) that restart within the session timeout get their
        /// partitions back without a rebalance: the generation stays, the other member's assignment
        /// never changes. The restarted member is the follower first, then the leader.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func staticMembersRestartWithoutARebalance() throws {
            let broker = try Self.broker()
            let report = try Self.runScenario(broker, topic: "static", strategy: "range",
                                              steps: ["start:a", "start:b", "restart:b", "restart:a"],
                                              extra: ["--static", "--data-dir", broker.dataDirectory.path, "--session-timeout-ms", "15000"])
            let phases = try #require(report["phases"] as? [[String: Any]])
            let generations = phases.map { $0["generation"] as? Int }
            #expect(generations[1] != nil)
            #expect(generations[2] == generations[1] && generations[3] == generations[1])
            #expect(Self.assignment(phases[2]) == Self.assignment(phases[1]))
            #expect(Self.assignment(phases[3]) == Self.assignment(phases[1]))
            let changes = phases.map { $0["assignmentChanges"] as? [String: Int] ?? [:] }
            #expect(changes[2]["a"] == changes[1]["a"], "a saw its assignment change while b restarted")
            #expect(changes[3]["b"] == changes[2]["b"], "b saw its assignment change while a restarted")
            #expect(broker.stop() == 0)
        }

        /// Commits (with metadata) are durable: after a restart AdminClient, Consumer.committed and a
        /// resuming consumer all see them, and so does sqlite3 on the group's shard.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")))
        func committedOffsetsSurviveABrokerRestart() throws {
            let first = try Self.broker()
            let committed = try DataPathClientTests.json(try ClientScripts.runPython("group_offsets.py", [first.bootstrap, "kept", "keeper", "commit"]))
            let expected = ["0": 10, "1": 15, "2": 20]
            #expect(committed["committed"] as? [String: Int] == expected)

            let (second, status) = try first.restarted()
            #expect(status == 0)
            let report = try DataPathClientTests.json(try ClientScripts.runPython("group_offsets.py", [second.bootstrap, "kept", "keeper", "check"]))
            #expect(report["admin"] as? [String: Int] == expected)
            #expect(report["committed"] as? [String: Int] == expected)
            #expect(report["metadata"] as? [String: String] == ["0": "note-0", "1": "note-1", "2": "note-2"])
            #expect(report["resumedAt"] as? [String: Int] == expected)
            #expect(second.stop() == 0)

            // The query docs/groups.md gives operators.
            let rows = try Self.queryEveryShard(second.dataDirectory,
                                                "SELECT group_id, topic, partition, committed_offset FROM committed_offsets ORDER BY partition")
            #expect(rows == "keeper|kept|0|10\nkeeper|kept|1|15\nkeeper|kept|2|20\n")
        }

        /// Offset metadata as each client sends it comes back as Kafka 4.0 returns it (checked against
        /// the reference broker): NUL bytes inside or alone, '' and non-ASCII text byte for byte; a null
        /// commit reads back as '' (Kafka's "no metadata"), which librdkafka shows as None; the
        /// committed leader epoch round-trips. The shard keeps the full text and null as NULL.
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("sqlite3")),
              arguments: ["kafka-python", "confluent-kafka", "aiokafka"])
        func offsetMetadataComesBackByteForByte(library: String) throws {
            let broker = try Self.broker()
            let group = "notes-\(library)"
            let report = try DataPathClientTests.json(try ClientScripts.runPython("offset_metadata.py", [broker.bootstrap, "notes-\(library)",
                                                                                                         group, library], timeoutSeconds: 120))
            let sent = try #require(report["sent"] as? [String: String])
            // kafka-python sends None as a null string; Kafka (and Pier) answer ''.
            let expected = sent.mapValues { library == "kafka-python" && $0 == "None" ? "''" : $0 }
            #expect(report["read"] as? [String: String] == expected)
            #expect(report["admin"] as? [String: String] == expected)
            #expect(report["offsets"] as? [String: Int] == Dictionary(uniqueKeysWithValues: sent.keys.map { ($0, 10 + Int($0)!) }))
            if library != "aiokafka" {
                #expect(report["epochs"] as? [String: Int] == sent.mapValues { _ in 0 })
            }
            #expect(broker.stop() == 0)
            guard library == "kafka-python" else { return }
            let rows = try Self.queryEveryShard(broker.dataDirectory,
                                                "SELECT partition, typeof(metadata), hex(metadata) FROM committed_offsets WHERE partition < 5 ORDER BY partition")
            #expect(rows == "0|text|610062\n1|text|\n2|null|\n3|text|706C61696E\n4|text|00\n")
        }

        /// kafka-python and aiokafka: a consumer reads part of a topic, commits and closes; the next
        /// one in the group starts exactly at the committed positions, so together they read every
        /// record once.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), arguments: ["kafka-python", "aiokafka"])
        func pythonClientsResumeAtTheCommittedOffset(library: String) throws {
            let broker = try Self.broker()
            let report = try DataPathClientTests.json(try ClientScripts.runPython("group_resume.py", [broker.bootstrap, "resume-\(library)",
                                                                                                       "resumers", library], timeoutSeconds: 120))
            let first = try #require(report["first"] as? [[Int]])
            let second = try #require(report["second"] as? [[Int]])
            let committed = try #require(report["committed"] as? [String: Int])
            #expect(first.count >= 40 && first.count < 100)
            for partition in 0..<2 {
                let read = first.filter { $0[0] == partition }.map { $0[1] }
                // What the first consumer committed is just past what it read.
                #expect(committed[String(partition)] == (read.max().map { $0 + 1 } ?? 0))
                #expect(second.first { $0[0] == partition }?[1] == committed[String(partition)])
            }
            let everything = (first + second).map { "\($0[0])-\($0[1])" }
            #expect(everything.count == 100 && Set(everything).count == 100)
            #expect(broker.stop() == 0)
        }
    }
}
