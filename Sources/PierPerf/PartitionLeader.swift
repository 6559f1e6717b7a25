import PierClient
import PierProtocol

/// Finds the broker leading a partition, starting from a bootstrap address, and connects to it.
public enum PartitionLeader {
    /// HOST:PORT, with IPv6 hosts in brackets ([::1]:9092).
    public static func parse(bootstrap: String) throws -> (host: String, port: Int) {
        guard let colon = bootstrap.lastIndex(of: ":"), let port = Int(bootstrap[bootstrap.index(after: colon)...]),
              (1...65535).contains(port), colon != bootstrap.startIndex
        else { throw PerfFailure("invalid bootstrap address '\(bootstrap)': expected HOST:PORT") }
        var host = String(bootstrap[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// A connection to the leader of `topic`-`partition`. A topic that the broker creates on first
    /// use has no leader for a moment: metadata is asked again until `patience` runs out.
    public static func connect(bootstrap: String, topic: String, partition: Int32, clientID: String,
                               patience: Duration = .seconds(10)) async throws -> KafkaConnection {
        let (host, port) = try parse(bootstrap: bootstrap)
        let connection = try await KafkaConnection.connect(host: host, port: port, clientID: clientID)
        do {
            let leader = try await findLeader(on: connection, topic: topic, partition: partition, patience: patience)
            if leader.host == host && Int(leader.port) == port { return connection }
            await connection.close()
            return try await KafkaConnection.connect(host: leader.host, port: Int(leader.port), clientID: clientID)
        } catch {
            await connection.close()
            throw error
        }
    }

    private static func findLeader(on connection: KafkaConnection, topic: String, partition: Int32,
                                   patience: Duration) async throws -> MetadataResponse.MetadataResponseBroker {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while true {
            let metadata = try await connection.metadata(topics: [topic])
            guard let topicMetadata = metadata.topics.first(where: { $0.name == topic }) else {
                throw KafkaClientError.protocolViolation("the Metadata response does not mention topic \(topic)")
            }
            let retriable: Bool
            switch ErrorCode(rawValue: topicMetadata.errorCode) {
            case .noError?:
                guard let partitionMetadata = topicMetadata.partitions.first(where: { $0.partitionIndex == partition }) else {
                    throw PerfFailure("topic \(topic) has no partition \(partition) (it has \(topicMetadata.partitions.count))")
                }
                if partitionMetadata.errorCode == ErrorCode.noError.rawValue, partitionMetadata.leaderId >= 0 {
                    guard let broker = metadata.brokers.first(where: { $0.nodeId == partitionMetadata.leaderId }) else {
                        throw KafkaClientError.protocolViolation("the leader of \(topic)-\(partition), broker \(partitionMetadata.leaderId), is not among the brokers listed")
                    }
                    return broker
                }
                retriable = true
            case .leaderNotAvailable?:
                retriable = true
            case .unknownTopicOrPartition?:
                throw PerfFailure("topic \(topic) does not exist and the broker did not create it")
            case let code:
                throw KafkaClientError.broker(code ?? .unknownServerError, context: "metadata for topic \(topic)")
            }
            guard retriable, clock.now < deadline else {
                throw PerfFailure("\(topic)-\(partition) has no leader after \(patience)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
