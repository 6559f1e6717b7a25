import NIOCore
import PierProtocol

/// OffsetDelete: forgets committed positions, except of topics a live member still subscribes to
/// (GROUP_SUBSCRIBED_TO_TOPIC), as Kafka does. A group with members that is not a consumer group
/// (Connect, ...) has no subscriptions to check and keeps them all (NON_EMPTY_GROUP).
struct OffsetDeleteHandler {
    let context: BrokerContext

    func response(to request: OffsetDeleteRequest, version: Int16) async throws -> OffsetDeleteResponse {
        if let refusal = context.groups.refusal(for: request.groupId) { return OffsetDeleteResponse(errorCode: refusal.rawValue) }
        guard let group = context.groups.group(request.groupId), group.state != .dead else {
            return OffsetDeleteResponse(errorCode: ErrorCode.groupIdNotFound.rawValue)
        }
        if group.state != .empty && group.protocolType != "consumer" {
            return OffsetDeleteResponse(errorCode: ErrorCode.nonEmptyGroup.rawValue)
        }
        let subscribed = group.state == .empty ? [] : group.subscribedTopics ?? []
        var response = OffsetDeleteResponse()
        var deletable: [(topic: String, partition: Int32)] = []
        for topic in request.topics {
            let error: ErrorCode = subscribed.contains(topic.name) ? .groupSubscribedToTopic : .noError
            if error == .noError { deletable += topic.partitions.map { (topic.name, $0.partitionIndex) } }
            response.topics.append(OffsetDeleteResponse.OffsetDeleteResponseTopic(name: topic.name, partitions: topic.partitions.map {
                .init(partitionIndex: $0.partitionIndex, errorCode: error.rawValue)
            }))
        }
        try await context.groups.deleteOffsets(groupID: request.groupId, partitions: deletable)
        return response
    }
}
