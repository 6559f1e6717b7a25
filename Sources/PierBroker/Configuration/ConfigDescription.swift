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
    static func topic(_ configuration: TopicConfiguration, brokerDefaults: [String: String], names: Set<String>? = nil) -> [ConfigDescription] {
        configuration.entries.compactMap { entry -> ConfigDescription? in
            guard names?.contains(entry.name) ?? true, let definition = TopicConfigCatalog.byName[entry.name] else { return nil }
            var synonyms: [Synonym] = []
            if entry.source == .topicOverride {
                synonyms.append(Synonym(name: entry.name, value: entry.value, source: .topicOverride))
            }
            if let brokerName = definition.brokerSynonym, let brokerValue = brokerDefaults[brokerName] {
                synonyms.append(Synonym(name: brokerName, value: brokerValue, source: .staticBrokerConfig))
            }
            // Kafka names a topic setting's default after the broker setting that would supply it.
            synonyms.append(Synonym(name: definition.brokerSynonym ?? entry.name, value: definition.defaultValue, source: .defaultConfig))
            return ConfigDescription(name: entry.name, value: entry.value, source: entry.source, type: definition.type,
                                     documentation: definition.documentation, readOnly: false, synonyms: synonyms)
        }
    }

    /// This broker's settings. Pier has no dynamic broker configuration, so every one is read-only.
    static func broker(_ configuration: BrokerConfiguration, names: Set<String>? = nil) -> [ConfigDescription] {
        BrokerConfigCatalog.settings.compactMap { setting -> ConfigDescription? in
            let name = setting.definition.name
            guard names?.contains(name) ?? true else { return nil }
            let source = setting.source(in: configuration)
            let value = setting.effectiveValue(configuration)
            var synonyms: [Synonym] = []
            if source == .staticBrokerConfig { synonyms.append(Synonym(name: name, value: value, source: .staticBrokerConfig)) }
            synonyms.append(Synonym(name: name, value: setting.defaultValue, source: .defaultConfig))
            return ConfigDescription(name: name, value: value, source: source, type: setting.definition.type,
                                     documentation: setting.definition.documentation, readOnly: true, synonyms: synonyms)
        }
    }
}
