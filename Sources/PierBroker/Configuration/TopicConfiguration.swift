/// Where a setting's effective value came from, numbered as Kafka's DescribeConfigs reports it.
enum ConfigSource: Int8, Sendable {
    case topicOverride = 1
    /// This broker's dynamic config (`/config/brokers/<id>`).
    case dynamicBrokerConfig = 2
    /// The cluster-wide dynamic default (`/config/brokers/<default>`).
    case dynamicDefaultBrokerConfig = 3
    case staticBrokerConfig = 4
    case defaultConfig = 5
}

/// A topic's effective settings: its overrides over the broker's defaults over Kafka's defaults.
struct TopicConfiguration: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var name: String
        var value: String
        var source: ConfigSource
    }

    /// Every implemented setting, sorted by name.
    let entries: [Entry]

    enum Problem: Error, Equatable, Sendable {
        /// A setting Pier does not know (Kafka: INVALID_CONFIG).
        case unknown(String)
        /// A known setting with a value it refuses (Kafka: INVALID_CONFIG).
        case invalid(String)
    }

    /// Checks overrides as CreateTopics / AlterConfigs receive them.
    static func validate(overrides: [String: String]) throws(Problem) {
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let definition = TopicConfigCatalog.byName[name] else { throw .unknown(name) }
            if let problem = definition.problem(with: value) { throw .invalid(problem) }
        }
    }

    init(overrides: [String: String], brokerDefaults: [String: String]) {
        self.init(overrides: overrides, brokerLayers: BrokerConfigLayers(staticSettings: brokerDefaults))
    }

    init(overrides: [String: String], brokerLayers: BrokerConfigLayers) {
        entries = TopicConfigCatalog.definitions.map { definition in
            if let value = overrides[definition.name] {
                return Entry(name: definition.name, value: value, source: .topicOverride)
            }
            if let synonym = definition.brokerSynonym, let (value, source) = brokerLayers.effective(synonym) {
                return Entry(name: definition.name, value: value, source: source)
            }
            return Entry(name: definition.name, value: definition.defaultValue, source: .defaultConfig)
        }.sorted { $0.name < $1.name }
    }

    subscript(name: String) -> String? {
        entries.first { $0.name == name }?.value
    }

    var retentionMilliseconds: Int64? { positiveOrUnlimited("retention.ms") }
    var retentionBytes: Int64? { positiveOrUnlimited("retention.bytes") }
    var maxMessageBytes: Int { Int(self["max.message.bytes"].flatMap(Int.init) ?? 1_048_588) }
    var minInSyncReplicas: Int { Int(self["min.insync.replicas"].flatMap(Int.init) ?? 1) }
    var uncleanLeaderElection: Bool { self["unclean.leader.election.enable"]?.lowercased() == "true" }
    var usesLogAppendTime: Bool { self["message.timestamp.type"] == "LogAppendTime" }
    var compressionType: String { self["compression.type"] ?? "producer" }
    var segmentBytes: Int64 { self["segment.bytes"].flatMap(Int64.init) ?? 1_073_741_824 }
    var segmentMilliseconds: Int64 { self["segment.ms"].flatMap(Int64.init) ?? 604_800_000 }

    private func positiveOrUnlimited(_ name: String) -> Int64? {
        guard let value = self[name].flatMap(Int64.init), value >= 0 else { return nil }
        return value
    }
}
