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
        (["file.delete.delay.ms": "60000"], .unknown("file.delete.delay.ms")),
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
    }
}
