import Foundation
import PierProtocol
import PierStorage

/// OffsetCommit: checks the committer against its group (generation, member, rebalance state),
/// then stores every position of the request in one transaction.
struct OffsetCommitHandler {
    let context: BrokerContext
    /// `offset.metadata.max.bytes`.
    static let maximumMetadataBytes = 4096

    func response(to request: OffsetCommitRequest, version: Int16) async throws -> OffsetCommitResponse {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var errors: [String: [Int32: ErrorCode]] = [:]
        var accepted: [CommittedOffset] = []
        let expireTimestamp = Self.expireTimestamp(retentionTimeMilliseconds: request.retentionTimeMs, version: version, now: now)
        for topic in request.topics {
            let view = try await context.blocking { try context.topics.view(topic.name) }
            for partition in topic.partitions {
                let error: ErrorCode
                if view?.partitions[partition.partitionIndex] == nil {
                    error = .unknownTopicOrPartition
                } else if (partition.committedMetadata?.utf8.count ?? 0) > Self.maximumMetadataBytes {
                    error = .offsetMetadataTooLarge
                } else {
                    error = .noError
                    accepted.append(CommittedOffset(
                        topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset,
                        leaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1, metadata: partition.committedMetadata,
                        commitTimestamp: version == 1 && partition.commitTimestamp >= 0 ? partition.commitTimestamp : now,
                        expireTimestamp: expireTimestamp
                    ))
                }
                errors[topic.name, default: [:]][partition.partitionIndex] = error
            }
        }
        if request.groupId.isEmpty {
            return respond(request, errors: errors, groupError: .invalidGroupId)
        }
        let groupError = await context.groups.commitOffsets(
            groupID: request.groupId, memberID: request.memberId, generation: request.generationIdOrMemberEpoch,
            instanceID: version >= 7 ? request.groupInstanceId : nil, offsets: accepted
        )
        return respond(request, errors: errors, groupError: groupError)
    }

    /// OffsetCommit v2-v4 `retention_time_ms`: other than -1 it fixes when these positions expire
    /// (from now), overriding `offsets.retention.minutes`, as Kafka does; the field is gone from v5.
    static func expireTimestamp(retentionTimeMilliseconds: Int64, version: Int16, now: Int64) -> Int64? {
        guard (2...4).contains(version), retentionTimeMilliseconds != -1 else { return nil }
        let (sum, overflow) = now.addingReportingOverflow(retentionTimeMilliseconds)
        return overflow ? (retentionTimeMilliseconds > 0 ? .max : .min) : sum
    }

    /// A group-level failure applies to every partition that was otherwise fine.
    private func respond(_ request: OffsetCommitRequest, errors: [String: [Int32: ErrorCode]], groupError: ErrorCode) -> OffsetCommitResponse {
        var response = OffsetCommitResponse()
        response.topics = request.topics.map { topic in
            OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: topic.partitions.map { partition in
                let own = errors[topic.name]?[partition.partitionIndex] ?? .noError
                return OffsetCommitResponse.OffsetCommitResponsePartition(
                    partitionIndex: partition.partitionIndex, errorCode: (own == .noError ? groupError : own).rawValue
                )
            })
        }
        return response
    }
}
