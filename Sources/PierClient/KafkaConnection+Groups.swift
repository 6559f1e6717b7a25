import PierProtocol

/// Consumer-group administration as `kafka-consumer-groups` does it: the caller talks to the
/// group's coordinator (`findCoordinator`). Group-level Kafka errors are thrown as
/// `KafkaClientError.broker`.
extension KafkaConnection {
    /// The broker coordinating `group`, as HOST and PORT.
    public func findCoordinator(group: String) async throws -> (host: String, port: Int) {
        var request = FindCoordinatorRequest()
        request.key = group
        request.keyType = 0  // GROUP
        let response = try await send(request)
        try Self.check(response.errorCode, context: "find the coordinator of group \(group)", message: response.errorMessage)
        return (response.host, Int(response.port))
    }

    public func listGroups() async throws -> [ListGroupsResponse.ListedGroup] {
        let response = try await send(ListGroupsRequest())
        try Self.check(response.errorCode, context: "list groups", message: nil)
        return response.groups
    }

    public func describeGroup(_ group: String) async throws -> DescribeGroupsResponse.DescribedGroup {
        var request = DescribeGroupsRequest()
        request.groups = [group]
        let response = try await send(request)
        let described = try Self.answer(in: response.groups, api: "DescribeGroups", naming: "group \(group)") { $0.groupId == group }
        try Self.check(described.errorCode, context: "describe group \(group)", message: nil)
        return described
    }

    /// The offsets `group` has committed, by topic and partition (every topic it committed to).
    public func committedOffsets(group: String) async throws -> [String: [Int32: Int64]] {
        var request = OffsetFetchRequest()
        request.groupId = group
        request.topics = nil
        let response = try await send(request)
        try Self.check(response.errorCode, context: "fetch the offsets of group \(group)", message: nil)
        var offsets: [String: [Int32: Int64]] = [:]
        for topic in response.topics {
            for partition in topic.partitions {
                try Self.check(partition.errorCode, context: "fetch the offset of group \(group) for \(topic.name)-\(partition.partitionIndex)", message: nil)
                // -1 means nothing committed for that partition.
                if partition.committedOffset >= 0 { offsets[topic.name, default: [:]][partition.partitionIndex] = partition.committedOffset }
            }
        }
        return offsets
    }

    /// Commits offsets as a consumer outside any generation (generation -1, no member id), which a
    /// coordinator accepts only while the group has no members.
    public func commitOffsets(group: String, _ offsets: [String: [Int32: Int64]]) async throws {
        var request = OffsetCommitRequest()
        request.groupId = group
        request.generationIdOrMemberEpoch = -1
        request.memberId = ""
        request.topics = offsets.sorted { $0.key < $1.key }.map { topic, partitions in
            var entry = OffsetCommitRequest.OffsetCommitRequestTopic()
            entry.name = topic
            entry.partitions = partitions.sorted { $0.key < $1.key }.map { index, offset in
                var partition = OffsetCommitRequest.OffsetCommitRequestPartition()
                partition.partitionIndex = index
                partition.committedOffset = offset
                return partition
            }
            return entry
        }
        let response = try await send(request)
        for topic in response.topics {
            for partition in topic.partitions {
                try Self.check(partition.errorCode, context: "commit the offset of group \(group) for \(topic.name)-\(partition.partitionIndex)", message: nil)
            }
        }
    }

    public func deleteGroup(_ group: String) async throws {
        var request = DeleteGroupsRequest()
        request.groupsNames = [group]
        let response = try await send(request)
        let result = try Self.answer(in: response.results, api: "DeleteGroups", naming: "group \(group)") { $0.groupId == group }
        try Self.check(result.errorCode, context: "delete group \(group)", message: nil)
    }
}
