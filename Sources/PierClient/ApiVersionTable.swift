import PierProtocol

/// The versions a broker advertised in ApiVersions, and the choice of version for each request:
/// the highest both sides speak, as every Kafka client does.
public struct ApiVersionTable: Sendable, Equatable {
    /// The versions this client implements for each API it sends. Fetch stops at v12, the last
    /// version that names topics (v13 on identifies them by topic id only).
    public static let clientVersions: [ApiKey: ClosedRange<Int16>] = [
        .apiVersions: 0...3,
        .metadata: 1...12,
        .produce: 3...11,
        .fetch: 4...12,
        .listOffsets: 1...10,
        // Admin and group requests, each capped at the last version of the message shape used here
        // (DeleteTopics v6 names topics in structs, FindCoordinator v4 batches keys, OffsetFetch v8 batches groups).
        .createTopics: 2...7,
        .deleteTopics: 1...5,
        .createPartitions: 0...3,
        .describeConfigs: 1...4,
        .incrementalAlterConfigs: 0...1,
        .findCoordinator: 1...3,
        .listGroups: 0...4,
        .describeGroups: 0...5,
        .offsetFetch: 1...7,
        .offsetCommit: 2...8,
        .deleteGroups: 0...2,
        .listPartitionReassignments: 0...0,
    ]

    public let brokerVersions: [ApiKey: ClosedRange<Int16>]

    public init(brokerVersions: [ApiKey: ClosedRange<Int16>]) {
        self.brokerVersions = brokerVersions
    }

    /// Reads the broker's answer; entries for api keys this build does not know, or with an empty
    /// range, are left out.
    public init(_ response: ApiVersionsResponse) {
        var versions: [ApiKey: ClosedRange<Int16>] = [:]
        for entry in response.apiKeys {
            guard let apiKey = ApiKey(rawValue: entry.apiKey), entry.minVersion <= entry.maxVersion else { continue }
            versions[apiKey] = entry.minVersion...entry.maxVersion
        }
        self.init(brokerVersions: versions)
    }

    /// The highest version of `apiKey` that both this client and the broker speak.
    public func version(for apiKey: ApiKey) throws(KafkaClientError) -> Int16 {
        guard let ours = Self.clientVersions[apiKey], let theirs = brokerVersions[apiKey], ours.overlaps(theirs) else {
            throw .unsupportedApi(apiKey)
        }
        return min(ours.upperBound, theirs.upperBound)
    }
}
