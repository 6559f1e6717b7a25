import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// DescribeTopicPartitions through `pier serve`: Kafka's `kafka-topics.sh --describe` (which uses it
    /// once ApiVersions advertises it) and kafka-python's describe_topic_partitions, page by page.
    @Suite(.serialized) struct DescribeTopicPartitionsClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func kafkaPythonPagesThroughEveryPartitionOnce() throws {
            let broker = try BrokerProcess()
            _ = try PierBinary.run(["topic", "create", "paged-a", "--partitions", "5", "--bootstrap-server", broker.bootstrap])
            _ = try PierBinary.run(["topic", "create", "paged-b", "--partitions", "3", "--bootstrap-server", broker.bootstrap])
            let output = try ClientScripts.runPython("admin_describe_topic_partitions.py", [broker.bootstrap, "3", "paged-b", "paged-a", "absent"])
            let report = try DataPathClientTests.json(output)
            let pages = try #require(report["pages"] as? [[String]])
            #expect(pages.map(\.count) == [3, 3, 2])
            let expected = (0..<5).map { "paged-a-\($0) leader=1 replicas=[1] isr=[1]" } + (0..<3).map { "paged-b-\($0) leader=1 replicas=[1] isr=[1]" }
            #expect(pages.flatMap { $0 } == expected)
            #expect(report["errors"] as? [String: Int] == ["absent": 3])
            #expect(broker.stop() == 0)
        }

        @Test(.kafkaTools)
        func kafkaTopicsDescribeShowsEveryPartition() throws {
            let broker = try BrokerProcess()
            _ = try PierBinary.run(["topic", "create", "shown", "--partitions", "5", "--config", "retention.ms=60000",
                                    "--bootstrap-server", broker.bootstrap])
            let described = try KafkaTools.run("kafka-topics.sh", ["--bootstrap-server", broker.bootstrap, "--describe", "--topic", "shown",
                                                                   "--partition-size-limit-per-response", "2"])
            #expect(described.status == 0, "\(described.stderr)")
            let lines = described.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("Topic: shown\tTopicId: ") == true, "\(described.stdout)")
            #expect(lines.first?.contains("PartitionCount: 5\tReplicationFactor: 1\tConfigs: retention.ms=60000") == true, "\(described.stdout)")
            #expect(Array(lines.dropFirst()) == (0..<5).map { "\tTopic: shown\tPartition: \($0)\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: " },
                    "\(described.stdout)")
            #expect(broker.stop() == 0)
        }
    }
}
