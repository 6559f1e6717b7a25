import Foundation
import Testing

extension RealBrokerSuites {
    /// `pier topic ...` against a real `pier serve`.
    @Suite(.serialized) struct TopicCommandTests {
        @Test func createsListsDescribesAltersGrowsAndDeletes() throws {
            let broker = try BrokerProcess()
            #expect(try pierSucceeds(["topic", "create", "audit", "--partitions", "2", "--config", "retention.ms=604800000"], broker: broker)
                == "Created topic audit.\n")
            try pierSucceeds(["topic", "create", "logins"], broker: broker)
            #expect(try pierSucceeds(["topic", "list"], broker: broker) == "audit\nlogins\n")

            let described = try pierSucceeds(["topic", "describe", "audit"], broker: broker)
            #expect(described.hasPrefix("Topic: audit\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=604800000\n"), "\(described)")
            #expect(described.contains("\tTopic: audit\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tLogStartOffset: 0\tLogEndOffset: 0"))

            try pierSucceeds(["topic", "alter-config", "audit", "--set", "retention.ms=1000", "--set", "cleanup.policy=delete"], broker: broker)
            let altered = try pierSucceeds(["topic", "describe", "audit"], broker: broker)
            #expect(altered.contains("Configs: cleanup.policy=delete,retention.ms=1000\n"), "\(altered)")
            try pierSucceeds(["topic", "alter-config", "audit", "--delete", "cleanup.policy"], broker: broker)
            #expect(try pierSucceeds(["topic", "describe", "audit"], broker: broker).contains("Configs: retention.ms=1000\n"))

            #expect(try pierSucceeds(["topic", "add-partitions", "audit", "--partitions", "4"], broker: broker) == "Topic audit now has 4 partitions.\n")
            #expect(try pierSucceeds(["topic", "describe", "audit"], broker: broker).contains("PartitionCount: 4"))

            #expect(try pierSucceeds(["topic", "delete", "logins"], broker: broker) == "Deleted topic logins.\n")
            #expect(try pierSucceeds(["topic", "list"], broker: broker) == "audit\n")
            #expect(broker.stop() == 0)
        }

        @Test func failuresAreOneClearLine() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit", "--partitions", "2"], broker: broker)
            #expect(try pierFails(["topic", "create", "audit"], broker: broker).hasPrefix("Error: create topic audit"))
            #expect(try pierFails(["topic", "create", "audit"], broker: broker).hasSuffix("TOPIC_ALREADY_EXISTS"))
            #expect(try pierFails(["topic", "describe", "nope"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(try pierFails(["topic", "delete", "nope"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(try pierFails(["topic", "alter-config", "nope", "--set", "retention.ms=1"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(try pierFails(["topic", "add-partitions", "audit", "--partitions", "2"], broker: broker)
                == "Error: topic 'audit' already has 2 partitions; --partitions must be more than that")
            #expect(try pierFails(["topic", "create", "bad", "--config", "retention.ms"], broker: broker)
                == "Error: --config 'retention.ms' is not NAME=VALUE")
            #expect(try pierFails(["topic", "alter-config", "audit", "--set", "no.such.setting=1"], broker: broker).hasPrefix("Error: alter configs of audit"))
            #expect(broker.stop() == 0)
        }

        @Test func anUnreachableBrokerIsNamed() throws {
            let port = try ClosedPort.loopback()
            for arguments in [["topic", "list"], ["group", "list"], ["consume", "t"], ["replay", "t", "--partition", "0"]] {
                let line = try pierFails(arguments + ["--bootstrap-server", "127.0.0.1:\(port)"])
                #expect(line == "Error: broker unreachable at 127.0.0.1:\(port) (connection refused)")
            }
        }
    }
}
