import Foundation
import GRDB
@testable import PierStorage
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

    /// Kafka returns committed metadata byte for byte: NULs inside or alone, '' and null each stay
    /// what they were, after a reopen too, and the text in the database is the full text.
    @Test func offsetMetadataKeepsEveryByte() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let cases: [String?] = ["a\u{0}b", "", nil, "\u{0}", "plain", "\u{FC}\u{0}\u{20AC}", "tail\u{0}"]
        let offsets = cases.enumerated().map { index, metadata in
            CommittedOffset(topic: "t", partition: Int32(index), offset: 10, leaderEpoch: Int32(index), metadata: metadata, commitTimestamp: 1)
        }
        do {
            let store = try GroupMetadataStore(path: path)
            try store.commit(groupID: "g", offsets: offsets)
            #expect(try store.offsets(groupID: "g") == offsets)
            store.close()
        }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        #expect(try store.offsets(groupID: "g").map(\.metadata) == cases)
        #expect(try store.offsets(groupID: "g").map(\.leaderEpoch) == cases.indices.map { Int32($0) })
        // What an operator's sqlite3 sees: text (NULL only for null) of the committed length.
        let rows = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT typeof(metadata) AS type, length(CAST(metadata AS BLOB)) AS bytes FROM committed_offsets ORDER BY partition")
        }
        #expect(rows.map { $0["type"] as String } == ["text", "text", "null", "text", "text", "text", "text"])
        #expect(rows.map { $0["bytes"] as Int? } == [3, 0, nil, 1, 5, 6, 5])
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

    @Test func expiryCountsFromTheLaterOfTheCommitAndTheGroupBecomingEmpty() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        // Empty since 1_000: a position committed before then counts from 1_000, one committed after from its commit.
        try store.commit(groupID: "emptied", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 500),
                                                       CommittedOffset(topic: "t", partition: 1, offset: 1, commitTimestamp: 2_000)])
        #expect(try store.expireOffsets(groupID: "emptied", emptySince: 1_000, now: 1_999, retentionMilliseconds: 1_000) == (0, 2))
        #expect(try store.expireOffsets(groupID: "emptied", emptySince: 1_000, now: 2_000, retentionMilliseconds: 1_000) == (1, 1))
        #expect(try store.offsets(groupID: "emptied").map(\.partition) == [1])
        #expect(try store.expireOffsets(groupID: "emptied", emptySince: 1_000, now: 3_000, retentionMilliseconds: 1_000) == (1, 0))

        // Never had members: the commit time alone counts; other groups are untouched.
        try store.commit(groupID: "standalone", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 100),
                                                          CommittedOffset(topic: "t", partition: 1, offset: 1, commitTimestamp: 200)])
        try store.commit(groupID: "other", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 0)])
        #expect(try store.expireOffsets(groupID: "standalone", emptySince: nil, now: 1_100, retentionMilliseconds: 1_000) == (1, 1))
        #expect(try store.offsets(groupID: "other").count == 1)
    }

    @Test func anExplicitExpiryWinsOverTheRetentionEitherWay() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        try store.commit(groupID: "g", offsets: [
            CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 1_000, expireTimestamp: 1_500),    // sooner
            CommittedOffset(topic: "t", partition: 1, offset: 1, commitTimestamp: 1_000, expireTimestamp: 9_000),    // later
            CommittedOffset(topic: "t", partition: 2, offset: 1, commitTimestamp: 1_000),                            // the default
        ])
        #expect(try store.expireOffsets(groupID: "g", emptySince: nil, now: 1_500, retentionMilliseconds: 5_000) == (1, 2))
        #expect(try store.expireOffsets(groupID: "g", emptySince: nil, now: 6_000, retentionMilliseconds: 5_000) == (1, 1))
        #expect(try store.offsets(groupID: "g").map(\.partition) == [1])
        #expect(try store.expireOffsets(groupID: "g", emptySince: nil, now: 8_999, retentionMilliseconds: 5_000) == (0, 1))
        #expect(try store.expireOffsets(groupID: "g", emptySince: nil, now: 9_000, retentionMilliseconds: 5_000) == (1, 0))
    }

    @Test func expiryTimestampsSurviveReopening() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let emptied = StoredGroup(groupID: "g", protocolType: nil, protocolName: nil, generation: 2, leaderID: nil, state: "Empty",
                                  members: [], emptySince: 4_321)
        let offset = CommittedOffset(topic: "t", partition: 0, offset: 3, commitTimestamp: 1_000, expireTimestamp: 8_765)
        do {
            let store = try GroupMetadataStore(path: path)
            try store.save(emptied, now: 5_000)
            try store.commit(groupID: "g", offsets: [offset])
            store.close()
        }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        #expect(try store.loadGroups() == [emptied])
        #expect(try store.offsets(groupID: "g") == [offset])
    }

    @Test func groupsStoredBeforeExpiryCountFromTheirLastSaveIfTheyHadMembers() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // The schema as migrations 001 and 002 left it, as GRDB records them.
        var script = "PRAGMA journal_mode = WAL;\nCREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);\n"
        for migration in GroupSQL.migrations where migration.identifier < "003" {
            script += migration.sql + "\nINSERT INTO grdb_migrations VALUES ('\(migration.identifier)');\n"
        }
        script += """
            INSERT INTO groups (group_id, generation, state, updated_ms) VALUES ('emptied', 3, 'Empty', 777), ('standalone', 0, 'Empty', 888);
            INSERT INTO committed_offsets (group_id, topic, partition, committed_offset, commit_timestamp_ms) VALUES ('emptied', 't', 0, 5, 100);
            """
        let created = try SQLiteCLISchemaTests.run(path, script)
        try #require(created.status == 0, "\(created.output)")
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        #expect(try store.loadGroups().map { "\($0.groupID):\($0.emptySince.map(String.init) ?? "nil")" } == ["emptied:777", "standalone:nil"])
        #expect(try store.offsets(groupID: "emptied") == [CommittedOffset(topic: "t", partition: 0, offset: 5, commitTimestamp: 100)])
    }

    @Test func anExpiredGroupGoesOnlyWithoutOffsets() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try GroupMetadataStore(path: path)
        defer { store.close() }
        try store.save(StoredGroup(groupID: "g", protocolType: nil, protocolName: nil, generation: 1, leaderID: nil, state: "Empty",
                                   members: [], emptySince: 1), now: 1)
        try store.commit(groupID: "g", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestamp: 1)])
        #expect(try store.deleteGroupIfNoOffsets("g") == false)
        #expect(try store.loadGroups().map(\.groupID) == ["g"])
        try store.deleteOffsets(groupID: "g", partitions: [("t", 0)])
        #expect(try store.deleteGroupIfNoOffsets("g") == true)
        #expect(try store.loadGroups().isEmpty)
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
