import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// ElectLeaders against three real brokers, driven by the kafka-python and confluent-kafka admin
    /// clients (never skipped under CI) and by Kafka's own `kafka-leader-election.sh` (`.kafkaTools`):
    /// preferred elections move leadership back, unclean ones give a stranded partition a leader, and
    /// each refusal is Kafka's error.
    /// `auto.leader.rebalance.enable=false`, so only the elections asked for move leadership back.
    @Suite(.serialized) struct LeaderElectionClientTests {
        static let settings = ["auto.leader.rebalance.enable": "false"]

        static func electWithClient(_ cluster: ClusterProcesses, _ library: String, _ type: String, _ partitions: [String]) throws -> [String: String] {
            let output = try ClientScripts.runPython("admin_elect_leaders.py", [bootstrap(cluster), library, type] + partitions, timeoutSeconds: 90)
            return try #require(DataPathClientTests.json(output) as? [String: String])
        }

        /// Partition 0 of `topic` as kafka-python's describe_topic_partitions reports it: "T-0 leader=L replicas=[..] isr=[..]".
        static func partitionDescription(_ cluster: ClusterProcesses, _ topic: String) throws -> String? {
            let output = try ClientScripts.runPython("admin_describe_topic_partitions.py", [bootstrap(cluster), "1", topic])
            return (try DataPathClientTests.json(output)["pages"] as? [[String]])?.first?.first
        }

        static func bootstrap(_ cluster: ClusterProcesses) -> String { cluster.responsive.map(\.bootstrap).joined(separator: ",") }

        static func leaderElection(_ cluster: ClusterProcesses, _ arguments: [String]) throws -> KafkaTools.Outcome {
            try KafkaTools.run("kafka-leader-election.sh", ["--bootstrap-server", bootstrap(cluster)] + arguments)
        }

        /// A stopped preferred replica comes back in sync but does not lead until it is elected.
        static func preferredReplicaBackButNotLeading(_ cluster: ClusterProcesses, _ topic: String, partition: Int) throws -> Int32 {
            let preferred = try cluster.describe(topic)[partition].replicas[0]
            #expect(cluster.stop(preferred) == 0)
            let interim = try cluster.waitForLeader(topic, partition: partition, other: preferred)
            try cluster.start(preferred)
            try cluster.waitForIsr(topic, partition: partition, [1, 2, 3])
            #expect(try cluster.describe(topic)[partition].leader == interim)
            return preferred
        }

        /// A partition on two replicas whose in-sync one is down and whose other was down while it was
        /// the only one in sync: leaderless, the out-of-sync replica back. Returns (in sync, behind).
        static func strandWithAReplicaBehind(_ cluster: ClusterProcesses, _ topic: String) throws -> (Int32, Int32) {
            try cluster.createTopic(topic, partitions: 1, replicationFactor: 2)
            let replicas = try cluster.describe(topic)[0].replicas
            let (inSync, behind) = (replicas[0], replicas[1])
            #expect(cluster.stop(behind) == 0)
            try cluster.waitForIsr(topic, partition: 0, [inSync])
            #expect(cluster.stop(inSync) == 0)
            // `pier topic describe` needs a leader for the offsets; DescribeTopicPartitions shows the state without one.
            let leaderless = "\(topic)-0 leader=-1 replicas=\(replicas) isr=[\(inSync)]"
            try cluster.waitUntil("\(topic)-0 is leaderless", timeoutSeconds: 20) { try Self.partitionDescription(cluster, topic) == leaderless }
            #expect(try Self.electWithClient(cluster, "confluent-kafka", "unclean", ["\(topic):0"]) == ["\(topic)-0": "ELIGIBLE_LEADERS_NOT_AVAILABLE"])
            try cluster.start(behind)
            // Back, but not in sync: no clean election can pick it.
            usleep(1_000_000)
            #expect(try Self.partitionDescription(cluster, topic) == leaderless)
            return (inSync, behind)
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(6)))
        func preferredElectionsMoveLeadershipBackAndRefuseAsKafkaDoes() throws {
            let cluster = try ClusterProcesses(brokers: 3, settings: Self.settings)
            try cluster.startAll()
            try cluster.createTopic("preferred", partitions: 2, replicationFactor: 3)
            let initial = try cluster.describe("preferred")
            let preferred = initial.map { $0.replicas[0] }
            try #require(initial.map(\.leader) == preferred, "\(initial)")

            // Partition 0's preferred replica goes and comes back: it rejoins the ISR but does not lead.
            _ = try Self.preferredReplicaBackButNotLeading(cluster, "preferred", partition: 0)
            #expect(try Self.electWithClient(cluster, "kafka-python", "preferred", ["preferred:0"]) == ["preferred-0": "NONE"])
            try cluster.waitUntil("partition 0 is led by its preferred replica", timeoutSeconds: 20) {
                try cluster.describe("preferred")[0].leader == preferred[0]
            }

            #expect(try Self.electWithClient(cluster, "kafka-python", "preferred", ["preferred:0", "preferred:1", "preferred:7", "absent:0"]) == [
                "preferred-0": "ELECTION_NOT_NEEDED", "preferred-1": "ELECTION_NOT_NEEDED",
                "preferred-7": "UNKNOWN_TOPIC_OR_PARTITION", "absent-0": "UNKNOWN_TOPIC_OR_PARTITION",
            ])
            // A live leader needs no unclean election.
            #expect(try Self.electWithClient(cluster, "kafka-python", "unclean", ["preferred:0"]) == ["preferred-0": "ELECTION_NOT_NEEDED"])

            // Partition 1's preferred replica is down: its election cannot happen.
            #expect(cluster.stop(preferred[1]) == 0)
            try cluster.waitForLeader("preferred", partition: 1, other: preferred[1])
            #expect(try Self.electWithClient(cluster, "confluent-kafka", "preferred", ["preferred:1"]) == ["preferred-1": "PREFERRED_LEADER_NOT_AVAILABLE"])
            try cluster.start(preferred[1])
            try cluster.waitForIsr("preferred", partition: 1, [1, 2, 3])
            #expect(try Self.electWithClient(cluster, "confluent-kafka", "preferred", ["preferred:1"]) == ["preferred-1": "NONE"])
            try cluster.waitUntil("partition 1 is led by its preferred replica", timeoutSeconds: 20) {
                try cluster.describe("preferred")[1].leader == preferred[1]
            }
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }

        /// A partition whose only in-sync replica is down stays leaderless (unclean election is off by
        /// default) until an operator asks for an unclean election: with no replica live there is no
        /// eligible leader; with the out-of-sync one back, it leads.
        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(6)))
        func uncleanElectionGivesAStrandedPartitionALeader() throws {
            let cluster = try ClusterProcesses(brokers: 3, settings: Self.settings)
            try cluster.startAll()
            let (_, behind) = try Self.strandWithAReplicaBehind(cluster, "stranded")
            #expect(try Self.electWithClient(cluster, "kafka-python", "unclean", ["stranded:0"]) == ["stranded-0": "NONE"])
            try cluster.waitUntil("the replica that was behind leads", timeoutSeconds: 20) {
                let state = try cluster.describe("stranded")[0]
                return state.leader == behind && state.isr == [behind]
            }
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }

        /// The same elections through `kafka-leader-election.sh`, with what it prints for each outcome.
        @Test(.kafkaTools, .enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(6)))
        func kafkaLeaderElectionToolElectsAndReportsAsKafkaDoes() throws {
            let cluster = try ClusterProcesses(brokers: 3, settings: Self.settings)
            try cluster.startAll()
            try cluster.createTopic("preferred", partitions: 1, replicationFactor: 3)
            let preferred = try Self.preferredReplicaBackButNotLeading(cluster, "preferred", partition: 0)
            let elected = try Self.leaderElection(cluster, ["--election-type", "preferred", "--topic", "preferred", "--partition", "0"])
            #expect(elected.status == 0, "\(elected.stderr)")
            #expect(elected.stdout.contains("Successfully completed leader election (PREFERRED) for partitions preferred-0"), "\(elected.stdout)")
            try cluster.waitUntil("partition 0 is led by its preferred replica", timeoutSeconds: 20) {
                try cluster.describe("preferred")[0].leader == preferred
            }
            let again = try Self.leaderElection(cluster, ["--election-type", "preferred", "--topic", "preferred", "--partition", "0"])
            #expect(again.status == 0)
            #expect(again.stdout.contains("Valid replica already elected for partitions preferred-0"), "\(again.stdout)")
            let unknown = try Self.leaderElection(cluster, ["--election-type", "preferred", "--topic", "absent", "--partition", "0"])
            #expect(unknown.status != 0)
            #expect(unknown.stdout.contains("UnknownTopicOrPartitionException: No such topic as absent"), "\(unknown.stdout)")

            let (_, behind) = try Self.strandWithAReplicaBehind(cluster, "stranded")
            let unclean = try Self.leaderElection(cluster, ["--election-type", "unclean", "--topic", "stranded", "--partition", "0"])
            #expect(unclean.status == 0, "\(unclean.stderr)")
            #expect(unclean.stdout.contains("Successfully completed leader election (UNCLEAN) for partitions stranded-0"), "\(unclean.stdout)")
            try cluster.waitUntil("the replica that was behind leads", timeoutSeconds: 20) {
                let state = try cluster.describe("stranded")[0]
                return state.leader == behind && state.isr == [behind]
            }
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }
    }
}
