/// Every topic setting Kafka 4.0 defines, with Kafka's names, types, ranges, defaults and broker
/// synonyms: the ones Pier acts on (`implemented`) and the ones it validates, stores and describes
/// but does not act on (`storedOnly`, listed in docs/configuration.md). A name outside both is
/// refused with INVALID_CONFIG, as Kafka refuses it.
enum TopicConfigCatalog {
    static let definitions: [ConfigDefinition] = implemented + storedOnly

    static let implemented: [ConfigDefinition] = [
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

    /// Accepted so that clients and tools written for Kafka (kafka-configs, Cruise Control, Terraform
    /// providers) can set them, validated as Kafka validates them, and without effect in Pier:
    /// compaction, tiered storage, replication throttling, flushing by count or time (Pier's flushing
    /// is `log.flush.policy`), segment preallocation and index sizing have no counterpart here.
    static let storedOnly: [ConfigDefinition] = [
        ConfigDefinition(
            "compression.gzip.level", .int, default: "-1", brokerSynonym: "compression.gzip.level",
            documentation: "Kafka: gzip level when the broker recompresses with gzip. Pier serves batches as produced or with its own level; no effect.",
            validate: { value in
                let level = Int64(value) ?? -1
                return level == -1 || (1...9).contains(level) ? nil : "compression.gzip.level must be -1 or in [1, 9], not \(value)"
            }
        ),
        ConfigDefinition(
            "compression.lz4.level", .int, default: "9", brokerSynonym: "compression.lz4.level",
            documentation: "Kafka: lz4 level when the broker recompresses with lz4. No effect in Pier.",
            validate: integerWithin(1...17, "compression.lz4.level")
        ),
        ConfigDefinition(
            "compression.zstd.level", .int, default: "3", brokerSynonym: "compression.zstd.level",
            documentation: "Kafka: zstd level when the broker recompresses with zstd. No effect in Pier.",
            validate: integerWithin(-131_072...22, "compression.zstd.level")
        ),
        ConfigDefinition(
            "delete.retention.ms", .long, default: "86400000", brokerSynonym: "log.cleaner.delete.retention.ms",
            documentation: "Kafka: how long tombstones stay in compacted topics. No effect: Pier does not compact.",
            validate: atLeast(0, "delete.retention.ms")
        ),
        ConfigDefinition(
            "file.delete.delay.ms", .long, default: "60000", brokerSynonym: "log.segment.delete.delay.ms",
            documentation: "Kafka: delay before a deleted segment's files are removed. No effect: Pier removes them at once.",
            validate: atLeast(0, "file.delete.delay.ms")
        ),
        ConfigDefinition(
            "flush.messages", .long, default: "9223372036854775807", brokerSynonym: "log.flush.interval.messages",
            documentation: "Kafka: fsync after this many records. No effect: Pier flushes by log.flush.policy.",
            validate: atLeast(1, "flush.messages")
        ),
        ConfigDefinition(
            "flush.ms", .long, default: "9223372036854775807", brokerSynonym: "log.flush.interval.ms",
            documentation: "Kafka: fsync after this long. No effect: Pier flushes by log.flush.policy.",
            validate: atLeast(0, "flush.ms")
        ),
        ConfigDefinition(
            "follower.replication.throttled.replicas", .list, default: "",
            documentation: "Kafka: replicas whose follower side replication throttles. No effect: Pier has no replication throttling.",
            validate: throttledReplicas("follower.replication.throttled.replicas")
        ),
        ConfigDefinition(
            "index.interval.bytes", .int, default: "4096", brokerSynonym: "log.index.interval.bytes",
            documentation: "Kafka: bytes between offset index entries. No effect: the segment engine uses its own 4096.",
            validate: atLeast(0, "index.interval.bytes")
        ),
        ConfigDefinition(
            "leader.replication.throttled.replicas", .list, default: "",
            documentation: "Kafka: replicas whose leader side replication throttles. No effect: Pier has no replication throttling.",
            validate: throttledReplicas("leader.replication.throttled.replicas")
        ),
        ConfigDefinition(
            "local.retention.bytes", .long, default: "-2", brokerSynonym: "log.local.retention.bytes",
            documentation: "Kafka: local bytes kept with tiered storage (-2: retention.bytes). No effect: Pier has no tiered storage.",
            validate: atLeast(-2, "local.retention.bytes")
        ),
        ConfigDefinition(
            "local.retention.ms", .long, default: "-2", brokerSynonym: "log.local.retention.ms",
            documentation: "Kafka: local time kept with tiered storage (-2: retention.ms). No effect: Pier has no tiered storage.",
            validate: atLeast(-2, "local.retention.ms")
        ),
        ConfigDefinition(
            "max.compaction.lag.ms", .long, default: "9223372036854775807", brokerSynonym: "log.cleaner.max.compaction.lag.ms",
            documentation: "Kafka: longest a record stays uncompacted. No effect: Pier does not compact.",
            validate: atLeast(1, "max.compaction.lag.ms")
        ),
        ConfigDefinition(
            "message.timestamp.after.max.ms", .long, default: "3600000", brokerSynonym: "log.message.timestamp.after.max.ms",
            documentation: "Kafka: how far in the future a CreateTime timestamp may be. No effect: Pier accepts any timestamp.",
            validate: atLeast(0, "message.timestamp.after.max.ms")
        ),
        ConfigDefinition(
            "message.timestamp.before.max.ms", .long, default: "9223372036854775807", brokerSynonym: "log.message.timestamp.before.max.ms",
            documentation: "Kafka: how far in the past a CreateTime timestamp may be. No effect: Pier accepts any timestamp.",
            validate: atLeast(0, "message.timestamp.before.max.ms")
        ),
        ConfigDefinition(
            "min.cleanable.dirty.ratio", .double, default: "0.5", brokerSynonym: "log.cleaner.min.cleanable.ratio",
            documentation: "Kafka: dirty share of a log that starts compaction. No effect: Pier does not compact.",
            validate: numberWithin(0.0...1.0, "min.cleanable.dirty.ratio")
        ),
        ConfigDefinition(
            "min.compaction.lag.ms", .long, default: "0", brokerSynonym: "log.cleaner.min.compaction.lag.ms",
            documentation: "Kafka: shortest a record stays uncompacted. No effect: Pier does not compact.",
            validate: atLeast(0, "min.compaction.lag.ms")
        ),
        ConfigDefinition(
            "preallocate", .boolean, default: "false", brokerSynonym: "log.preallocate",
            documentation: "Kafka: preallocate segment files. No effect in Pier."
        ),
        ConfigDefinition(
            "remote.log.copy.disable", .boolean, default: "false",
            documentation: "Kafka: stop copying segments to tiered storage. No effect: Pier has no tiered storage."
        ),
        ConfigDefinition(
            "remote.log.delete.on.disable", .boolean, default: "false",
            documentation: "Kafka: delete tiered data when tiered storage is turned off. No effect: Pier has no tiered storage."
        ),
        ConfigDefinition(
            "remote.storage.enable", .boolean, default: "false",
            documentation: "Kafka: tiered storage for the topic. Pier has none, so only false is accepted, as a Kafka broker without tiered storage refuses true.",
            validate: { value in
                value.lowercased() == "true"
                    ? "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage." : nil
            }
        ),
        ConfigDefinition(
            "segment.index.bytes", .int, default: "10485760", brokerSynonym: "log.index.size.max.bytes",
            documentation: "Kafka: size of a segment's offset index. No effect: the segment engine sizes its indexes itself.",
            validate: atLeast(4, "segment.index.bytes")
        ),
        ConfigDefinition(
            "segment.jitter.ms", .long, default: "0", brokerSynonym: "log.roll.jitter.ms",
            documentation: "Kafka: random jitter subtracted from segment.ms. No effect in Pier.",
            validate: atLeast(0, "segment.jitter.ms")
        ),
    ]

    static let byName: [String: ConfigDefinition] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
}
