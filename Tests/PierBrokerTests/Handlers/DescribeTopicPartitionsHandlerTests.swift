@testable import PierBroker
import PierProtocol
import Testing

/// DescribeTopicPartitions on one broker: pages of `response_partition_limit` partitions chained by
/// cursors cover every partition once, unknown and invalid names get Kafka's errors, and a cursor
/// Kafka would refuse gets INVALID_REQUEST.
@Suite struct DescribeTopicPartitionsHandlerTests {
    @Test func pagesCoverEveryPartitionOnce() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            let created = try await CreateTopicsHandler(context: context).response(to: CreateTopicsRequest(topics: [
                .init(name: "alpha", numPartitions: 3, replicationFactor: 1), .init(name: "beta", numPartitions: 2, replicationFactor: 1),
            ]), version: 7)
            try #require(created.topics.map(\.errorCode) == [0, 0])
            let handler = DescribeTopicPartitionsHandler(context: context)

            var seen: [String] = []
            var cursor: DescribeTopicPartitionsRequest.Cursor?
            var pages = 0
            repeat {
                let page = try await handler.response(to: DescribeTopicPartitionsRequest(topics: [.init(name: "beta"), .init(name: "alpha")],
                                                                                          responsePartitionLimit: 2, cursor: cursor), version: 0)
                for topic in page.topics {
                    #expect(topic.errorCode == 0)
                    #expect(topic.topicId != .zero)
                    for partition in topic.partitions {
                        #expect(partition.leaderId == context.nodeID && partition.replicaNodes == [context.nodeID] && partition.isrNodes == [context.nodeID])
                        // Kafka's own admin client fails on null lists here.
                        #expect(partition.eligibleLeaderReplicas == [] && partition.lastKnownElr == [])
                        seen.append("\(topic.name ?? "")-\(partition.partitionIndex)")
                    }
                }
                cursor = page.nextCursor.map { .init(topicName: $0.topicName, partitionIndex: $0.partitionIndex) }
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == ["alpha-0", "alpha-1", "alpha-2", "beta-0", "beta-1"])
            #expect(pages == 3)

            let named = try await handler.response(to: DescribeTopicPartitionsRequest(topics: [.init(name: "nope"), .init(name: "bad name!")]),
                                                   version: 0)
            #expect(named.topics.map { ErrorCode(rawValue: $0.errorCode) } == [.invalidTopicException, .unknownTopicOrPartition])
            #expect(named.topics.map(\.name) == ["bad name!", "nope"])

            let strayCursor = try await handler.response(to: DescribeTopicPartitionsRequest(
                topics: [.init(name: "alpha")], cursor: .init(topicName: "beta", partitionIndex: 0)), version: 0)
            #expect(strayCursor.topics.map { ErrorCode(rawValue: $0.errorCode) } == [.invalidRequest])
            let negative = try await handler.response(to: DescribeTopicPartitionsRequest(
                topics: [], cursor: .init(topicName: "alpha", partitionIndex: -1)), version: 0)
            #expect(negative.topics.isEmpty && negative.nextCursor == nil)
        }
    }
}
