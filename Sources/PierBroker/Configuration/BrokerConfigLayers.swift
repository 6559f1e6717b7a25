import PierCoordination

/// The broker-level values a setting can take, most specific first, as Kafka layers them: this
/// broker's dynamic config (`/config/brokers/<id>`), the cluster-wide dynamic default
/// (`/config/brokers/<default>`), then the properties file and command line. A topic setting without
/// an override takes its broker synonym from the first layer that sets it.
struct BrokerConfigLayers: Sendable, Equatable {
    var dynamicPerBroker: [String: String] = [:]
    var dynamicClusterDefault: [String: String] = [:]
    var staticSettings: [String: String] = [:]

    /// The broker settings that change at run time: the defaults of the topic settings Pier acts on
    /// (`log.retention.ms`, `min.insync.replicas`, ...), all of which Kafka lets change dynamically.
    static let dynamicallyAlterable: [String: ConfigDefinition] = Dictionary(
        uniqueKeysWithValues: TopicConfigCatalog.implemented.compactMap { topic in topic.brokerSynonym.map { ($0, topic) } }
    )

    /// Each layer with its source, most specific first.
    private var ordered: [(settings: [String: String], source: ConfigSource)] {
        [(dynamicPerBroker, .dynamicBrokerConfig), (dynamicClusterDefault, .dynamicDefaultBrokerConfig), (staticSettings, .staticBrokerConfig)]
    }

    /// The value that applies and where it comes from; nil when no layer sets `name`.
    func effective(_ name: String) -> (value: String, source: ConfigSource)? {
        for layer in ordered {
            if let value = layer.settings[name] { return (value, layer.source) }
        }
        return nil
    }

    /// Every layer that sets `name`, most specific first: DescribeConfigs' synonyms.
    func synonyms(_ name: String) -> [ConfigDescription.Synonym] {
        ordered.compactMap { layer in layer.settings[name].map { ConfigDescription.Synonym(name: name, value: $0, source: layer.source) } }
    }

    /// One map, the most specific layer winning: what topics' defaults are read from.
    var merged: [String: String] {
        staticSettings.merging(dynamicClusterDefault) { $1 }.merging(dynamicPerBroker) { $1 }
    }

    /// The coordination store's entity for a broker resource: the node id, or `<default>`.
    static func entity(_ name: BrokerResourceName, nodeID: Int32) -> String {
        switch name {
        case .thisBroker: String(nodeID)
        case .clusterDefault: KafkaZnodes.clusterDefaultBrokerEntity
        }
    }
}
