/// The topic settings Pier implements, with Kafka's names, defaults and broker synonyms.
/// A setting not listed here is refused with INVALID_CONFIG rather than silently ignored.
enum TopicConfigCatalog {
    static let definitions: [ConfigDefinition] = [
        ConfigDefinition(
            "cleanup.policy", .list, default: "delete", brokerSynonym: "log.cleanup.policy",
            documentation: "How old records go: 'delete' by retention.ms and retention.bytes. Compaction is not implemented.",
            validate: listOf(["delete"], "cleanup.policy")
        ),
        ConfigDefinition(
            "compression.type", .string, default: "producer", brokerSynonym: "compression.type",
            documentation: "Codec batches are served with: 'producer' keeps what the producer sent.",
            validate: oneOf(["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"], "compression.type")
        ),
        ConfigDefinition(
            "max.message.bytes", .int, default: "1048588", brokerSynonym: "message.max.bytes",
            documentation: "Largest record batch the topic accepts, after compression.",
            validate: atLeast(0, "max.message.bytes")
        ),
        ConfigDefinition(
            "min.insync.replicas", .int, default: "1", brokerSynonym: "min.insync.replicas",
            documentation: "In-sync replicas an acks=all produce needs, or it fails with NOT_ENOUGH_REPLICAS.",
            validate: atLeast(1, "min.insync.replicas")
        ),
        ConfigDefinition(
            "message.timestamp.type", .string, default: "CreateTime", brokerSynonym: "log.message.timestamp.type",
            documentation: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock.",
            validate: oneOf(["CreateTime", "LogAppendTime"], "message.timestamp.type")
        ),
        ConfigDefinition(
            "retention.ms", .long, default: "604800000", brokerSynonym: "log.retention.ms",
            documentation: "Records older than this are deleted; -1 keeps them forever.",
            validate: atLeast(-1, "retention.ms")
        ),
        ConfigDefinition(
            "retention.bytes", .long, default: "-1", brokerSynonym: "log.retention.bytes",
            documentation: "Oldest records are deleted while a partition is larger than this; -1 for no limit.",
            validate: atLeast(-1, "retention.bytes")
        ),
        ConfigDefinition(
            "unclean.leader.election.enable", .boolean, default: "false", brokerSynonym: "unclean.leader.election.enable",
            documentation: "Whether the controller may make a replica outside the ISR leader when no in-sync replica is alive, at the price of losing what it lacks.",
            validate: oneOf(["true", "false"], "unclean.leader.election.enable")
        ),
        ConfigDefinition(
            "segment.bytes", .int, default: "1073741824", brokerSynonym: "log.segment.bytes",
            documentation: "Size at which the segment engine starts a new segment file.",
            validate: atLeast(14, "segment.bytes")
        ),
        ConfigDefinition(
            "segment.ms", .long, default: "604800000", brokerSynonym: "log.roll.ms",
            documentation: "Age at which the segment engine starts a new segment file.",
            validate: atLeast(1, "segment.ms")
        ),
    ]

    static let byName: [String: ConfigDefinition] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
}
