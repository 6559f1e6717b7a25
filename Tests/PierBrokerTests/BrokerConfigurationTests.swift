@testable import PierBroker
import Testing

@Suite struct BrokerConfigurationTests {
    @Test func parsesPropertiesAndAppliesThem() throws {
        let text = """
            # a comment
            ! another
            node.id=3
            listeners = PLAINTEXT://127.0.0.2:19092
            log.dirs=/var/lib/pier,/unused
            auto.create.topics.enable: false
            num.partitions=6
            log.retention.ms=60000

            """
        var config = BrokerConfiguration()
        try config.apply(try BrokerConfiguration.parseProperties(text))
        #expect(config.nodeID == 3)
        #expect(config.listeners.map(\.host) == ["127.0.0.2"] && config.listeners.map(\.port) == [19092])
        #expect(config.dataDirectory == "/var/lib/pier")
        #expect(!config.autoCreateTopics)
        #expect(config.defaultPartitions == 6)
        #expect(config.settings["log.retention.ms"] == "60000")
        #expect(TopicConfiguration(overrides: [:], brokerDefaults: config.settings).retentionMilliseconds == 60000)
    }

    @Test func replicationSettingsWithKafkasDefaults() throws {
        var config = BrokerConfiguration()
        #expect(config.replication == ReplicationSettings(
            lagTimeMaxMilliseconds: 30_000, fetchWaitMaxMilliseconds: 500, fetchMaxBytes: 1_048_576,
            fetchResponseMaxBytes: 10_485_760, fetchBackoffMilliseconds: 1_000
        ))
        try config.apply(["replica.lag.time.max.ms": "400", "replica.fetch.wait.max.ms": "50", "replica.fetch.max.bytes": "4096",
                          "replica.fetch.response.max.bytes": "8192", "replica.fetch.backoff.ms": "20"])
        #expect(config.replication == ReplicationSettings(
            lagTimeMaxMilliseconds: 400, fetchWaitMaxMilliseconds: 50, fetchMaxBytes: 4096, fetchResponseMaxBytes: 8192, fetchBackoffMilliseconds: 20
        ))
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["replica.lag.time.max.ms": "0"]) }
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["replica.fetch.max.bytes": "lots"]) }
        let described = BrokerConfigCatalog.settings.first { $0.definition.name == "replica.lag.time.max.ms" }
        #expect(described?.effectiveValue(config) == "400")
        #expect(described?.source(in: config) == .staticBrokerConfig)
    }

    @Test func offsetRetentionSettingsAsKafkaNamesThem() throws {
        var config = BrokerConfiguration()
        #expect(config.offsetsRetentionMilliseconds == 7 * 24 * 3_600_000)
        #expect(config.offsetsRetentionCheckIntervalMilliseconds == 600_000)
        try config.apply(["offsets.retention.minutes": "2", "offsets.retention.check.interval.ms": "250"])
        #expect(config.offsetsRetentionMilliseconds == 120_000)
        #expect(config.offsetsRetentionCheckIntervalMilliseconds == 250)
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["offsets.retention.minutes": "0"]) }
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["offsets.retention.check.interval.ms": "soon"]) }
        let described = BrokerConfigCatalog.settings.first { $0.definition.name == "offsets.retention.minutes" }
        #expect(described?.effectiveValue(config) == "2")
        #expect(described?.source(in: config) == .staticBrokerConfig)
    }

    @Test func coordinationDefaultsToTheDataDirectoryAndTakesKafkasZooKeeperNames() throws {
        var config = BrokerConfiguration()
        try config.apply(["log.dirs": "/data/b1"])
        #expect(config.coordination == .sqlite(path: "/data/b1/coordination.db"))
        try config.apply(["coordination": "sqlite:/shared/coordination.db"])
        #expect(config.coordination == .sqlite(path: "/shared/coordination.db"))

        var zookeeper = BrokerConfiguration()
        try zookeeper.apply(["zookeeper.connect": "127.0.0.1:2181,127.0.0.1:2182/pier", "zookeeper.session.timeout.ms": "6000"])
        #expect(zookeeper.coordination == .zookeeper(servers: ["127.0.0.1:2181", "127.0.0.1:2182"], chroot: "/pier"))
        #expect(zookeeper.sessionTimeoutMilliseconds == 6000)
        // Pier's own name wins over Kafka's when both are given.
        var both = BrokerConfiguration()
        try both.apply(["zookeeper.connect": "127.0.0.1:2181", "coordination": "sqlite:/x.db"])
        #expect(both.coordination == .sqlite(path: "/x.db"))

        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["coordination": "/shared/coordination.db"]) }
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["zookeeper.connect": "nohost"]) }
        #expect(throws: BrokerConfiguration.Problem.self) { try config.apply(["zookeeper.session.timeout.ms": "10"]) }
    }

    @Test func listenerForms() throws {
        var config = BrokerConfiguration()
        try config.apply(["listeners": "[::1]:9093"])
        #expect(config.listeners[0].host == "::1" && config.listeners[0].port == 9093)
        try config.apply(["listeners": "127.0.0.1:0"])
        #expect(config.listeners[0].port == 0)
    }

    @Test func advertisedListenerIsWhereClientsConnect() throws {
        var config = BrokerConfiguration()
        #expect(config.listeners[0].advertised == nil)
        try config.apply(["listeners": "127.0.0.1:0", "advertised.listeners": "PLAINTEXT://proxy.local:19092"])
        #expect(config.listeners[0].advertised == AdvertisedListener(host: "proxy.local", port: 19092))
        #expect(config.listeners[0].port == 0)
        #expect(throws: BrokerConfiguration.Problem.invalidValue(
            name: "advertised.listeners", value: "0.0.0.0:9092", expected: "a reachable HOST:PORT (no wildcard host, no port 0)")) {
            try config.apply(["advertised.listeners": "0.0.0.0:9092"])
        }
        #expect(throws: BrokerConfiguration.Problem.invalidValue(
            name: "advertised.listeners", value: "127.0.0.1:0", expected: "a reachable HOST:PORT (no wildcard host, no port 0)")) {
            try config.apply(["advertised.listeners": "127.0.0.1:0"])
        }
        #expect(throws: BrokerConfiguration.Problem.invalidValue(
            name: "advertised.listeners", value: "nowhere", expected: Listener.expectedForm)) {
            try config.apply(["advertised.listeners": "nowhere"])
        }
    }

    @Test func badLinesAndValuesAreNamed() {
        #expect(throws: BrokerConfiguration.Problem.malformedLine(number: 2, text: "garbage")) {
            try BrokerConfiguration.parseProperties("a=1\ngarbage\n")
        }
        var config = BrokerConfiguration()
        #expect(throws: BrokerConfiguration.Problem.invalidValue(name: "num.partitions", value: "0", expected: "an integer ≥ 1")) {
            try config.apply(["num.partitions": "0"])
        }
        #expect(throws: BrokerConfiguration.Problem.invalidValue(name: "listeners", value: "nowhere", expected: Listener.expectedForm)) {
            try config.apply(["listeners": "nowhere"])
        }
        #expect(throws: BrokerConfiguration.Problem.invalidValue(name: "auto.create.topics.enable", value: "yes", expected: "true or false")) {
            try config.apply(["auto.create.topics.enable": "yes"])
        }
    }

    @Test func listenersAreDescribedWithTheirScheme() {
        #expect(ListenerScheme.named("127.0.0.1:9092") == "PLAINTEXT://127.0.0.1:9092")
        #expect(ListenerScheme.named("PLAINTEXT://host:1, other:2") == "PLAINTEXT://host:1,PLAINTEXT://other:2")
        #expect(ListenerScheme.named("[::1]:9093") == "PLAINTEXT://[::1]:9093")
        #expect(ListenerScheme.named("::1:9093") == "PLAINTEXT://[::1]:9093")
        #expect(BrokerConfigCatalog.settings.first { $0.definition.name == "listeners" }?.defaultValue == "PLAINTEXT://127.0.0.1:9092")
    }
}
