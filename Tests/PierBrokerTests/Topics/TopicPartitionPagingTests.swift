@testable import PierBroker
import Testing

/// DescribeTopicPartitions' pages, as Kafka's broker cuts them.
@Suite struct TopicPartitionPagingTests {
    private let counts: [String: Int32] = ["a": 3, "b": 2, "c": 4]

    private func shown(_ page: TopicPartitionPaging.Page) -> [String] {
        page.topics.map { topic in topic.partitions.map { "\(topic.name)\($0.lowerBound)..<\($0.upperBound)" } ?? "\(topic.name)?" }
    }

    @Test func everyTopicFitsWithoutACursor() {
        let page = TopicPartitionPaging.page(requested: nil, partitionCounts: counts, cursor: nil, limit: 2000)
        #expect(shown(page) == ["a0..<3", "b0..<2", "c0..<4"])
        #expect(page.nextCursor == nil)
    }

    @Test func aPageEndsInsideATopicAndTheCursorResumesThere() {
        let first = TopicPartitionPaging.page(requested: nil, partitionCounts: counts, cursor: nil, limit: 4)
        #expect(shown(first) == ["a0..<3", "b0..<1"])
        #expect(first.nextCursor == .init(topic: "b", partition: 1))
        let second = TopicPartitionPaging.page(requested: nil, partitionCounts: counts, cursor: first.nextCursor, limit: 4)
        #expect(shown(second) == ["b1..<2", "c0..<3"])
        #expect(second.nextCursor == .init(topic: "c", partition: 3))
        let last = TopicPartitionPaging.page(requested: nil, partitionCounts: counts, cursor: second.nextCursor, limit: 4)
        #expect(shown(last) == ["c3..<4"])
        #expect(last.nextCursor == nil)
    }

    @Test func aPageEndingAtATopicsEndPointsAtTheNextTopic() {
        let page = TopicPartitionPaging.page(requested: nil, partitionCounts: counts, cursor: nil, limit: 3)
        #expect(shown(page) == ["a0..<3"])
        #expect(page.nextCursor == .init(topic: "b", partition: 0))
    }

    @Test func requestedTopicsComeInNameOrderAndUnknownOnesAreReportedWithoutTakingRoom() {
        let page = TopicPartitionPaging.page(requested: ["c", "zz", "a", "a"], partitionCounts: counts, cursor: nil, limit: 8)
        #expect(shown(page) == ["a0..<3", "c0..<4", "zz?"])
        #expect(page.nextCursor == nil)
        // Asking for every topic never reports one that is not there.
        #expect(shown(TopicPartitionPaging.page(requested: nil, partitionCounts: [:], cursor: nil, limit: 5)).isEmpty)
    }
}
