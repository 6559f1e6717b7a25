import PierProtocol

/// CreatePartitions: grows topics to a new partition count, with replicas chosen by the broker or
/// given by the client; validate_only checks without changing anything.
struct CreatePartitionsHandler {
    let context: BrokerContext

    func response(to request: CreatePartitionsRequest, version: Int16) async throws -> CreatePartitionsResponse {
        try await context.blocking { respond(to: request) }
    }

    private func respond(to request: CreatePartitionsRequest) -> CreatePartitionsResponse {
        let counts = Dictionary(request.topics.map { ($0.name, 1) }, uniquingKeysWith: +)
        var answered: Set<String> = []
        var response = CreatePartitionsResponse()
        for topic in request.topics where answered.insert(topic.name).inserted {
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult(name: topic.name)
            do throws(TopicProblem) {
                guard counts[topic.name] == 1 else { throw TopicProblem(.invalidRequest, "topic '\(topic.name)' is listed more than once") }
                try context.topics.addPartitions(
                    topic.name, totalCount: topic.count, assignments: topic.assignments?.map(\.brokerIds), validateOnly: request.validateOnly
                )
            } catch {
                result.errorCode = error.errorCode.rawValue
                result.errorMessage = error.message
            }
            response.results.append(result)
        }
        return response
    }
}
