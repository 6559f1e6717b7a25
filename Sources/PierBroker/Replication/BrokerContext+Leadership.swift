import PierProtocol

extension BrokerContext {
    /// Whether this broker leads `partition` for a client naming `currentLeaderEpoch`, as the
    /// replication state has it. A partition not heard of yet (just created, or created by another
    /// broker) is read from the coordination store first. Blocking: call it on the storage threads.
    func leadership(of partition: TopicPartition, currentLeaderEpoch: Int32 = -1) -> Partition.Leadership {
        if let known = replicas.leadership(of: partition, currentLeaderEpoch: currentLeaderEpoch) { return known }
        stateSync.syncQuietly(topic: partition.topic)
        return replicas.leadership(of: partition, currentLeaderEpoch: currentLeaderEpoch)
            ?? .refused(.notLeaderOrFollower, leader: -1, leaderEpoch: -1)
    }
}
