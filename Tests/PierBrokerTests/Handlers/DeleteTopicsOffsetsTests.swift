@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

/// Deleting a topic drops every group's committed offsets for it (as Kafka does), so a topic created
/// again under the same name does not hand consumers stale positions.
@Suite struct DeleteTopicsOffsetsTests {
    @Test func deletingATopicForgetsItsCommittedOffsetsInEveryGroup() async throws {
        try await InProcessBroker.run(coordinatingGroups: true) { broker in
            let context = broker.context
            let created = try await CreateTopicsHandler(context: context).response(to: CreateTopicsRequest(topics: [
                .init(name: "gone", numPartitions: 2, replicationFactor: 1), .init(name: "kept", numPartitions: 1, replicationFactor: 1),
            ]), version: 7)
            #expect(created.topics.allSatisfy { $0.errorCode == 0 })
            func commit(_ group: String, _ offsets: [(String, Int32, Int64)]) async {
                let error = await context.groups.commitOffsets(
                    groupID: group, memberID: "", generation: -1, instanceID: nil,
                    offsets: offsets.map { CommittedOffset(topic: $0.0, partition: $0.1, offset: $0.2, commitTimestamp: 1) })
                #expect(error == .noError)
            }
            // Two groups in different shards ("readers" → 28, "others" → 23 of 50).
            await commit("readers", [("gone", 0, 5), ("gone", 1, 6), ("kept", 0, 7)])
            await commit("others", [("gone", 1, 8)])

            let deleted = try await DeleteTopicsHandler(context: context).response(to: DeleteTopicsRequest(topicNames: ["gone"]), version: 5)
            #expect(deleted.responses.map(\.errorCode) == [0])
            #expect(try await context.groups.committedOffsets(groupID: "readers").map { "\($0.topic)-\($0.partition)@\($0.offset)" } == ["kept-0@7"])
            #expect(try await context.groups.committedOffsets(groupID: "others").isEmpty)
        }
    }
}
