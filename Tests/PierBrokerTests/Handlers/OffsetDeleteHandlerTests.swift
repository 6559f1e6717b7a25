import NIOCore
@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

/// OffsetDelete, as Kafka answers it: GROUP_ID_NOT_FOUND for an unknown group, GROUP_SUBSCRIBED_TO_TOPIC
/// for topics a member of the group still subscribes to, NON_EMPTY_GROUP for a non-consumer group
/// with members; every other listed position goes, and only those.
@Suite struct OffsetDeleteHandlerTests {
    /// A member of `group` with a consumer-protocol subscription to `topics`, through to Stable.
    private func joinStable(_ context: BrokerContext, group: String, protocolType: String = "consumer", topics: [String]) async throws -> String {
        var metadata = ByteBuffer()
        metadata.writeInteger(Int16(1))
        try ConsumerProtocolSubscription(topics: topics).encode(into: &metadata, version: 1)
        var request = ConsumerGroup.JoinRequest(
            memberID: "", clientID: "c", clientHost: "/127.0.0.1", sessionTimeoutMilliseconds: 30_000, rebalanceTimeoutMilliseconds: 30_000,
            protocolType: protocolType, protocols: [GroupMember.SupportedProtocol(name: "range", metadata: metadata)], requiresKnownMemberID: true
        )
        let first = await context.groups.join(groupID: group, request)
        try #require(first.error == .memberIdRequired)
        request.memberID = first.memberID
        let joined = await context.groups.join(groupID: group, request)  // group.initial.rebalance.delay.ms=0: completes at once
        try #require(joined.error == .noError)
        let synced = await context.groups.sync(groupID: group, memberID: joined.memberID, generation: joined.generation, instanceID: nil,
                                               protocolType: protocolType, protocolName: "range", assignments: [:])
        try #require(synced.error == .noError)
        return joined.memberID
    }

    private func request(_ group: String, _ partitions: [(String, [Int32])]) -> OffsetDeleteRequest {
        OffsetDeleteRequest(groupId: group, topics: partitions.map { topic in
            .init(name: topic.0, partitions: topic.1.map { .init(partitionIndex: $0) })
        })
    }

    private func errors(_ response: OffsetDeleteResponse) -> [String: Int16] {
        Dictionary(uniqueKeysWithValues: response.topics.flatMap { topic in topic.partitions.map { ("\(topic.name)-\($0.partitionIndex)", $0.errorCode) } })
    }

    private func committed(_ context: BrokerContext, _ group: String) async throws -> [String] {
        try await context.groups.committedOffsets(groupID: group).map { "\($0.topic)-\($0.partition)" }
    }

    @Test func offsetDeleteFollowsKafkasRules() async throws {
        try await InProcessBroker.run(settings: ["group.initial.rebalance.delay.ms": "0"], coordinatingGroups: true) { broker in
            let context = broker.context
            let handler = OffsetDeleteHandler(context: context)
            let member = try await joinStable(context, group: "readers", topics: ["subscribed"])
            let commit = await context.groups.commitOffsets(groupID: "readers", memberID: member, generation: 1, instanceID: nil, offsets: [
                CommittedOffset(topic: "subscribed", partition: 0, offset: 5, commitTimestamp: 1),
                CommittedOffset(topic: "subscribed", partition: 1, offset: 6, commitTimestamp: 1),
                CommittedOffset(topic: "other", partition: 0, offset: 7, commitTimestamp: 1),
            ])
            try #require(commit == .noError)

            let unknown = try await handler.response(to: request("nobody", [("other", [0])]), version: 0)
            #expect(unknown.errorCode == ErrorCode.groupIdNotFound.rawValue)

            let whileSubscribed = try await handler.response(to: request("readers", [("subscribed", [0]), ("other", [0])]), version: 0)
            #expect(whileSubscribed.errorCode == 0)
            #expect(errors(whileSubscribed) == ["subscribed-0": ErrorCode.groupSubscribedToTopic.rawValue, "other-0": 0])
            #expect(try await committed(context, "readers") == ["subscribed-0", "subscribed-1"])

            // Once the group is Empty nothing is subscribed.
            #expect(context.groups.leave(groupID: "readers", [ConsumerGroup.Departure(memberID: member)]) == [.noError])
            let afterLeaving = try await handler.response(to: request("readers", [("subscribed", [0])]), version: 0)
            #expect(errors(afterLeaving) == ["subscribed-0": 0])
            #expect(try await committed(context, "readers") == ["subscribed-1"])

            // Members of a non-consumer group have no subscriptions to check against.
            _ = try await joinStable(context, group: "workers", protocolType: "connect", topics: [])
            let nonConsumer = try await handler.response(to: request("workers", [("other", [0])]), version: 0)
            #expect(nonConsumer.errorCode == ErrorCode.nonEmptyGroup.rawValue)
        }
    }
}
