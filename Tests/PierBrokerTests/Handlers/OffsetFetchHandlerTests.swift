@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

/// OffsetFetch at both shapes: one group per request before v8, several from v8; all positions when
/// the topics are null, -1 for a requested partition with nothing committed, INVALID_GROUP_ID for an
/// empty group id. `require_stable` changes nothing while Pier has no transactions to wait for.
@Suite struct OffsetFetchHandlerTests {
    private typealias Positions = [String: Int64]

    private func positions(_ topics: [OffsetFetchResponse.OffsetFetchResponseTopic]) -> Positions {
        Dictionary(uniqueKeysWithValues: topics.flatMap { topic in topic.partitions.map { ("\(topic.name)-\($0.partitionIndex)", $0.committedOffset) } })
    }

    private func positions(_ topics: [OffsetFetchResponse.OffsetFetchResponseTopics]) -> Positions {
        Dictionary(uniqueKeysWithValues: topics.flatMap { topic in topic.partitions.map { ("\(topic.name)-\($0.partitionIndex)", $0.committedOffset) } })
    }

    @Test func singleAndBatchedGroupsGetTheirPositions() async throws {
        try await InProcessBroker.run(coordinatingGroups: true) { broker in
            let context = broker.context
            for (group, offsets) in [("g1", [("t", 0, 5), ("t", 1, 6), ("u", 0, 7)]), ("g2", [("t", 0, 9)])] {
                let error = await context.groups.commitOffsets(groupID: group, memberID: "", generation: -1, instanceID: nil, offsets: offsets.map {
                    CommittedOffset(topic: $0.0, partition: Int32($0.1), offset: Int64($0.2), metadata: "m\($0.2)", commitTimestamp: 1)
                })
                try #require(error == .noError)
            }
            let handler = OffsetFetchHandler(context: context)

            var all = OffsetFetchRequest()
            all.groupId = "g1"
            all.topics = nil
            let allOfG1 = try await handler.response(to: all, version: 7)
            #expect(allOfG1.errorCode == 0)
            #expect(positions(allOfG1.topics) == ["t-0": 5, "t-1": 6, "u-0": 7])
            #expect(allOfG1.topics.first?.partitions.first?.metadata == "m5")

            var some = OffsetFetchRequest()
            some.groupId = "g1"
            some.topics = [.init(name: "t", partitionIndexes: [0, 2])]
            some.requireStable = true
            #expect(positions(try await handler.response(to: some, version: 7).topics) == ["t-0": 5, "t-2": -1])

            var batched = OffsetFetchRequest()
            batched.groups = [
                .init(groupId: "g1", topics: [.init(name: "u", partitionIndexes: [0])]),
                .init(groupId: "g2", topics: nil),
                .init(groupId: "nobody", topics: nil),
                .init(groupId: "", topics: nil),
            ]
            let answer = try await handler.response(to: batched, version: 8)
            #expect(answer.groups.map(\.groupId) == ["g1", "g2", "nobody", ""])
            #expect(positions(answer.groups[0].topics) == ["u-0": 7])
            #expect(positions(answer.groups[1].topics) == ["t-0": 9])
            #expect(answer.groups[2].topics.isEmpty && answer.groups[2].errorCode == 0)
            #expect(answer.groups[3].errorCode == ErrorCode.invalidGroupId.rawValue)
        }
    }
}
