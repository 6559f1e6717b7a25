import PierProtocol
import PierStorage

/// OffsetForLeaderEpoch (v2+, KIP-101/279/320): for each partition this broker leads, the largest
/// leader epoch up to the requested one and where it ends in this log (the start of the next
/// epoch, or the log end for the current one). A follower truncates to it after a leader change; a
/// consumer checks its position against it. Epoch -1 and offset -1 mean the log knows no epoch that
/// early. `current_leader_epoch` is checked as Fetch checks it (FENCED_LEADER_EPOCH,
/// UNKNOWN_LEADER_EPOCH), and only the leader answers (NOT_LEADER_OR_FOLLOWER).
struct OffsetForLeaderEpochHandler {
    let context: BrokerContext

    func response(to request: OffsetForLeaderEpochRequest, version: Int16) async throws -> OffsetForLeaderEpochResponse {
        try await context.blocking { respond(to: request) }
    }

    private func respond(to request: OffsetForLeaderEpochRequest) -> OffsetForLeaderEpochResponse {
        OffsetForLeaderEpochResponse(topics: request.topics.map { topic in
            let (view, missing) = context.topics.lookUp(topic.topic)
            return OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic: topic.topic, partitions: topic.partitions.map { requested in
                guard let view else { return Self.failed(requested.partition, missing) }
                guard view.partitions[requested.partition] != nil else { return Self.failed(requested.partition, .unknownTopicOrPartition) }
                let partition = TopicPartition(topic.topic, requested.partition)
                if case .refused(let code, _, _) = context.leadership(of: partition, currentLeaderEpoch: requested.currentLeaderEpoch) {
                    return Self.failed(requested.partition, code)
                }
                do throws(StorageError) {
                    let log = try context.registry.log(for: partition, configuration: view.configuration)
                    let found = try log.endOffset(forLeaderEpoch: requested.leaderEpoch)
                    return OffsetForLeaderEpochResponse.EpochEndOffset(
                        errorCode: ErrorCode.noError.rawValue, partition: requested.partition,
                        leaderEpoch: found?.epoch ?? -1, endOffset: found?.endOffset ?? -1
                    )
                } catch {
                    context.logger.warning("offset for leader epoch failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
                    return Self.failed(requested.partition, error.errorCode)
                }
            })
        })
    }

    private static func failed(_ partition: Int32, _ code: ErrorCode) -> OffsetForLeaderEpochResponse.EpochEndOffset {
        OffsetForLeaderEpochResponse.EpochEndOffset(errorCode: code.rawValue, partition: partition, leaderEpoch: -1, endOffset: -1)
    }
}
