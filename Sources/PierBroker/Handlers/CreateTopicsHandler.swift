import PierProtocol

/// CreateTopics: each topic is created (or, with validate_only, checked) on its own and gets its
/// own error; from v5 the response also carries the partitions, replication factor and settings
/// the topic got, so clients need not describe it again.
struct CreateTopicsHandler {
    let context: BrokerContext

    func response(to request: CreateTopicsRequest, version: Int16) async throws -> CreateTopicsResponse {
        try await context.blocking { respond(to: request) }
    }

    private func respond(to request: CreateTopicsRequest) -> CreateTopicsResponse {
        var response = CreateTopicsResponse()
        let counts = Dictionary(request.topics.map { ($0.name, 1) }, uniquingKeysWith: +)
        var answered: Set<String> = []
        for topic in request.topics where answered.insert(topic.name).inserted {
            guard counts[topic.name] == 1 else {
                response.topics.append(failure(topic.name, TopicProblem(.invalidRequest, "topic '\(topic.name)' is listed more than once")))
                continue
            }
            do {
                let view = try context.topics.create(try creation(from: topic), validateOnly: request.validateOnly)
                response.topics.append(success(view))
            } catch {
                if !request.validateOnly {
                    context.logger.info("topic not created", metadata: ["topic": "\(topic.name)", "error": "\(error.errorCode)", "reason": "\(error.message)"])
                }
                response.topics.append(failure(topic.name, error))
            }
        }
        return response
    }

    /// The request's topic in TopicManager's terms: -1 asks for the broker's default.
    private func creation(from topic: CreateTopicsRequest.CreatableTopic) throws(TopicProblem) -> TopicManager.Creation {
        var configs: [String: String] = [:]
        for config in topic.configs {
            guard let value = config.value else { throw TopicProblem(.invalidConfig, "config '\(config.name)' has no value") }
            guard configs.updateValue(value, forKey: config.name) == nil else {
                throw TopicProblem(.invalidRequest, "config '\(config.name)' is given more than once")
            }
        }
        var assignments: [Int32: [Int32]]?
        if !topic.assignments.isEmpty {
            var byPartition: [Int32: [Int32]] = [:]
            for assignment in topic.assignments {
                guard byPartition.updateValue(assignment.brokerIds, forKey: assignment.partitionIndex) == nil else {
                    throw TopicProblem(.invalidReplicaAssignment, "partition \(assignment.partitionIndex) is assigned more than once")
                }
            }
            guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
                throw TopicProblem(.invalidRequest, "with replica assignments, partitions and replication factor must be -1")
            }
            assignments = byPartition
        }
        return TopicManager.Creation(
            name: topic.name,
            partitions: topic.numPartitions == -1 ? nil : topic.numPartitions,
            replicationFactor: topic.replicationFactor == -1 ? nil : topic.replicationFactor,
            assignments: assignments,
            configs: configs
        )
    }

    private func success(_ view: TopicView) -> CreateTopicsResponse.CreatableTopicResult {
        var result = CreateTopicsResponse.CreatableTopicResult(name: view.name, topicId: KafkaUUID(view.topicID), errorMessage: nil)
        result.numPartitions = Int32(view.partitionCount)
        result.replicationFactor = Int16(view.partitions.values.first?.replicas.count ?? 0)
        result.configs = ConfigDescription.topic(view.configuration, brokerLayers: context.topics.brokerLayers).map { entry in
            CreateTopicsResponse.CreatableTopicConfigs(
                name: entry.name, value: entry.value, readOnly: entry.readOnly, configSource: entry.source.rawValue, isSensitive: entry.isSensitive
            )
        }
        return result
    }

    private func failure(_ name: String, _ problem: TopicProblem) -> CreateTopicsResponse.CreatableTopicResult {
        CreateTopicsResponse.CreatableTopicResult(name: name, errorCode: problem.errorCode.rawValue, errorMessage: problem.message)
    }
}
