/// Spreads partition replicas over brokers as Kafka does without racks: the first replica of each
/// partition walks the broker list round-robin from a starting index, and followers are shifted by
/// a per-cycle offset so that one broker's followers are not always the same brokers.
enum ReplicaAssignment {
    enum Problem: Error, Equatable, Sendable {
        /// INVALID_REPLICATION_FACTOR: more replicas asked for than live brokers.
        case replicationFactorExceedsBrokers(factor: Int, brokers: Int)
        /// INVALID_PARTITIONS.
        case invalidPartitionCount(Int)
        case invalidReplicationFactor(Int)
    }

    /// Replicas for partitions `firstPartition ..< firstPartition + count`.
    /// `startIndex` and `shiftStart` are random in production and fixed in tests.
    static func assign(
        partitions count: Int, replicationFactor: Int, brokers unsortedBrokers: [Int32],
        firstPartition: Int32 = 0, startIndex: Int, shiftStart: Int
    ) throws(Problem) -> [Int32: [Int32]] {
        guard count >= 1 else { throw .invalidPartitionCount(count) }
        guard replicationFactor >= 1 else { throw .invalidReplicationFactor(replicationFactor) }
        let brokers = unsortedBrokers.sorted()
        guard replicationFactor <= brokers.count else {
            throw .replicationFactorExceedsBrokers(factor: replicationFactor, brokers: brokers.count)
        }
        var result: [Int32: [Int32]] = [:]
        var shift = brokers.count > 1 ? shiftStart % (brokers.count - 1) : 0
        for index in 0..<count {
            let partition = firstPartition + Int32(index)
            if index > 0 && (index + startIndex) % brokers.count == 0 { shift += 1 }
            let first = (index + startIndex) % brokers.count
            var replicas = [brokers[first]]
            for replica in 0..<(replicationFactor - 1) {
                // Followers sit 1 + (shift + replica) mod (n - 1) places after the leader: never the leader itself.
                let offset = 1 + (shift + replica) % (brokers.count - 1)
                replicas.append(brokers[(first + offset) % brokers.count])
            }
            result[partition] = replicas
        }
        return result
    }
}
