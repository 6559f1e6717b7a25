import PierProtocol

/// ListPartitionReassignments (KIP-455; `kafka-reassign-partitions.sh --verify`, `kafka-topics.sh
/// --describe`, AdminClient `list_partition_reassignments`): the partitions being moved, with their
/// full replica set and the replicas being added and removed, as the topics' assignments in the
/// coordination store hold them. Null topics means every topic; partitions that are not moving, and
/// topics or partitions that do not exist, are left out. Any broker but the active controller
/// answers NOT_CONTROLLER.
struct ListPartitionReassignmentsHandler {
    let context: BrokerContext

    typealias Topic = ListPartitionReassignmentsResponse.OngoingTopicReassignment
    typealias Partition = ListPartitionReassignmentsResponse.OngoingPartitionReassignment

    func response(to request: ListPartitionReassignmentsRequest, version: Int16) async throws -> ListPartitionReassignmentsResponse {
        var response = ListPartitionReassignmentsResponse()
        let wanted = request.topics.map { $0.map { (topic: $0.name, partitions: $0.partitionIndexes) } }
        guard let controller = context.controllerLink.controller,
              let ongoing = try await context.blocking({ try controller.listReassignments(wanted) }) else {
            response.errorCode = ErrorCode.notController.rawValue
            response.errorMessage = "broker \(context.nodeID) is not the active controller"
            return response
        }
        response.errorMessage = nil
        var order: [String] = []
        var byTopic: [String: [Partition]] = [:]
        for entry in ongoing {
            if byTopic[entry.topic] == nil { order.append(entry.topic) }
            byTopic[entry.topic, default: []].append(Partition(partitionIndex: entry.partition, replicas: entry.assignment.replicas,
                                                               addingReplicas: entry.assignment.adding, removingReplicas: entry.assignment.removing))
        }
        response.topics = order.map { Topic(name: $0, partitions: byTopic[$0] ?? []) }
        return response
    }
}
