/// The broker settings Pier understands, for DescribeConfigs on a broker resource: the ones
/// `BrokerConfiguration` parses, and the `log.*`-style defaults it passes on to topics.
/// All are static: they are read at start (file, then command line) and never altered at run time.
enum BrokerConfigCatalog {
    struct Setting: Sendable {
        let definition: ConfigDefinition
        /// Names that set it (`node.id` also comes from `broker.id`): given any, its source is the static config.
        let setBy: [String]
        /// Nil when unset and without a default (`log.flush.interval.ms`), as Kafka reports it.
        let effectiveValue: @Sendable (BrokerConfiguration) -> String?

        var defaultValue: String? { effectiveValue(BrokerConfiguration()) }

        func source(in configuration: BrokerConfiguration) -> ConfigSource {
            setBy.contains { configuration.settings[$0] != nil } ? .staticBrokerConfig : .defaultConfig
        }
    }

    static let settings: [Setting] = (parsedSettings + topicDefaults).sorted { $0.definition.name < $1.definition.name }

    private static let parsedSettings: [Setting] = [
        parsed("node.id", .int, setBy: ["node.id", "broker.id"], "This broker's id.") { String($0.nodeID) },
        parsed("broker.id", .int, setBy: ["node.id", "broker.id"], "This broker's id (the older name of node.id).") { String($0.nodeID) },
        // Described with their scheme, as Kafka describes them (tools split on "://").
        parsed("listeners", .list, "Where the broker accepts clients, NAME://HOST:PORT each; port 0 picks a free one.") { configuration in
            configuration.settings["listeners"].map(ListenerScheme.named)
                ?? configuration.listeners.map { "\($0.name)://\($0.host):\($0.port)" }.joined(separator: ",")
        },
        parsed("listener.security.protocol.map", .list, "Security protocol of each listener name, NAME:PROTOCOL each.") { configuration in
            configuration.settings["listener.security.protocol.map"]
        },
        parsed("advertised.listeners", .list, "Address clients are told to connect to; unset: the bound listener.") { configuration in
            configuration.settings["advertised.listeners"].map(ListenerScheme.named)
        },
        parsed("log.dirs", .list, setBy: ["log.dirs", "log.dir"], "Directory of the partitions and the coordination database.") { $0.dataDirectory },
        parsed("coordination", .string, setBy: ["coordination", "zookeeper.connect"],
               "Where the cluster's znodes live: sqlite:PATH (shared by the brokers of one host) or zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT] (Pier's own setting; zookeeper.connect sets the second form).") {
            $0.coordination.description
        },
        parsed("zookeeper.connect", .string, setBy: ["coordination", "zookeeper.connect"], "ZooKeeper ensemble HOST:PORT[,HOST:PORT...][/CHROOT]; unset: the coordination setting decides.") { configuration in
            if case .zookeeper = configuration.coordination { String(configuration.coordination.description.dropFirst("zookeeper:".count)) } else { nil }
        },
        parsed("zookeeper.session.timeout.ms", .int, "A broker whose coordination session misses heartbeats this long counts as gone and loses its leaderships.") {
            String($0.sessionTimeoutMilliseconds)
        },
        parsed("auto.leader.rebalance.enable", .boolean, "Whether the controller moves leadership back to preferred replicas once they are in sync.") {
            String($0.autoLeaderRebalance)
        },
        parsed("leader.imbalance.check.interval.seconds", .long, "How often the controller looks for partitions led by another than their preferred replica.") {
            String($0.leaderImbalanceCheckIntervalSeconds)
        },
        parsed("auto.create.topics.enable", .boolean, "Whether Metadata requests create unknown topics.") { String($0.autoCreateTopics) },
        parsed("num.partitions", .int, "Partitions of a topic created without a count.") { String($0.defaultPartitions) },
        parsed("default.replication.factor", .short, "Replication factor of a topic created without one.") { String($0.defaultReplicationFactor) },
        parsed("socket.request.max.bytes", .int, "Largest request frame accepted.") { String($0.maximumRequestBytes) },
        parsed("log.retention.check.interval.ms", .long, "How often retention runs.") { String($0.retentionCheckIntervalMilliseconds) },
        parsed("connections.max.idle.ms", .long, "Idle connections are closed after this long.") { String($0.connectionsMaxIdleMilliseconds) },
        parsed("storage.engine", .string, "Engine new partitions are stored with: sqlite or segments (Pier's own setting).") { $0.storageEngine.rawValue },
        parsed("offsets.retention.minutes", .int, "Committed offsets of a group without members expire this long after it became Empty and after their commit.") {
            String($0.offsetsRetentionMinutes)
        },
        parsed("offsets.retention.check.interval.ms", .long, "How often offset expiry runs.") { String($0.offsetsRetentionCheckIntervalMilliseconds) },
        parsed("offsets.topic.num.partitions", .int, "Shards of consumer-group state (groups/shard-N.sqlite), Kafka's __consumer_offsets partitions.") {
            String($0.groupShards)
        },
        parsed("offsets.topic.replication.factor", .short,
               "Replicas of each __consumer_offsets partition, the journal of a group shard; at most the live brokers when the topic is created.") {
            String($0.offsetsTopicReplicationFactor)
        },
        parsed("group.initial.rebalance.delay.ms", .int, "An empty group's first rebalance waits this long for more members.") {
            String($0.groupSettings.initialRebalanceDelayMilliseconds)
        },
        parsed("group.min.session.timeout.ms", .int, "Smallest session timeout a member may ask for.") {
            String($0.groupSettings.minimumSessionTimeoutMilliseconds)
        },
        parsed("group.max.session.timeout.ms", .int, "Largest session timeout a member may ask for.") {
            String($0.groupSettings.maximumSessionTimeoutMilliseconds)
        },
        parsed("replica.lag.time.max.ms", .long, "A follower not caught up to the leader for this long leaves the ISR.") {
            String($0.replication.lagTimeMaxMilliseconds)
        },
        parsed("replica.fetch.wait.max.ms", .int, "How long a follower's fetch waits at the leader for new records.") {
            String($0.replication.fetchWaitMaxMilliseconds)
        },
        parsed("replica.fetch.max.bytes", .int, "Bytes a follower fetches per partition (at least one batch).") {
            String($0.replication.fetchMaxBytes)
        },
        parsed("replica.fetch.response.max.bytes", .int, "Bytes a follower fetches per request, over all partitions.") {
            String($0.replication.fetchResponseMaxBytes)
        },
        parsed("replica.fetch.backoff.ms", .int, "How long a follower waits after a fetch error.") {
            String($0.replication.fetchBackoffMilliseconds)
        },
        parsed("num.io.threads", .int, "Threads that run blocking storage calls.") { String($0.ioThreads) },
        parsed("log.flush.interval.ms", .long, "Unset leaves flushing to the operating system; 0 flushes every append.") { configuration in
            switch configuration.flushPolicy {
            case .everyAppend: "0"
            case .interval(let milliseconds): String(milliseconds)
            case .operatingSystem: nil
            }
        },
    ]

    /// Broker settings that are topics' defaults (`log.retention.ms` for `retention.ms`, ...), for the
    /// topic settings Pier acts on. The synonyms of those it only stores (`log.cleaner.*`, ...) still
    /// supply a topic's default when the properties file sets them, but are not Pier's broker settings.
    private static let topicDefaults: [Setting] = TopicConfigCatalog.implemented.compactMap { topic -> Setting? in
        guard let name = topic.brokerSynonym else { return nil }
        let definition = ConfigDefinition(name, topic.type, default: topic.defaultValue,
                                          documentation: "Default of the topic setting \(topic.name): \(topic.documentation)")
        return Setting(definition: definition, setBy: [name]) { $0.settings[name] ?? topic.defaultValue }
    }

    private static func parsed(
        _ name: String, _ type: ConfigDefinition.ValueType, setBy: [String]? = nil, _ documentation: String,
        value: @escaping @Sendable (BrokerConfiguration) -> String?
    ) -> Setting {
        Setting(definition: ConfigDefinition(name, type, default: value(BrokerConfiguration()) ?? "", documentation: documentation),
                setBy: setBy ?? [name], effectiveValue: value)
    }
}
