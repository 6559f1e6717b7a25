import Foundation
import PierStorage
import Testing

@Suite struct GroupMetadataStoreTests {
    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "pier-groups-\(UUID().uuidString)/shard-0.sqlite"
    }

    private func member(_ id: String, instance: String? = nil, assignment: String) -> StoredGroup.Member {
        StoredGroup.Member(memberID: id, groupInstanceID: instance, clientID: "client-\(id)", clientHost: "/127.0.0.1",
                           sessionTimeoutMilliseconds: 10_000, rebalanceTimeoutMilliseconds: 30_000,
                           protocolMetadata: Array("subscription-\(id)".utf8), assignment: Array(assignment.utf8))
    }

    @Test func groupsAndOffsetsSurviveReopening() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let group = StoredGroup(groupID: "billing", protocolType: "consumer", protocolName: "range", generation: 3, leaderID: "m1",
                                state: "Stable", members: [member("m2", assignment: "P1"), member("m1", instance: "host-a", assignment: "P0")])
        do {
            let store = try GroupMetadataStore(path: path)
            try store.save(group, now: 1_000)
            try store.commit(groupID: "billing", offsets: [
                CommittedOffset(topic: "orders", partition: 0, offset: 42, leaderEpoch: 1, metadata: "m", commitTimestamp: 1_000),
                CommittedOffset(topic: "orders", partition: 1, offset: 7, commitTimestamp: 1_000),
            ])
            try store.commit(groupID: "billing", offsets: [CommittedOffset(topic: "orders", partition: 0, offset: 50, commitTimestamp: 2_000)])
            store.close()
        }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        #expect(try store.loadGroups() == [group])  // members keep their join order
        #expect(try store.offsets(groupID: "billing") == [
            CommittedOffset(topic: "orders", partition: 0, offset: 50, commitTimestamp: 2_000),
            CommittedOffset(topic: "orders", partition: 1, offset: 7, commitTimestamp: 1_000),
        ])
        #expect(try store.offsets(groupID: "other").isEmpty)
    }

    @Test func savingAGenerationReplacesItsMembers() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        var group = StoredGroup(groupID: "g", protocolType: "consumer", protocolName: "range", generation: 1, leaderID: "a",
                                state: "Stable", members: [member("a", assignment: "x"), member("b", assignment: "y")])
        try store.save(group, now: 1)
        group.generation = 2
        group.members = [member("a", assignment: "xy")]
        try store.save(group, now: 2)
        #expect(try store.loadGroups() == [group])
    }

    @Test func deletingAGroupTakesItsOffsetsAndOffsetDeleteIsSelective() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        try store.save(StoredGroup(groupID: "g", protocolType: nil, protocolName: nil, generation: 0, leaderID: nil, state: "Empty", members: []), now: 1)
        try store.commit(groupID: "g", offsets: (0..<3).map { CommittedOffset(topic: "t", partition: $0, offset: 10, commitTimestamp: 1) })
        try store.commit(groupID: "h", offsets: [CommittedOffset(topic: "u", partition: 0, offset: 1, commitTimestamp: 1)])
        try store.deleteOffsets(groupID: "g", partitions: [("t", 1)])
        #expect(try store.offsets(groupID: "g").map(\.partition) == [0, 2])
        try store.deleteOffsets(ofTopic: "u")
        #expect(try store.offsets(groupID: "h").isEmpty)
        try store.deleteGroup("g")
        #expect(try store.loadGroups().isEmpty)
        #expect(try store.offsets(groupID: "g").isEmpty)
    }

    @Test func expiryOnlyTouchesOldPositionsOfGroupsWithoutMembers() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        try store.save(StoredGroup(groupID: "active", protocolType: "consumer", protocolName: "range", generation: 1, leaderID: "a",
                                   state: "Stable", members: [member("a", assignment: "")]), now: 1)
        try store.commit(groupID: "active", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 100)])
        try store.commit(groupID: "abandoned", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 100),
                                                         CommittedOffset(topic: "t", partition: 1, offset: 1, commitTimestamp: 900)])
        #expect(try store.expireOffsets(committedBefore: 500) == 1)
        #expect(try store.offsets(groupID: "active").count == 1)
        #expect(try store.offsets(groupID: "abandoned").map(\.partition) == [1])
    }

    @Test func theCommittedOffsetsTableAnswersTheOperatorsQuery() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        try store.commit(groupID: "billing", offsets: [CommittedOffset(topic: "orders", partition: 2, offset: 99, commitTimestamp: 5)])
        store.close()
        let sqlite3 = try #require(SQLiteCLISchemaTests.sqlite3)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sqlite3)
        process.arguments = [path, "SELECT group_id, topic, partition, committed_offset FROM committed_offsets;"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "billing|orders|2|99\n")
    }
}
