/// One setting as DescribeConfigs reports it, before it is shaped for a protocol version: its
/// effective value and where that came from, and the chain of values it overrides (synonyms),
/// most specific first, as Kafka lists them.
struct ConfigDescription: Sendable, Equatable {
    struct Synonym: Sendable, Equatable {
        var name: String
        var value: String?
        var source: ConfigSource
    }

    var name: String
    var value: String?
    var source: ConfigSource
    var type: ConfigDefinition.ValueType
    var documentation: String
    var readOnly: Bool
    var isSensitive = false
    var synonyms: [Synonym]

    /// A topic's settings: its override, else the broker's setting, else Kafka's default. Topic
    /// settings can be altered, so none is read-only. `names` (nil for all) filters, as requested.
    static func topic(_ configuration: TopicConfiguration, brokerLayers: BrokerConfigLayers, names: Set<String>? = nil) -> [ConfigDescription] {
        configuration.entries.compactMap { entry -> ConfigDescription? in
            guard names?.contains(entry.name) ?? true, let definition = TopicConfigCatalog.byName[entry.name] else { return nil }
            var synonyms: [Synonym] = []
            if entry.source == .topicOverride {
                synonyms.append(Synonym(name: entry.name, value: entry.value, source: .topicOverride))
            }
            if let brokerName = definition.brokerSynonym {
                synonyms += brokerLayers.synonyms(brokerName)
            }
            // Kafka names a topic setting's default after the broker setting that would supply it.
            synonyms.append(Synonym(name: definition.brokerSynonym ?? entry.name, value: definition.defaultValue, source: .defaultConfig))
            return ConfigDescription(name: entry.name, value: entry.value, source: entry.source, type: definition.type,
                                     documentation: definition.documentation, readOnly: false, synonyms: synonyms)
        }
    }

    /// This broker's settings: a dynamic config (this broker's, then the cluster default) over the
    /// static one. Only the topic defaults (`BrokerConfigLayers.dynamicallyAlterable`) change at run
    /// time; every other setting is read-only.
    static func broker(_ configuration: BrokerConfiguration, layers: BrokerConfigLayers, names: Set<String>? = nil) -> [ConfigDescription] {
        BrokerConfigCatalog.settings.compactMap { setting -> ConfigDescription? in
            let name = setting.definition.name
            guard names?.contains(name) ?? true else { return nil }
            var source = setting.source(in: configuration)
            var value = setting.effectiveValue(configuration)
            var synonyms: [Synonym] = []
            let alterable = BrokerConfigLayers.dynamicallyAlterable[name] != nil
            if alterable {
                let dynamic = BrokerConfigLayers(dynamicPerBroker: layers.dynamicPerBroker, dynamicClusterDefault: layers.dynamicClusterDefault)
                synonyms += dynamic.synonyms(name)
                if let (dynamicValue, dynamicSource) = dynamic.effective(name) { (value, source) = (dynamicValue, dynamicSource) }
            }
            if setting.source(in: configuration) == .staticBrokerConfig {
                synonyms.append(Synonym(name: name, value: setting.effectiveValue(configuration), source: .staticBrokerConfig))
            }
            synonyms.append(Synonym(name: name, value: setting.defaultValue, source: .defaultConfig))
            return ConfigDescription(name: name, value: value, source: source, type: setting.definition.type,
                                     documentation: setting.definition.documentation, readOnly: !alterable, synonyms: synonyms)
        }
    }

    /// The cluster-wide dynamic defaults (broker resource with an empty name): only those set, as Kafka lists them.
    static func clusterDefaults(_ layers: BrokerConfigLayers, names: Set<String>? = nil) -> [ConfigDescription] {
        layers.dynamicClusterDefault.sorted { $0.key < $1.key }.compactMap { name, value -> ConfigDescription? in
            guard names?.contains(name) ?? true, let topic = BrokerConfigLayers.dynamicallyAlterable[name] else { return nil }
            return ConfigDescription(name: name, value: value, source: .dynamicDefaultBrokerConfig, type: topic.type,
                                     documentation: "Default of the topic setting \(topic.name): \(topic.documentation)", readOnly: false,
                                     synonyms: [Synonym(name: name, value: value, source: .dynamicDefaultBrokerConfig)])
        }
    }
}
