import PierCoordination
import PierProtocol

/// Whether this broker may serve a partition as its leader.
enum PartitionLeadership: Equatable, Sendable {
    case leading(PartitionState)
    case refused(ErrorCode)
}

extension TopicView {
    /// The state of `partition` when `nodeID` leads it, or the error a client acts on: an unknown
    /// partition is `UNKNOWN_TOPIC_OR_PARTITION`, another leader (or none yet) `NOT_LEADER_OR_FOLLOWER`
    /// (the client refreshes metadata and retries). A `currentLeaderEpoch` other than -1 must match
    /// the partition's epoch, as Kafka checks it: older is `FENCED_LEADER_EPOCH`, newer `UNKNOWN_LEADER_EPOCH`.
    func leadership(of partition: Int32, on nodeID: Int32, currentLeaderEpoch: Int32 = -1) -> PartitionLeadership {
        guard let details = partitions[partition] else { return .refused(.unknownTopicOrPartition) }
        guard let state = details.state, state.leader == nodeID else { return .refused(.notLeaderOrFollower) }
        if currentLeaderEpoch >= 0 {
            if currentLeaderEpoch < state.leaderEpoch { return .refused(.fencedLeaderEpoch) }
            if currentLeaderEpoch > state.leaderEpoch { return .refused(.unknownLeaderEpoch) }
        }
        return .leading(state)
    }
}
