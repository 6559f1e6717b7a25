/// DescribeTopicPartitions' paging, as Kafka's broker pages: topics in name order from the cursor's
/// topic (starting at its partition), at most `limit` partitions in all; the next cursor names the
/// first partition left out, or the next topic when a page ends exactly at a topic's end. A topic
/// that does not exist takes no room and is reported (unless every topic was asked for) with
/// UNKNOWN_TOPIC_OR_PARTITION.
enum TopicPartitionPaging {
    struct Position: Sendable, Equatable {
        var topic: String
        var partition: Int32
    }

    struct Page: Sendable, Equatable {
        /// Each topic on the page and the partition range of it shown; nil range: the topic does not exist.
        var topics: [(name: String, partitions: Range<Int32>?)]
        var nextCursor: Position?

        static func == (lhs: Page, rhs: Page) -> Bool {
            lhs.nextCursor == rhs.nextCursor && lhs.topics.map(\.name) == rhs.topics.map(\.name)
                && lhs.topics.map(\.partitions) == rhs.topics.map(\.partitions)
        }
    }

    /// `partitionCounts`: every existing topic's partition count; `requested` nil means all topics.
    static func page(requested: [String]?, partitionCounts: [String: Int32], cursor: Position?, limit: Int32) -> Page {
        let start = cursor?.topic ?? ""
        let names = Set(requested ?? Array(partitionCounts.keys)).filter { $0 >= start }.sorted()
        var remaining = limit
        var page = Page(topics: [], nextCursor: nil)
        for name in names {
            guard remaining > 0 else {
                page.nextCursor = Position(topic: name, partition: 0)
                break
            }
            guard let count = partitionCounts[name] else {
                if requested != nil { page.topics.append((name, nil)) }
                continue
            }
            let first = name == cursor?.topic ? cursor!.partition : 0
            let upper = min(count, first + remaining)
            page.topics.append((name, first..<max(first, upper)))
            if upper < count {
                page.nextCursor = Position(topic: name, partition: upper)
                break
            }
            remaining -= max(0, upper - first)
        }
        return page
    }
}
