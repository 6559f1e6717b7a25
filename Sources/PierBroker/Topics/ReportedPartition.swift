import PierCoordination

/// A partition as Metadata and DescribeTopicPartitions report it to clients: its leader only while
/// that broker is live (-1 otherwise), and which of its replicas are offline.
struct ReportedPartition: Sendable, Equatable {
    var leader: Int32
    var leaderEpoch: Int32
    var replicas: [Int32]
    var isr: [Int32]
    var offlineReplicas: [Int32]
    /// Nil state (being created) or a leader that is gone.
    var leaderIsLive: Bool

    init(_ partition: TopicView.Partition, liveBrokers: Set<Int32>) {
        replicas = partition.replicas
        offlineReplicas = partition.replicas.filter { !liveBrokers.contains($0) }
        guard let state = partition.state else {
            leader = -1
            leaderEpoch = -1
            isr = []
            leaderIsLive = false
            return
        }
        leaderIsLive = liveBrokers.contains(state.leader)
        leader = leaderIsLive ? state.leader : -1
        leaderEpoch = state.leaderEpoch
        isr = state.isr
    }
}
