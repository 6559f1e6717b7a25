import PierProtocol

/// What `describeTopicConfigs` reports of one setting.
public struct TopicConfigEntry: Sendable, Equatable {
    public var name: String
    public var value: String?
    /// True when the topic overrides the broker's default.
    public var isOverride: Bool
    public var isSensitive: Bool
}

/// Topic administration, one topic per call; every topic-level Kafka error is thrown as
/// `KafkaClientError.broker` with the broker's message when it sent one.
extension KafkaConnection {
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String],
                            timeout: Duration = .seconds(30)) async throws {
        var topic = CreateTopicsRequest.CreatableTopic()
        topic.name = name
        topic.numPartitions = partitions
        topic.replicationFactor = replicationFactor
        topic.configs = configs.sorted { $0.key < $1.key }.map { entry in
            var config = CreateTopicsRequest.CreatableTopicConfig()
            config.name = entry.key
            config.value = entry.value
            return config
        }
        var request = CreateTopicsRequest()
        request.topics = [topic]
        request.timeoutMs = Self.milliseconds(timeout)
        let response = try await send(request)
        let result = try Self.answer(in: response.topics, api: "CreateTopics", naming: name) { $0.name == name }
        try Self.check(result.errorCode, context: "create topic \(name)", message: result.errorMessage)
    }

    public func deleteTopic(_ name: String, timeout: Duration = .seconds(30)) async throws {
        var request = DeleteTopicsRequest()
        request.topicNames = [name]
        request.timeoutMs = Self.milliseconds(timeout)
        let response = try await send(request)
        let result = try Self.answer(in: response.responses, api: "DeleteTopics", naming: name) { $0.name == name }
        try Self.check(result.errorCode, context: "delete topic \(name)", message: result.errorMessage)
    }

    /// Grows `topic` to `totalCount` partitions.
    public func createPartitions(topic: String, totalCount: Int32, timeout: Duration = .seconds(30)) async throws {
        var entry = CreatePartitionsRequest.CreatePartitionsTopic()
        entry.name = topic
        entry.count = totalCount
        entry.assignments = nil
        var request = CreatePartitionsRequest()
        request.topics = [entry]
        request.timeoutMs = Self.milliseconds(timeout)
        let response = try await send(request)
        let result = try Self.answer(in: response.results, api: "CreatePartitions", naming: topic) { $0.name == topic }
        try Self.check(result.errorCode, context: "add partitions to \(topic)", message: result.errorMessage)
    }

    /// The reassignments in progress among `topic`'s partitions (ListPartitionReassignments, which
    /// the controller answers): partition → (replicas, adding, removing).
    public func partitionReassignments(of topic: String) async throws -> [Int32: (replicas: [Int32], adding: [Int32], removing: [Int32])] {
        var request = ListPartitionReassignmentsRequest()
        request.topics = nil
        let response = try await send(request)
        try Self.check(response.errorCode, context: "list partition reassignments", message: response.errorMessage)
        var ongoing: [Int32: (replicas: [Int32], adding: [Int32], removing: [Int32])] = [:]
        for entry in response.topics where entry.name == topic {
            for partition in entry.partitions {
                ongoing[partition.partitionIndex] = (partition.replicas, partition.addingReplicas, partition.removingReplicas)
            }
        }
        return ongoing
    }

    /// Every setting of `topic` with its effective value.
    public func describeTopicConfigs(_ topic: String) async throws -> [TopicConfigEntry] {
        var resource = DescribeConfigsRequest.DescribeConfigsResource()
        resource.resourceType = Self.topicResourceType
        resource.resourceName = topic
        resource.configurationKeys = nil
        var request = DescribeConfigsRequest()
        request.resources = [resource]
        let response = try await send(request)
        let result = try Self.answer(in: response.results, api: "DescribeConfigs", naming: topic) { $0.resourceName == topic }
        try Self.check(result.errorCode, context: "describe configs of \(topic)", message: result.errorMessage)
        return result.configs.map { config in
            // configSource 1 is DYNAMIC_TOPIC_CONFIG; v0 has no source, only isDefault.
            TopicConfigEntry(name: config.name, value: config.value,
                             isOverride: config.configSource == 1 || (config.configSource == -1 && !config.isDefault),
                             isSensitive: config.isSensitive)
        }
    }

    /// Sets and removes topic settings in one IncrementalAlterConfigs request.
    public func alterTopicConfigs(_ topic: String, set: [String: String], delete: [String]) async throws {
        var resource = IncrementalAlterConfigsRequest.AlterConfigsResource()
        resource.resourceType = Self.topicResourceType
        resource.resourceName = topic
        for (name, value) in set.sorted(by: { $0.key < $1.key }) {
            var change = IncrementalAlterConfigsRequest.AlterableConfig()
            change.name = name
            change.configOperation = 0  // SET
            change.value = value
            resource.configs.append(change)
        }
        for name in delete {
            var change = IncrementalAlterConfigsRequest.AlterableConfig()
            change.name = name
            change.configOperation = 1  // DELETE
            change.value = nil
            resource.configs.append(change)
        }
        var request = IncrementalAlterConfigsRequest()
        request.resources = [resource]
        let response = try await send(request)
        let result = try Self.answer(in: response.responses, api: "IncrementalAlterConfigs", naming: topic) { $0.resourceName == topic }
        try Self.check(result.errorCode, context: "alter configs of \(topic)", message: result.errorMessage)
    }

    /// ConfigResource type TOPIC.
    private static let topicResourceType: Int8 = 2
}
