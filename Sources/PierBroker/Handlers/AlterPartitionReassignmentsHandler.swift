import PierProtocol

/// AlterPartitionReassignments (KIP-455; `kafka-reassign-partitions.sh --execute`/`--cancel`,
/// AdminClient `alter_partition_reassignments`): the active controller moves each partition to its
/// target replicas, or cancels its move when the replicas are null (`PartitionReassignment`). The
/// answer comes once the first step is written; the move completes as the new replicas catch up.
/// Admin clients send it to the controller Metadata names; any other broker answers NOT_CONTROLLER.
struct AlterPartitionReassignmentsHandler {
    let context: BrokerContext

    typealias TopicResponse = AlterPartitionReassignmentsResponse.ReassignableTopicResponse
    typealias PartitionResponse = AlterPartitionReassignmentsResponse.ReassignablePartitionResponse

    func response(to request: AlterPartitionReassignmentsRequest, version: Int16) async throws -> AlterPartitionReassignmentsResponse {
        let wanted = request.topics.map { topic in
            (topic: topic.name, partitions: topic.partitions.map { (partition: $0.partitionIndex, target: $0.replicas) })
        }
        guard let controller = context.controllerLink.controller,
              let results = try await context.blocking({ controller.alterReassignments(wanted) }) else {
            return refuseAll(request, error: .notController, message: "broker \(context.nodeID) is not the active controller")
        }
        if results.contains(where: { $0.outcome == .notController }) {
            return refuseAll(request, error: .notController, message: "another controller was elected meanwhile")
        }
        var byTopic: [String: [PartitionResponse]] = [:]
        for result in results {
            let (error, message) = Self.error(for: result)
            byTopic[result.topic, default: []].append(PartitionResponse(partitionIndex: result.partition, errorCode: error.rawValue, errorMessage: message))
        }
        var response = AlterPartitionReassignmentsResponse()
        response.errorMessage = nil
        var seen: Set<String> = []
        response.responses = request.topics.compactMap { topic in
            guard seen.insert(topic.name).inserted else { return nil }
            return TopicResponse(name: topic.name, partitions: byTopic[topic.name] ?? [])
        }
        return response
    }

    /// Kafka's error and message for one partition; a success has none.
    static func error(for result: RequestedReassignment) -> (ErrorCode, String?) {
        switch result.outcome {
        case .accepted: (.noError, nil)
        case .refused(.invalidReplicaAssignment(let reason)): (.invalidReplicaAssignment, reason)
        case .refused(.noReassignmentInProgress):
            (.noReassignmentInProgress, "No reassignment is in progress for \(result.topic)-\(result.partition).")
        case .unknownTopic, .unknownPartition: (.unknownTopicOrPartition, "No such partition as \(result.topic)-\(result.partition).")
        case .notController: (.notController, "another controller was elected meanwhile")
        case .failed(let reason): (.unknownServerError, reason)
        }
    }

    /// The whole request fails: the top-level error, and every partition asked carries it too.
    private func refuseAll(_ request: AlterPartitionReassignmentsRequest, error: ErrorCode, message: String) -> AlterPartitionReassignmentsResponse {
        var response = AlterPartitionReassignmentsResponse()
        response.errorCode = error.rawValue
        response.errorMessage = message
        response.responses = request.topics.map { topic in
            TopicResponse(name: topic.name, partitions: topic.partitions.map {
                PartitionResponse(partitionIndex: $0.partitionIndex, errorCode: error.rawValue, errorMessage: message)
            })
        }
        return response
    }
}
