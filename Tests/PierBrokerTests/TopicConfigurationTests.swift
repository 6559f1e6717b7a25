@testable import PierBroker
import Testing

@Suite struct TopicConfigurationTests {
    @Test func overridesBeatBrokerDefaultsWhichBeatKafkasDefaults() {
        let config = TopicConfiguration(
            overrides: ["retention.ms": "1000"],
            brokerDefaults: ["log.retention.bytes": "5000", "retention.bytes": "ignored: not the synonym"]
        )
        #expect(config.entries.first { $0.name == "retention.ms" } == .init(name: "retention.ms", value: "1000", source: .topicOverride))
        #expect(config.entries.first { $0.name == "retention.bytes" } == .init(name: "retention.bytes", value: "5000", source: .staticBrokerConfig))
        #expect(config.entries.first { $0.name == "max.message.bytes" }?.source == .defaultConfig)
        #expect(config.retentionMilliseconds == 1000)
        #expect(config.retentionBytes == 5000)
        #expect(config.maxMessageBytes == 1_048_588)
        #expect(config.entries.map(\.name) == config.entries.map(\.name).sorted())
    }

    @Test func minusOneMeansUnlimited() {
        let config = TopicConfiguration(overrides: ["retention.ms": "-1"], brokerDefaults: [:])
        #expect(config.retentionMilliseconds == nil)
        #expect(config.retentionBytes == nil)
    }

    @Test(arguments: [
        (["retention.ms": "soon"], TopicConfiguration.Problem.invalid("retention.ms must be a 64-bit integer, not 'soon'")),
        (["retention.ms": "-2"], .invalid("retention.ms must be at least -1, not -2")),
        (["cleanup.policy": "compact"], .invalid("cleanup.policy must be one of delete, not 'compact'")),
        (["message.timestamp.type": "Now"], .invalid("message.timestamp.type must be one of CreateTime, LogAppendTime, not 'Now'")),
        (["min.insync.replicas": "0"], .invalid("min.insync.replicas must be at least 1, not 0")),
        (["max.message.bytes": "99999999999"], .invalid("max.message.bytes must be a 32-bit integer, not '99999999999'")),
        (["unclean.leader.election.enable": "yes"], .invalid("unclean.leader.election.enable must be true or false, not 'yes'")),
        (["flux.capacitor": "on"], .unknown("flux.capacitor")),
        // Settings Pier stores without acting on them are validated as Kafka validates them.
        (["file.delete.delay.ms": "-1"], .invalid("file.delete.delay.ms must be at least 0, not -1")),
        (["compression.gzip.level": "0"], .invalid("compression.gzip.level must be -1 or in [1, 9], not 0")),
        (["compression.zstd.level": "23"], .invalid("compression.zstd.level must be in [-131072, 22], not 23")),
        (["min.cleanable.dirty.ratio": "1.5"], .invalid("min.cleanable.dirty.ratio must be in [0.0, 1.0], not 1.5")),
        (["min.cleanable.dirty.ratio": "half"], .invalid("min.cleanable.dirty.ratio must be a number, not 'half'")),
        (["flush.messages": "0"], .invalid("flush.messages must be at least 1, not 0")),
        (["preallocate": "maybe"], .invalid("preallocate must be true or false, not 'maybe'")),
        (["leader.replication.throttled.replicas": "0:1,2"], .invalid(
            "leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")),
        (["remote.storage.enable": "true"], .invalid(
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.")),
        (["segment.index.bytes": "3"], .invalid("segment.index.bytes must be at least 4, not 3")),
    ])
    func badOverridesAreRefusedWithAReason(overrides: [String: String], problem: TopicConfiguration.Problem) {
        #expect(throws: problem) { try TopicConfiguration.validate(overrides: overrides) }
    }

    @Test func goodOverridesPass() throws {
        try TopicConfiguration.validate(overrides: [
            "retention.ms": "60000", "retention.bytes": "1048576", "cleanup.policy": "delete", "compression.type": "zstd",
            "max.message.bytes": "2000000", "min.insync.replicas": "2", "message.timestamp.type": "LogAppendTime",
            "segment.bytes": "1048576", "segment.ms": "3600000",
        ])
        try TopicConfiguration.validate(overrides: [
            "file.delete.delay.ms": "0", "compression.gzip.level": "-1", "compression.lz4.level": "17", "compression.zstd.level": "-5",
            "min.cleanable.dirty.ratio": "0.25", "flush.ms": "1000", "preallocate": "true", "remote.storage.enable": "false",
            "leader.replication.throttled.replicas": "*", "follower.replication.throttled.replicas": "0:1, 1:2",
            "local.retention.ms": "-2", "message.timestamp.after.max.ms": "0", "segment.jitter.ms": "10",
        ])
    }

    /// The names Kafka 4.0 describes for a topic (read from the reference broker), every one accepted here.
    @Test func everyTopicSettingKafkaDefinesIsKnown() {
        let kafka = [
            "cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type", "compression.zstd.level",
            "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
            "index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
            "max.compaction.lag.ms", "max.message.bytes", "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
            "message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
            "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
            "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
        ]
        #expect(TopicConfiguration(overrides: [:], brokerDefaults: [:]).entries.map(\.name) == kafka)
        #expect(Set(TopicConfigCatalog.implemented.map(\.name)).isDisjoint(with: TopicConfigCatalog.storedOnly.map(\.name)))
    }
}
