import PierProtocol

extension BrokerContext {
    /// Whether this broker leads `partition` for a client naming `currentLeaderEpoch`, as the
    /// replication state has it. A partition not heard of yet (just created, or created by another
    /// broker) is read from the coordination store first. Blocking: call it on the storage threads.
    func leadership(of partition: TopicPartition, currentLeaderEpoch: Int32 = -1) -> Partition.Leadership {
        if let known = replicas.leadership(of: partition, currentLeaderEpoch: currentLeaderEpoch) {
            switch known {
            case .refused(.notLeaderOrFollower, _, _), .refused(.unknownLeaderEpoch, _, _):
                // The client may have learned of a leadership before this broker's watch did (another
                // broker's Metadata answered from the newer state). Refusing would make librdkafka's
                // idempotent producer see OUT_OF_ORDER_SEQUENCE on its next request and resend an
                // in-doubt batch under a new producer epoch, a duplicate: one read of the store decides.
                stateSync.syncQuietly(partition)
                return replicas.leadership(of: partition, currentLeaderEpoch: currentLeaderEpoch) ?? known
            default:
                return known
            }
        }
        stateSync.syncQuietly(topic: partition.topic)
        return replicas.leadership(of: partition, currentLeaderEpoch: currentLeaderEpoch)
            ?? .refused(.notLeaderOrFollower, leader: -1, leaderEpoch: -1)
    }
}
