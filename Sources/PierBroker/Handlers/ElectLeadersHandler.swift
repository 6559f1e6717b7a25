import PierProtocol

/// ElectLeaders (`kafka-leader-election.sh`, AdminClient's elect_leaders): preferred or unclean
/// elections the active controller runs and writes (`LeaderElection.requested`), with Kafka's
/// per-partition errors. Admin clients send it to the controller Metadata names; any other broker
/// answers NOT_CONTROLLER, as a ZooKeeper-mode Kafka broker did.
struct ElectLeadersHandler {
    let context: BrokerContext

    typealias TopicResult = ElectLeadersResponse.ReplicaElectionResult
    typealias PartitionResult = ElectLeadersResponse.PartitionResult

    func response(to request: ElectLeadersRequest, version: Int16) async throws -> ElectLeadersResponse {
        // v0 has no election type and means preferred.
        guard let type = LeaderElection.ElectionType(rawValue: version >= 1 ? request.electionType : 0) else {
            return refuseAll(request, error: .invalidRequest, message: "Unknown election type \(request.electionType)", version: version)
        }
        let wanted = request.topicPartitions.map { $0.map { (topic: $0.topic, partitions: $0.partitions) } }
        guard let controller = context.controllerLink.controller,
              let results = try await context.blocking({ controller.electLeaders(type, partitions: wanted) }) else {
            return refuseAll(request, error: .notController, message: "broker \(context.nodeID) is not the active controller", version: version)
        }
        if results.contains(where: { $0.outcome == .notController }) {
            return refuseAll(request, error: .notController, message: "another controller was elected meanwhile", version: version)
        }
        var response = ElectLeadersResponse()
        // Topics in the order asked (or the controller's order for all), partitions within each.
        var order: [String] = []
        var byTopic: [String: [PartitionResult]] = [:]
        for result in results {
            if byTopic[result.topic] == nil { order.append(result.topic) }
            let (error, message) = Self.error(for: result)
            byTopic[result.topic, default: []].append(PartitionResult(partitionId: result.partition, errorCode: error.rawValue, errorMessage: message))
        }
        for topic in request.topicPartitions?.map(\.topic) ?? [] where byTopic[topic] == nil {
            order.append(topic)
            byTopic[topic] = []
        }
        response.replicaElectionResults = order.map { TopicResult(topic: $0, partitionResult: byTopic[$0] ?? []) }
        return response
    }

    /// Kafka's error and message for one partition; a success has no message.
    static func error(for result: RequestedElection) -> (ErrorCode, String?) {
        switch result.outcome {
        case .elected: (.noError, nil)
        case .refused(.notNeeded): (.electionNotNeeded, "Leader election not needed for topic partition.")
        case .refused(.preferredLeaderNotAvailable): (.preferredLeaderNotAvailable, "The preferred leader was not available.")
        case .refused(.eligibleLeadersNotAvailable): (.eligibleLeadersNotAvailable, "Eligible topic partition leaders are not available.")
        case .unknownTopic: (.unknownTopicOrPartition, "No such topic as \(result.topic)")
        case .unknownPartition: (.unknownTopicOrPartition, "No such partition as \(result.topic)-\(result.partition)")
        case .notController: (.notController, "another controller was elected meanwhile")
        case .failed(let reason): (.unknownServerError, reason)
        }
    }

    /// The whole request fails: v1+ says so at the top, and every partition asked carries the error (v0 has only those).
    private func refuseAll(_ request: ElectLeadersRequest, error: ErrorCode, message: String, version: Int16) -> ElectLeadersResponse {
        var response = ElectLeadersResponse()
        if version >= 1 { response.errorCode = error.rawValue }
        response.replicaElectionResults = (request.topicPartitions ?? []).map { topic in
            TopicResult(topic: topic.topic, partitionResult: topic.partitions.map {
                PartitionResult(partitionId: $0, errorCode: error.rawValue, errorMessage: message)
            })
        }
        return response
    }
}
