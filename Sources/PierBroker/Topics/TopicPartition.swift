/// One partition of one topic: the unit of a log, a leader and a fetch position.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Kafka's directory name for the partition, `<topic>-<partition>`.
    public var description: String { "\(topic)-\(partition)" }
}
