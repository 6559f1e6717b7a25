import PierProtocol

/// DeleteTopics: by name (v0–5: a list of names) or, from v6, by name or topic id. Each topic
/// goes on its own: its znodes, then its partitions' files here.
struct DeleteTopicsHandler {
    let context: BrokerContext

    func response(to request: DeleteTopicsRequest, version: Int16) async throws -> DeleteTopicsResponse {
        try await context.blocking { respond(to: request, version: version) }
    }

    private func respond(to request: DeleteTopicsRequest, version: Int16) -> DeleteTopicsResponse {
        let requested = version >= 6 ? request.topics : request.topicNames.map { DeleteTopicsRequest.DeleteTopicState(name: $0) }
        let nameCounts = Dictionary(requested.compactMap(\.name).map { ($0, 1) }, uniquingKeysWith: +)
        let idCounts = Dictionary(requested.filter { $0.topicId != .zero }.map { ($0.topicId, 1) }, uniquingKeysWith: +)
        var response = DeleteTopicsResponse()
        for topic in requested {
            var result = DeleteTopicsResponse.DeletableTopicResult(name: topic.name, topicId: topic.topicId)
            do throws(TopicProblem) {
                if let name = topic.name, nameCounts[name, default: 0] > 1 {
                    throw TopicProblem(.invalidRequest, "topic '\(name)' is listed more than once")
                }
                if topic.topicId != .zero, idCounts[topic.topicId, default: 0] > 1 {
                    throw TopicProblem(.invalidRequest, "topic id \(topic.topicId) is listed more than once")
                }
                let name = try resolve(topic)
                result.name = name
                let view = try context.topics.currentView(name)
                result.topicId = KafkaUUID(view.topicID)
                try context.topics.delete(name)
                // At once rather than at the next read of the store: a topic re-created under the
                // same name must not meet this one's replication state.
                for partition in view.partitions.keys { context.replicas.partitionRemoved(TopicPartition(name, partition)) }
                do {
                    try context.groups.forgetOffsets(ofTopic: name)
                } catch {
                    // The topic is gone either way; stale offsets only matter if the name comes back.
                    context.logger.error("dropping committed offsets of a deleted topic failed",
                                         metadata: ["topic": "\(name)", "error": "\(error)"])
                }
            } catch {
                result.errorCode = error.errorCode.rawValue
                result.errorMessage = error.message
            }
            response.responses.append(result)
        }
        return response
    }

    /// The topic's name, found by id when the request names it by id.
    private func resolve(_ topic: DeleteTopicsRequest.DeleteTopicState) throws(TopicProblem) -> String {
        switch (topic.name, topic.topicId) {
        case (let name?, .zero):
            return name
        case (nil, let id) where id != .zero:
            for name in try context.topics.topicNames() {
                if let view = try context.topics.view(name), KafkaUUID(view.topicID) == id { return name }
            }
            throw TopicProblem(.unknownTopicId, "no topic has id \(id)")
        case (nil, _):
            throw TopicProblem(.invalidRequest, "give a topic name or a topic id")
        case (_?, _):
            throw TopicProblem(.invalidRequest, "give a topic name or a topic id, not both")
        }
    }
}
