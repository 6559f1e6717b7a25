import PierProtocol

/// The APIs and versions this build of Pier implements: exactly what ApiVersions advertises, so
/// clients never send what the broker cannot answer.
enum SupportedApis {
    static let versions: [ApiKey: ClosedRange<Int16>] = [
        .apiVersions: 0...3,
        .metadata: 0...12,
        // Kafka 4 dropped Produce v0-2 (message sets v0/v1); v3+ carries record batches v2.
        .produce: 3...11,
        .fetch: 4...17,
        .listOffsets: 1...10,
        .findCoordinator: 0...4,
        .joinGroup: 0...9,
        .syncGroup: 0...5,
        .heartbeat: 0...4,
        .leaveGroup: 0...5,
        .offsetCommit: 0...8,
        .offsetFetch: 0...8,
        .listGroups: 0...5,
        .describeGroups: 0...5,
        .deleteGroups: 0...2,
        .offsetDelete: 0...0,
        .initProducerId: 0...4,
        .createTopics: 0...7,
        .deleteTopics: 0...6,
        .deleteRecords: 0...2,
        .describeConfigs: 0...4,
        .alterConfigs: 0...2,
        .createPartitions: 0...3,
        .incrementalAlterConfigs: 0...1,
        .describeCluster: 0...1,
        .electLeaders: 0...2,
        .alterPartitionReassignments: 0...0,
        .listPartitionReassignments: 0...0,
        // v0 went with Kafka 4 (KIP-896).
        .describeLogDirs: 1...4,
        .describeTopicPartitions: 0...0,
        // v0-1 lack current_leader_epoch; Kafka 4 dropped them too.
        .offsetForLeaderEpoch: 2...4,
        // librdkafka looks for v0 to know the broker does SASL handshakes at all, then sends v1 since
        // SaslAuthenticate is advertised. A v0 handshake is answered, but the bare SASL tokens a
        // pre-SaslAuthenticate client would send next are not read (the connection is closed).
        .saslHandshake: 0...1,
        .saslAuthenticate: 0...2,
    ]

    static func supports(_ apiKey: ApiKey, version: Int16) -> Bool {
        versions[apiKey]?.contains(version) ?? false
    }
}
