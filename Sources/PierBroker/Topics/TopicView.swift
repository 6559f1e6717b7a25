import Foundation
import PierCoordination

/// What the broker needs to know of a topic on every request: its partitions' replicas and
/// leaders, and its effective configuration. Read from the coordination store and cached.
struct TopicView: Sendable {
    struct Partition: Sendable, Equatable {
        var replicas: [Int32]
        /// Nil while the partition has no state node (being created).
        var state: PartitionState?
    }

    let name: String
    let topicID: UUID
    let partitions: [Int32: Partition]
    let configuration: TopicConfiguration

    var partitionCount: Int { partitions.count }
}
