import Foundation
import NIOCore
@testable import PierBroker
import PierProtocol
import PierRecords
import PierStorage
import Testing

/// The admin handlers against a real in-process broker: exact error codes and response shapes.
@Suite struct AdminHandlersTests {
    private func create(_ context: BrokerContext, _ topics: [CreateTopicsRequest.CreatableTopic], validateOnly: Bool = false,
                        version: Int16 = 7) async throws -> [String: CreateTopicsResponse.CreatableTopicResult] {
        let response = try await CreateTopicsHandler(context: context)
            .response(to: CreateTopicsRequest(topics: topics, validateOnly: validateOnly), version: version)
        return Dictionary(response.topics.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func topic(_ name: String, partitions: Int32 = 1, replicationFactor: Int16 = 1,
                       configs: [String: String] = [:]) -> CreateTopicsRequest.CreatableTopic {
        CreateTopicsRequest.CreatableTopic(name: name, numPartitions: partitions, replicationFactor: replicationFactor,
                                           configs: configs.map { .init(name: $0.key, value: $0.value) })
    }

    @Test func createTopicsAnswersEachTopicWithItsOwnError() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            var manual = CreateTopicsRequest.CreatableTopic(name: "manual", numPartitions: -1, replicationFactor: -1)
            manual.assignments = [.init(partitionIndex: 0, brokerIds: [1]), .init(partitionIndex: 1, brokerIds: [1])]
            var unknownBroker = CreateTopicsRequest.CreatableTopic(name: "elsewhere", numPartitions: -1, replicationFactor: -1)
            unknownBroker.assignments = [.init(partitionIndex: 0, brokerIds: [9])]
            let results = try await create(context, [
                topic("orders", partitions: 3, configs: ["retention.ms": "1000"]),
                topic("twice"), topic("twice", partitions: 2),
                topic("bad name"), topic("wide", replicationFactor: 2), topic("empty", partitions: 0),
                topic("bad-config", configs: ["retention.ms": "soon"]), topic("defaults", partitions: -1, replicationFactor: -1),
                manual, unknownBroker, topic("huge", partitions: 1_000_000),
            ])
            #expect(results.count == 11 - 1)
            let orders = try #require(results["orders"])
            #expect(orders.errorCode == 0 && orders.errorMessage == nil)
            #expect(orders.numPartitions == 3 && orders.replicationFactor == 1)
            #expect(orders.topicId == KafkaUUID(try #require(try context.topics.view("orders")).topicID))
            #expect(orders.configs?.first { $0.name == "retention.ms" }?.value == "1000")
            #expect(orders.configs?.first { $0.name == "retention.ms" }?.configSource == ConfigSource.topicOverride.rawValue)
            #expect(orders.configs?.count == TopicConfigCatalog.definitions.count)
            #expect(results["twice"]?.errorCode == ErrorCode.invalidRequest.rawValue)
            #expect(results["bad name"]?.errorCode == ErrorCode.invalidTopicException.rawValue)
            #expect(results["wide"]?.errorCode == ErrorCode.invalidReplicationFactor.rawValue)
            #expect(results["wide"]?.errorMessage == "replication factor 2 is larger than the 1 live broker(s)")
            #expect(results["empty"]?.errorCode == ErrorCode.invalidPartitions.rawValue)
            #expect(results["bad-config"]?.errorCode == ErrorCode.invalidConfig.rawValue)
            #expect(results["defaults"]?.errorCode == 0 && results["defaults"]?.numPartitions == 1)
            #expect(results["manual"]?.errorCode == 0 && results["manual"]?.numPartitions == 2)
            #expect(results["elsewhere"]?.errorCode == ErrorCode.invalidReplicaAssignment.rawValue)
            #expect(results["huge"]?.errorCode == ErrorCode.policyViolation.rawValue)
            #expect(try context.topics.topicNames().sorted() == ["defaults", "manual", "orders"])

            let again = try await create(context, [topic("orders"), topic("orders_x"), topic("orders.x")])
            #expect(again["orders"]?.errorCode == ErrorCode.topicAlreadyExists.rawValue)
            #expect(again["orders_x"]?.errorCode == 0)
            #expect(again["orders.x"]?.errorCode == ErrorCode.invalidTopicException.rawValue)

            let validated = try await create(context, [topic("checked", partitions: 4)], validateOnly: true)
            #expect(validated["checked"]?.errorCode == 0 && validated["checked"]?.numPartitions == 4)
            #expect(try context.topics.view("checked") == nil)
        }
    }

    @Test func deleteTopicsByNameAndByIdRemovesThePartitionFiles() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("gone", partitions: 2), topic("by-id")])
            let log = try context.registry.log(for: TopicPartition("gone", 1))
            _ = log.logEndOffset
            #expect(FileManager.default.fileExists(atPath: context.registry.directory(of: TopicPartition("gone", 1))))
            let id = KafkaUUID(try #require(try context.topics.view("by-id")).topicID)

            let byName = try await DeleteTopicsHandler(context: context)
                .response(to: DeleteTopicsRequest(topicNames: ["gone", "never-was"]), version: 5)
            #expect(byName.responses.map(\.errorCode) == [0, ErrorCode.unknownTopicOrPartition.rawValue])
            #expect(!FileManager.default.fileExists(atPath: context.registry.directory(of: TopicPartition("gone", 1))))
            #expect(try context.topics.view("gone") == nil)

            let unknownID = KafkaUUID(mostSignificantBits: 1, leastSignificantBits: 2)
            let byID = try await DeleteTopicsHandler(context: context).response(
                to: DeleteTopicsRequest(topics: [.init(name: nil, topicId: id), .init(name: nil, topicId: unknownID)]), version: 6
            )
            #expect(byID.responses.map(\.errorCode) == [0, ErrorCode.unknownTopicId.rawValue])
            #expect(byID.responses.first?.name == "by-id")
            #expect(try context.topics.topicNames().isEmpty)
        }
    }

    @Test func createPartitionsGrowsTopicsAndRefusesShrinking() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("grow", partitions: 2)])
            let handler = CreatePartitionsHandler(context: context)
            let response = try await handler.response(to: CreatePartitionsRequest(topics: [
                .init(name: "grow", count: 4, assignments: nil), .init(name: "missing", count: 2, assignments: nil),
            ]), version: 3)
            #expect(response.results.map(\.errorCode) == [0, ErrorCode.unknownTopicOrPartition.rawValue])
            #expect(try context.topics.view("grow")?.partitionCount == 4)
            #expect(try context.topics.view("grow")?.partitions[3]?.state?.leader == 1)

            let refused = try await handler.response(to: CreatePartitionsRequest(topics: [
                .init(name: "grow", count: 4, assignments: nil),
            ]), version: 3)
            #expect(refused.results.first?.errorCode == ErrorCode.invalidPartitions.rawValue)
            let badAssignment = try await handler.response(to: CreatePartitionsRequest(topics: [
                .init(name: "grow", count: 5, assignments: [.init(brokerIds: [1, 1])]),
            ]), version: 3)
            #expect(badAssignment.results.first?.errorCode == ErrorCode.invalidReplicaAssignment.rawValue)
            let checked = try await handler.response(to: CreatePartitionsRequest(topics: [
                .init(name: "grow", count: 6, assignments: [.init(brokerIds: [1]), .init(brokerIds: [1])]),
            ], validateOnly: true), version: 3)
            #expect(checked.results.first?.errorCode == 0)
            #expect(try context.topics.view("grow")?.partitionCount == 4)
        }
    }

    @Test func describeConfigsShapesEntriesForTheVersion() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("described", configs: ["retention.ms": "1000"])])
            let request = DescribeConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "described", configurationKeys: ["retention.ms", "segment.bytes"]),
                .init(resourceType: 2, resourceName: "unknown", configurationKeys: nil),
                .init(resourceType: 4, resourceName: "1", configurationKeys: nil),
                .init(resourceType: 4, resourceName: "2", configurationKeys: nil),
                .init(resourceType: 4, resourceName: "", configurationKeys: nil),
                .init(resourceType: 8, resourceName: "1", configurationKeys: nil),
                .init(resourceType: 2, resourceName: "described", configurationKeys: []),
            ], includeSynonyms: true, includeDocumentation: true)
            let handler = DescribeConfigsHandler(context: context)

            let v4 = try await handler.response(to: request, version: 4)
            #expect(v4.results.map(\.errorCode) == [0, ErrorCode.unknownTopicOrPartition.rawValue, 0,
                                                    ErrorCode.invalidRequest.rawValue, 0, ErrorCode.invalidRequest.rawValue, 0])
            #expect(v4.results[6].configs.count == TopicConfigCatalog.definitions.count)
            let topic = v4.results[0].configs
            #expect(topic.map(\.name) == ["retention.ms", "segment.bytes"])
            #expect(topic[0].value == "1000" && topic[0].configSource == 1 && topic[0].configType == 5 && topic[0].documentation != nil)
            #expect(topic[0].synonyms.map(\.source) == [1, 5])
            #expect(topic[1].configSource == 5 && !topic[1].readOnly)
            let brokerConfigs = v4.results[2].configs
            #expect(brokerConfigs.first { $0.name == "num.partitions" }?.value == "1")
            #expect(brokerConfigs.first { $0.name == "listeners" }?.configSource == 4)
            // With its scheme, as Kafka describes it, though the setting was given as HOST:PORT.
            #expect(brokerConfigs.first { $0.name == "listeners" }?.value == "PLAINTEXT://127.0.0.1:0")
            // Only the topic defaults change at run time (dynamic broker configs).
            #expect(brokerConfigs.filter { !$0.readOnly }.map(\.name) == BrokerConfigLayers.dynamicallyAlterable.keys.sorted())
            #expect(v4.results[4].configs.isEmpty)

            let v0 = try await handler.response(to: request, version: 0)
            #expect(v0.results[0].configs.map(\.isDefault) == [false, true])
            #expect(v0.results[0].configs.allSatisfy { $0.synonyms.isEmpty && $0.configSource == -1 })
            // Every version encodes: fields outside a version are left at their defaults.
            for version in DescribeConfigsResponse.validVersions {
                var buffer = ByteBuffer()
                try await handler.response(to: request, version: version).encode(into: &buffer, version: version)
            }
        }
    }

    /// Dynamic broker configs: the topic defaults change at run time, for this broker (its id) or the
    /// cluster (empty name), kept in the coordination store; topics without an override follow them at
    /// once and describe where the value came from; the rest is refused as Kafka refuses it.
    @Test func brokerTopicDefaultsChangeAtRunTime() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("follower", configs: [:]), topic("own", configs: ["retention.ms": "1000"])])
            let incremental = IncrementalAlterConfigsHandler(context: context)
            let set = try await incremental.response(to: IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 4, resourceName: "", configs: [
                    .init(name: "log.retention.ms", configOperation: 0, value: "7000"),
                    .init(name: "min.insync.replicas", configOperation: 0, value: "3"),
                ]),
                .init(resourceType: 4, resourceName: "\(context.nodeID)", configs: [.init(name: "min.insync.replicas", configOperation: 0, value: "2")]),
            ]), version: 1)
            #expect(set.responses.map(\.errorCode) == [0, 0])
            #expect(try context.cluster.brokerConfig("<default>") == ["log.retention.ms": "7000", "min.insync.replicas": "3"])
            #expect(try context.topics.view("follower")?.configuration.retentionMilliseconds == 7000)
            #expect(try context.topics.view("follower")?.configuration.minInSyncReplicas == 2)
            #expect(try context.topics.view("own")?.configuration.retentionMilliseconds == 1000)

            let describe = DescribeConfigsHandler(context: context)
            let described = try await describe.response(to: DescribeConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "follower", configurationKeys: ["retention.ms", "min.insync.replicas"]),
                .init(resourceType: 4, resourceName: "", configurationKeys: nil),
                .init(resourceType: 4, resourceName: "\(context.nodeID)", configurationKeys: ["min.insync.replicas"]),
            ], includeSynonyms: true), version: 4)
            let topicConfigs = described.results[0].configs
            #expect(topicConfigs.map(\.name) == ["min.insync.replicas", "retention.ms"])
            #expect(topicConfigs.map(\.configSource) == [ConfigSource.dynamicBrokerConfig.rawValue, ConfigSource.dynamicDefaultBrokerConfig.rawValue])
            #expect(topicConfigs[0].synonyms.map(\.source) == [2, 3, 5])
            #expect(described.results[1].configs.map(\.name) == ["log.retention.ms", "min.insync.replicas"])
            #expect(described.results[1].configs.allSatisfy { $0.configSource == 3 && !$0.readOnly })
            #expect(described.results[2].configs.first?.value == "2")

            let refused = try await incremental.response(to: IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 4, resourceName: "", configs: [.init(name: "num.io.threads", configOperation: 0, value: "4")]),
                .init(resourceType: 4, resourceName: "\(context.nodeID)", configs: [.init(name: "log.retention.ms", configOperation: 0, value: "soon")]),
                .init(resourceType: 4, resourceName: "99", configs: [.init(name: "log.retention.ms", configOperation: 0, value: "1")]),
                .init(resourceType: 4, resourceName: "1x", configs: [.init(name: "flux.capacitor", configOperation: 0, value: "1")]),
            ]), version: 1)
            #expect(refused.responses.map(\.errorCode) == [ErrorCode.invalidRequest.rawValue, ErrorCode.invalidConfig.rawValue,
                                                           ErrorCode.invalidRequest.rawValue, ErrorCode.invalidRequest.rawValue])
            #expect(refused.responses[1].errorMessage == "log.retention.ms must be a 64-bit integer, not 'soon'")

            // AlterConfigs replaces the entity's whole set; DELETE goes back to the static value.
            let replaced = try await AlterConfigsHandler(context: context).response(to: AlterConfigsRequest(resources: [
                .init(resourceType: 4, resourceName: "", configs: [.init(name: "log.retention.bytes", value: "4096")]),
            ]), version: 2)
            #expect(replaced.responses.map(\.errorCode) == [0])
            #expect(try context.topics.view("follower")?.configuration.retentionMilliseconds == 604_800_000)
            #expect(try context.topics.view("follower")?.configuration.retentionBytes == 4096)
            let deleted = try await incremental.response(to: IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 4, resourceName: "\(context.nodeID)", configs: [.init(name: "min.insync.replicas", configOperation: 1, value: nil)]),
            ]), version: 1)
            #expect(deleted.responses.map(\.errorCode) == [0])
            #expect(try context.topics.view("follower")?.configuration.minInSyncReplicas == 1)
        }
    }

    @Test func alterConfigsReplacesOverridesAndIncrementalEditsThem() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("tuned", configs: ["retention.ms": "1000", "segment.ms": "60000"])])
            let alter = AlterConfigsHandler(context: context)
            let replaced = try await alter.response(to: AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "tuned", configs: [.init(name: "retention.bytes", value: "4096")]),
                .init(resourceType: 4, resourceName: "1", configs: [.init(name: "num.partitions", value: "3")]),
                .init(resourceType: 2, resourceName: "missing", configs: []),
            ]), version: 2)
            #expect(replaced.responses.map(\.errorCode) == [0, ErrorCode.invalidRequest.rawValue, ErrorCode.unknownTopicOrPartition.rawValue])
            #expect(replaced.responses[1].errorMessage?.contains("Cannot update these configs dynamically: num.partitions") == true)
            #expect(try context.topics.overrides("tuned") == ["retention.bytes": "4096"])
            // The cached view, which Produce and retention read, changed with it.
            #expect(try context.topics.view("tuned")?.configuration.retentionBytes == 4096)
            #expect(try context.topics.view("tuned")?.configuration.retentionMilliseconds == 604_800_000)

            let invalid = try await alter.response(to: AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "tuned", configs: [.init(name: "retention.bytes", value: "lots")]),
            ]), version: 2)
            #expect(invalid.responses.first?.errorCode == ErrorCode.invalidConfig.rawValue)
            #expect(invalid.responses.first?.errorMessage == "retention.bytes must be a 64-bit integer, not 'lots'")
            let validateOnly = try await alter.response(to: AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "tuned", configs: [.init(name: "retention.ms", value: "5")]),
            ], validateOnly: true), version: 0)
            #expect(validateOnly.responses.first?.errorCode == 0)
            #expect(try context.topics.overrides("tuned") == ["retention.bytes": "4096"])

            let incremental = IncrementalAlterConfigsHandler(context: context)
            let edited = try await incremental.response(to: IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "tuned", configs: [
                    .init(name: "message.timestamp.type", configOperation: 0, value: "LogAppendTime"),
                    .init(name: "retention.bytes", configOperation: 1, value: nil),
                    .init(name: "cleanup.policy", configOperation: 2, value: "delete"),
                ]),
            ]), version: 1)
            #expect(edited.responses.first?.errorCode == 0)
            #expect(try context.topics.overrides("tuned") == ["message.timestamp.type": "LogAppendTime", "cleanup.policy": "delete"])
            #expect(try context.topics.view("tuned")?.configuration.usesLogAppendTime == true)

            let refused = try await incremental.response(to: IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "tuned", configs: [.init(name: "cleanup.policy", configOperation: 3, value: "delete")]),
                .init(resourceType: 2, resourceName: "tuned2", configs: [.init(name: "retention.ms", configOperation: 9, value: "1")]),
                .init(resourceType: 4, resourceName: "", configs: [.init(name: "num.partitions", configOperation: 0, value: "1")]),
            ]), version: 1)
            #expect(refused.responses.map(\.errorCode) == [ErrorCode.invalidConfig.rawValue, ErrorCode.invalidRequest.rawValue,
                                                           ErrorCode.invalidRequest.rawValue])
            #expect(try context.topics.overrides("tuned")["cleanup.policy"] == "delete")
        }
    }

    /// An open segment log was given segment.bytes when it opened; a config change reaches it.
    @Test func segmentSettingsReachOpenSegmentLogs() async throws {
        let harness = try await InProcessBroker(settings: ["storage.engine": "segments"])
        do {
            let context = harness.context
            _ = try await create(context, [topic("rolled")])
            let partition = TopicPartition("rolled", 0)
            let view = try #require(try context.topics.view("rolled"))
            _ = try context.registry.log(for: partition, configuration: view.configuration)
            let response = try await AlterConfigsHandler(context: context).response(to: AlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "rolled", configs: [.init(name: "segment.bytes", value: "100")]),
            ]), version: 1)
            #expect(response.responses.first?.errorCode == 0)
            try AdminTestRecords.append(count: 5, to: partition, in: context)
            try AdminTestRecords.append(count: 5, to: partition, in: context)
            let files = try FileManager.default.contentsOfDirectory(atPath: context.registry.directory(of: partition))
            #expect(files.filter { $0.hasSuffix(".log") }.count == 2)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    @Test func deleteRecordsMovesTheLogStartUpToTheHighWatermark() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            _ = try await create(context, [topic("trimmed", partitions: 2)])
            try AdminTestRecords.append(count: 5, to: TopicPartition("trimmed", 0), in: context)

            func delete(_ partitions: [(Int32, Int64)]) async throws -> [DeleteRecordsResponse.DeleteRecordsPartitionResult] {
                let request = DeleteRecordsRequest(topics: [
                    .init(name: "trimmed", partitions: partitions.map { .init(partitionIndex: $0.0, offset: $0.1) }),
                    .init(name: "absent", partitions: [.init(partitionIndex: 0, offset: 0)]),
                ])
                let response = try await DeleteRecordsHandler(context: context).response(to: request, version: 2)
                #expect(response.topics[1].partitions.map(\.errorCode) == [ErrorCode.unknownTopicOrPartition.rawValue])
                return response.topics[0].partitions
            }
            let first = try await delete([(0, 3), (1, -1), (7, 0)])
            #expect(first.map(\.errorCode) == [0, 0, ErrorCode.unknownTopicOrPartition.rawValue])
            #expect(first.map(\.lowWatermark) == [3, 0, -1])
            #expect(try context.registry.log(for: TopicPartition("trimmed", 0)).logStartOffset == 3)

            let second = try await delete([(0, 6), (0, 1), (0, -1)])
            #expect(second.map(\.errorCode) == [ErrorCode.offsetOutOfRange.rawValue, 0, 0])
            #expect(second.map(\.lowWatermark) == [-1, 3, 5])
        }
    }

    @Test func describeClusterListsTheBrokersAndController() async throws {
        try await InProcessBroker.run { broker in
            let handler = DescribeClusterHandler(context: broker.context)
            let plain = try await handler.response(to: DescribeClusterRequest(), version: 1)
            #expect(plain.errorCode == 0)
            #expect(plain.clusterId == broker.context.clusterID && plain.controllerId == 1)
            #expect(plain.brokers.map(\.brokerId) == [1] && plain.brokers.first?.port == Int32(broker.boundPort))
            #expect(plain.clusterAuthorizedOperations == Int32.min)
            let withOperations = try await handler.response(to: DescribeClusterRequest(includeClusterAuthorizedOperations: true), version: 0)
            #expect(withOperations.clusterAuthorizedOperations == 8096)
            let controllers = try await handler.response(to: DescribeClusterRequest(endpointType: 2), version: 1)
            #expect(controllers.errorCode == ErrorCode.unsupportedEndpointType.rawValue)
        }
    }
}

/// Records appended straight to a partition log, as a leader would after Produce, with the
/// high watermark moved to the log end (one replica).
enum AdminTestRecords {
    static func append(count: Int, to partition: TopicPartition, in context: BrokerContext) throws {
        let log = try context.registry.log(for: partition)
        let records = (0..<count).map { NewRecord(key: "k\($0)", value: "v\($0)", timestamp: 1_700_000_000_000 + Int64($0)) }
        let batch = RecordBatch.make(baseOffset: 0, records: records)
        var raw = try batch.encoded()
        let decoded = try RecordBatch(decoding: &raw)
        _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: decoded)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        try log.updateHighWatermark(log.logEndOffset)
    }
}
