import Foundation
import GRDB

/// One shard of consumer-group state in its own SQLite database (WAL): groups, their members and
/// committed offsets (`schema/sqlite/groups`). Groups map to shards by a hash of the group id, as
/// Kafka maps them to `__consumer_offsets` partitions, so that in a cluster each shard's leader is
/// the coordinator of its groups (docs/groups.md).
///
/// Thread-safe: every call runs on the database's serial queue; commits are one transaction each.
public final class GroupMetadataStore: Sendable {
    public let path: String
    private let queue: DatabaseQueue

    public init(path: String) throws(StorageError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.foreignKeysEnabled = true
            configuration.label = path
            // Another process (an operator's sqlite3, a second broker) may hold the file briefly.
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            for migration in GroupSQL.migrations {
                migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
            }
            try migrator.migrate(queue)
        } catch {
            throw SQLiteFailure.storageError(error, context: "opening \(path)")
        }
    }

    private func write<T>(_ context: String, _ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try queue.write(body)
        } catch {
            throw SQLiteFailure.storageError(error, context: context)
        }
    }

    private func read<T>(_ context: String, _ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw SQLiteFailure.storageError(error, context: context)
        }
    }

    // MARK: Groups

    /// Replaces the group's row and members in one transaction.
    public func save(_ group: StoredGroup, now: Int64) throws(StorageError) {
        try write("saving group \(group.groupID)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.groupUpsert).execute(arguments: [
                "group_id": group.groupID, "protocol_type": group.protocolType, "protocol_name": group.protocolName,
                "generation": group.generation, "leader_id": group.leaderID, "state": group.state, "now_ms": now,
                "empty_since_ms": group.emptySince,
            ])
            try db.cachedStatement(sql: GroupSQL.Statement.groupMembersDelete).execute(arguments: ["group_id": group.groupID])
            let insert = try db.cachedStatement(sql: GroupSQL.Statement.groupMemberInsert)
            for (order, member) in group.members.enumerated() {
                try insert.execute(arguments: [
                    "group_id": group.groupID, "member_id": member.memberID, "join_order": order,
                    "group_instance_id": member.groupInstanceID, "client_id": member.clientID, "client_host": member.clientHost,
                    "session_timeout_ms": member.sessionTimeoutMilliseconds, "rebalance_timeout_ms": member.rebalanceTimeoutMilliseconds,
                    "protocol_metadata": Data(member.protocolMetadata), "assignment": Data(member.assignment),
                ])
            }
        }
    }

    /// Removes the group, its members and its committed offsets.
    public func deleteGroup(_ groupID: String) throws(StorageError) {
        try write("deleting group \(groupID)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.offsetsDeleteGroup).execute(arguments: ["group_id": groupID])
            try db.cachedStatement(sql: GroupSQL.Statement.groupDelete).execute(arguments: ["group_id": groupID])
        }
    }

    /// Every group of the shard with its members, for loading at start.
    public func loadGroups() throws(StorageError) -> [StoredGroup] {
        try read("loading groups") { db in
            var members: [String: [StoredGroup.Member]] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: GroupSQL.Statement.groupMembersAll)) {
                members[row["group_id"], default: []].append(StoredGroup.Member(
                    memberID: row["member_id"], groupInstanceID: row["group_instance_id"], clientID: row["client_id"],
                    clientHost: row["client_host"], sessionTimeoutMilliseconds: row["session_timeout_ms"],
                    rebalanceTimeoutMilliseconds: row["rebalance_timeout_ms"],
                    protocolMetadata: [UInt8](row["protocol_metadata"] as Data), assignment: [UInt8](row["assignment"] as Data)
                ))
            }
            return try Row.fetchAll(db.cachedStatement(sql: GroupSQL.Statement.groupsAll)).map { row in
                let groupID: String = row["group_id"]
                return StoredGroup(groupID: groupID, protocolType: row["protocol_type"], protocolName: row["protocol_name"],
                                   generation: row["generation"], leaderID: row["leader_id"], state: row["state"],
                                   members: members[groupID] ?? [], emptySince: row["empty_since_ms"])
            }
        }
    }

    // MARK: Offsets

    /// Stores the positions in one transaction: all or none, as OffsetCommit expects.
    public func commit(groupID: String, offsets: [CommittedOffset]) throws(StorageError) {
        try write("committing offsets of \(groupID)") { db in
            let upsert = try db.cachedStatement(sql: GroupSQL.Statement.offsetUpsert)
            for offset in offsets {
                try upsert.execute(arguments: [
                    "group_id": groupID, "topic": offset.topic, "partition": offset.partition,
                    "committed_offset": offset.offset, "leader_epoch": offset.leaderEpoch, "metadata": ExactText.binding(offset.metadata),
                    "commit_timestamp_ms": offset.commitTimestamp, "expire_timestamp_ms": offset.expireTimestamp,
                ])
            }
        }
    }

    /// The group's committed positions, by topic and partition.
    public func offsets(groupID: String) throws(StorageError) -> [CommittedOffset] {
        try read("reading offsets of \(groupID)") { db in
            try Row.fetchAll(db.cachedStatement(sql: GroupSQL.Statement.offsetsForGroup), arguments: ["group_id": groupID]).map { row in
                CommittedOffset(topic: row["topic"], partition: row["partition"], offset: row["committed_offset"],
                                leaderEpoch: row["leader_epoch"], metadata: ExactText.read(row["metadata"]), commitTimestamp: row["commit_timestamp_ms"],
                                expireTimestamp: row["expire_timestamp_ms"])
            }
        }
    }

    /// OffsetDelete: forgets the listed positions.
    public func deleteOffsets(groupID: String, partitions: [(topic: String, partition: Int32)]) throws(StorageError) {
        try write("deleting offsets of \(groupID)") { db in
            let delete = try db.cachedStatement(sql: GroupSQL.Statement.offsetDelete)
            for entry in partitions {
                try delete.execute(arguments: ["group_id": groupID, "topic": entry.topic, "partition": entry.partition])
            }
        }
    }

    /// Drops the positions of a deleted topic.
    public func deleteOffsets(ofTopic topic: String) throws(StorageError) {
        try write("deleting offsets of topic \(topic)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.offsetsDeleteTopic).execute(arguments: ["topic": topic])
        }
    }

    /// `offsets.retention.minutes` (KIP-211) for one group without members: drops the positions whose
    /// explicit expiry passed or, without one, whose commit and `emptySince` are both older than
    /// `retentionMilliseconds`. Returns how many went and how many the group still has.
    public func expireOffsets(groupID: String, emptySince: Int64?, now: Int64,
                              retentionMilliseconds: Int64) throws(StorageError) -> (expired: Int, remaining: Int) {
        try write("expiring offsets of \(groupID)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.offsetsExpireGroup).execute(arguments: [
                "group_id": groupID, "empty_since_ms": emptySince, "now_ms": now, "retention_ms": retentionMilliseconds,
            ])
            let expired = db.changesCount
            let remaining = try Int.fetchOne(db.cachedStatement(sql: GroupSQL.Statement.offsetsCountGroup), arguments: ["group_id": groupID]) ?? 0
            return (expired, remaining)
        }
    }

    /// Expires the positions of a group with members for topics outside `subscribedTopics`; returns how many went.
    public func expireUnsubscribedOffsets(groupID: String, subscribedTopics: Set<String>, now: Int64,
                                          retentionMilliseconds: Int64) throws(StorageError) -> Int {
        // An array of strings always encodes; were it not to, expiring nothing is the safe answer.
        guard let encoded = try? JSONSerialization.data(withJSONObject: subscribedTopics.sorted()),
              let topics = String(data: encoded, encoding: .utf8) else { return 0 }
        return try write("expiring unsubscribed offsets of \(groupID)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.offsetsExpireGroupUnsubscribed).execute(arguments: [
                "group_id": groupID, "subscribed_topics": topics, "now_ms": now, "retention_ms": retentionMilliseconds,
            ])
            return db.changesCount
        }
    }

    /// Removes a group whose offsets all expired, unless a commit gave it new ones meanwhile;
    /// returns whether it went.
    @discardableResult
    public func deleteGroupIfNoOffsets(_ groupID: String) throws(StorageError) -> Bool {
        try write("removing expired group \(groupID)") { db in
            try db.cachedStatement(sql: GroupSQL.Statement.groupDeleteIfNoOffsets).execute(arguments: ["group_id": groupID])
            return db.changesCount > 0
        }
    }

    public func close() {
        try? queue.close()
    }
}
