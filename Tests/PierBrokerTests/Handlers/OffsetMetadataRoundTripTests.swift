@testable import PierBroker
import NIOCore
import PierProtocol
import PierStorage
import Testing

/// What a client commits comes back as Kafka returns it: metadata byte for byte (NULs inside or alone,
/// ''), a null commit as '' (Kafka's "no metadata"), the committed leader epoch from v6 on and -1
/// before, through the codec, the handlers and the group shard's database.
@Suite struct OffsetMetadataRoundTripTests {
    static let cases: [String?] = ["a\u{0}b", "", nil, "\u{0}", "plain", "\u{FC}\u{0}\u{20AC}"]

    /// The request as it arrives: encoded and decoded at `version`, so the codec is part of the trip.
    private func wire(_ request: OffsetCommitRequest, version: Int16) throws -> OffsetCommitRequest {
        var buffer = ByteBuffer()
        try request.encode(into: &buffer, version: version)
        return try OffsetCommitRequest(from: &buffer, version: version)
    }

    @Test(arguments: [Int16(5), 8])
    func metadataAndLeaderEpochComeBackAsCommitted(version: Int16) async throws {
        try await InProcessBroker.run(coordinatingGroups: true) { broker in
            let context = broker.context
            let topic = "notes-v\(version)"
            let created = try await CreateTopicsHandler(context: context).response(to: CreateTopicsRequest(topics: [
                .init(name: topic, numPartitions: Int32(Self.cases.count), replicationFactor: 1),
            ]), version: 7)
            try #require(created.topics.map(\.errorCode) == [0])

            let partitions = Self.cases.enumerated().map { index, metadata in
                OffsetCommitRequest.OffsetCommitRequestPartition(partitionIndex: Int32(index), committedOffset: 10 + Int64(index),
                                                                 committedLeaderEpoch: 3, committedMetadata: metadata)
            }
            let request = try wire(OffsetCommitRequest(groupId: "notes", topics: [.init(name: topic, partitions: partitions)]), version: version)
            let committed = try await OffsetCommitHandler(context: context).response(to: request, version: version)
            #expect(committed.topics.flatMap(\.partitions).map(\.errorCode) == Array(repeating: 0, count: Self.cases.count))

            var fetch = OffsetFetchRequest()
            fetch.groupId = "notes"
            fetch.topics = [.init(name: topic, partitionIndexes: partitions.map(\.partitionIndex))]
            let fetched = try await OffsetFetchHandler(context: context).response(to: fetch, version: 7)
            let answered = fetched.topics.flatMap(\.partitions)
            #expect(answered.map(\.metadata) == Self.cases.map { $0 ?? "" })
            #expect(answered.map(\.committedOffset) == partitions.map(\.committedOffset))
            #expect(answered.map(\.committedLeaderEpoch) == Array(repeating: version >= 6 ? 3 : -1, count: Self.cases.count))
            // The shard keeps null as null: only the answer says '' for it, as Kafka's does.
            #expect(try await context.groups.committedOffsets(groupID: "notes").map(\.metadata) == Self.cases)
        }
    }
}
