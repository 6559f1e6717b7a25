@testable import PierBroker
import Testing

@Suite struct ConfigDescriptionTests {
    @Test func topicSettingsListTheirSynonymsMostSpecificFirst() throws {
        let brokerDefaults = ["log.retention.ms": "86400000"]
        let configuration = TopicConfiguration(overrides: ["retention.ms": "1000"], brokerDefaults: brokerDefaults)
        let described = ConfigDescription.topic(configuration, brokerLayers: BrokerConfigLayers(staticSettings: brokerDefaults))
        #expect(described.map(\.name) == TopicConfigCatalog.definitions.map(\.name).sorted())
        #expect(described.allSatisfy { !$0.readOnly && !$0.isSensitive })

        let retention = try #require(described.first { $0.name == "retention.ms" })
        #expect(retention.value == "1000")
        #expect(retention.source == .topicOverride)
        #expect(retention.type == .long)
        #expect(retention.synonyms == [
            .init(name: "retention.ms", value: "1000", source: .topicOverride),
            .init(name: "log.retention.ms", value: "86400000", source: .staticBrokerConfig),
            .init(name: "log.retention.ms", value: "604800000", source: .defaultConfig),
        ])

        let segment = try #require(described.first { $0.name == "segment.bytes" })
        #expect(segment.value == "1073741824")
        #expect(segment.source == .defaultConfig)
        #expect(segment.synonyms == [.init(name: "log.segment.bytes", value: "1073741824", source: .defaultConfig)])
    }

    @Test func requestedNamesFilterAndUnknownNamesAreSkipped() {
        let configuration = TopicConfiguration(overrides: [:], brokerDefaults: [:])
        let described = ConfigDescription.topic(configuration, brokerLayers: BrokerConfigLayers(), names: ["cleanup.policy", "no.such.setting"])
        #expect(described.map(\.name) == ["cleanup.policy"])
        #expect(ConfigDescription.topic(configuration, brokerLayers: BrokerConfigLayers(), names: []).isEmpty)
    }

    @Test func brokerSettingsAreStaticWithTheirEffectiveValues() throws {
        var configuration = BrokerConfiguration()
        try configuration.apply(["broker.id": "7", "num.partitions": "3", "log.retention.ms": "5000", "group.initial.rebalance.delay.ms": "250"])
        let described = ConfigDescription.broker(configuration, layers: BrokerConfigLayers(staticSettings: configuration.settings))
        // Only topic defaults change at run time.
        #expect(described.filter { !$0.readOnly }.map(\.name) == BrokerConfigLayers.dynamicallyAlterable.keys.sorted())
        func entry(_ name: String) -> ConfigDescription? { described.first { $0.name == name } }
        #expect(entry("node.id")?.value == "7")
        #expect(entry("node.id")?.source == .staticBrokerConfig)
        #expect(entry("num.partitions")?.value == "3")
        #expect(entry("num.partitions")?.synonyms == [
            .init(name: "num.partitions", value: "3", source: .staticBrokerConfig),
            .init(name: "num.partitions", value: "1", source: .defaultConfig),
        ])
        #expect(entry("log.retention.ms")?.value == "5000")
        #expect(entry("group.initial.rebalance.delay.ms")?.value == "250")
        #expect(entry("group.initial.rebalance.delay.ms")?.source == .staticBrokerConfig)
        #expect(entry("offsets.topic.num.partitions")?.value == "50")
        #expect(entry("group.max.session.timeout.ms")?.value == "1800000")
        #expect(entry("log.retention.bytes")?.value == "-1")
        #expect(entry("log.retention.bytes")?.source == .defaultConfig)
        #expect(entry("auto.create.topics.enable")?.type == .boolean)
        // Unset and without a default, as Kafka reports log.flush.interval.ms.
        #expect(entry("log.flush.interval.ms")?.value == nil)
        #expect(ConfigDescription.broker(configuration, layers: BrokerConfigLayers(), names: ["num.partitions"]).map(\.name) == ["num.partitions"])
    }

    /// Dynamic broker configs win over the static ones, this broker's over the cluster default, and
    /// synonyms list every layer most specific first, as Kafka does.
    @Test func dynamicBrokerConfigsAreLayeredOverStaticOnes() throws {
        var configuration = BrokerConfiguration()
        try configuration.apply(["log.retention.ms": "5000"])
        let layers = BrokerConfigLayers(dynamicPerBroker: ["min.insync.replicas": "2"],
                                        dynamicClusterDefault: ["log.retention.ms": "7000", "min.insync.replicas": "3"],
                                        staticSettings: configuration.settings)
        let broker = ConfigDescription.broker(configuration, layers: layers)
        let retention = try #require(broker.first { $0.name == "log.retention.ms" })
        #expect(retention.value == "7000" && retention.source == .dynamicDefaultBrokerConfig && !retention.readOnly)
        #expect(retention.synonyms.map(\.source) == [.dynamicDefaultBrokerConfig, .staticBrokerConfig, .defaultConfig])
        let minISR = try #require(broker.first { $0.name == "min.insync.replicas" })
        #expect(minISR.value == "2" && minISR.source == .dynamicBrokerConfig)
        #expect(minISR.synonyms.map(\.value) == ["2", "3", "1"])

        let topic = ConfigDescription.topic(TopicConfiguration(overrides: [:], brokerLayers: layers), brokerLayers: layers)
        let topicRetention = try #require(topic.first { $0.name == "retention.ms" })
        #expect(topicRetention.value == "7000" && topicRetention.source == .dynamicDefaultBrokerConfig)
        #expect(topicRetention.synonyms == [
            .init(name: "log.retention.ms", value: "7000", source: .dynamicDefaultBrokerConfig),
            .init(name: "log.retention.ms", value: "5000", source: .staticBrokerConfig),
            .init(name: "log.retention.ms", value: "604800000", source: .defaultConfig),
        ])
        #expect(TopicConfiguration(overrides: [:], brokerLayers: layers).minInSyncReplicas == 2)
        #expect(ConfigDescription.clusterDefaults(layers).map(\.name) == ["log.retention.ms", "min.insync.replicas"])
        #expect(ConfigDescription.clusterDefaults(layers).allSatisfy { $0.source == .dynamicDefaultBrokerConfig })
    }

    @Test func brokerResourceNamesAreThisNodeOrTheClusterDefault() throws {
        #expect(try BrokerResourceName("3", nodeID: 3) == .thisBroker)
        #expect(try BrokerResourceName("", nodeID: 3) == .clusterDefault)
        #expect(throws: TopicProblem(.invalidRequest, "unexpected broker id 4: this broker is 3 (or use an empty name for cluster defaults)")) {
            try BrokerResourceName("4", nodeID: 3)
        }
        #expect(throws: TopicProblem(.invalidRequest, "broker id must be an integer, not 'b'")) { try BrokerResourceName("b", nodeID: 3) }
    }
}
