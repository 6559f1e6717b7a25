import PierProtocol
import PierStorage

/// OffsetFetch: a group's committed positions (all of them when the topics are null), -1 where
/// nothing was committed. v8+ asks for several groups at once.
struct OffsetFetchHandler {
    let context: BrokerContext

    typealias Partition = OffsetFetchResponse.OffsetFetchResponsePartition

    func response(to request: OffsetFetchRequest, version: Int16) async throws -> OffsetFetchResponse {
        var response = OffsetFetchResponse()
        if version >= 8 {
            for group in request.groups {
                let wanted = group.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
                let (topics, error) = try await positions(groupID: group.groupId, wanted: wanted)
                response.groups.append(OffsetFetchResponse.OffsetFetchResponseGroup(
                    groupId: group.groupId,
                    topics: topics.map { topic in
                        OffsetFetchResponse.OffsetFetchResponseTopics(name: topic.name, partitions: topic.partitions.map {
                            .init(partitionIndex: $0.partitionIndex, committedOffset: $0.committedOffset,
                                  committedLeaderEpoch: $0.committedLeaderEpoch, metadata: $0.metadata, errorCode: $0.errorCode)
                        })
                    },
                    errorCode: error.rawValue
                ))
            }
        } else {
            let wanted = request.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
            let (topics, error) = try await positions(groupID: request.groupId, wanted: wanted)
            response.topics = topics
            response.errorCode = error.rawValue
        }
        return response
    }

    private func positions(groupID: String, wanted: [(String, [Int32])]?) async throws
        -> ([OffsetFetchResponse.OffsetFetchResponseTopic], ErrorCode) {
        guard !groupID.isEmpty else { return ([], .invalidGroupId) }
        if let refusal = context.groups.refusal(for: groupID) { return ([], refusal) }
        let committed = try await context.groups.committedOffsets(groupID: groupID)
        var byTopic: [String: [Int32: CommittedOffset]] = [:]
        for offset in committed { byTopic[offset.topic, default: [:]][offset.partition] = offset }
        let requested = wanted ?? byTopic.keys.sorted().map { topic in (topic, byTopic[topic]!.keys.sorted()) }
        let topics = requested.map { topic, partitions in
            OffsetFetchResponse.OffsetFetchResponseTopic(name: topic, partitions: partitions.map { index in
                guard let offset = byTopic[topic]?[index] else {
                    return Partition(partitionIndex: index, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0)
                }
                return Partition(partitionIndex: index, committedOffset: offset.offset, committedLeaderEpoch: offset.leaderEpoch,
                                 metadata: offset.metadata ?? "", errorCode: 0)
            })
        }
        return (topics, .noError)
    }
}
