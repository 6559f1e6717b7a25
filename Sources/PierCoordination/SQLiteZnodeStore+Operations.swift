import Foundation
import GRDB

/// The znode operations as steps inside a write transaction; each appends the events watches fire on.
extension SQLiteZnodeStore {
    struct StoredNode {
        var data: [UInt8]
        var stat: ZnodeStat
    }

    static func node(at path: ZnodePath, _ db: Database) throws -> StoredNode? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: CoordinationSQL.Statement.znodeSelect), arguments: ["path": path.string]) else {
            return nil
        }
        let data: [UInt8] = (row["data"] as Data?).map { [UInt8]($0) } ?? []
        let stat = ZnodeStat(
            czxid: row["czxid"], mzxid: row["mzxid"], pzxid: row["pzxid"],
            ctimeMilliseconds: row["ctime_ms"], mtimeMilliseconds: row["mtime_ms"],
            version: row["version"], cversion: row["cversion"], ephemeralOwner: row["ephemeral_owner"],
            dataLength: Int32(data.count), numChildren: row["num_children"]
        )
        return StoredNode(data: data, stat: stat)
    }

    static func lastChangeSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: CoordinationSQL.Statement.changesLastSeq)) ?? 0
    }

    static func changes(after sequence: Int64, _ db: Database) throws -> [WatchRegistry.Change] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: CoordinationSQL.Statement.changesSince), arguments: ["after_seq": sequence, "limit": 100_000])
        return rows.compactMap { row in
            guard let kind = WatchedEvent.Kind(rawValue: row["kind"]) else { return nil }
            return WatchRegistry.Change(sequence: row["seq"], event: WatchedEvent(kind: kind, path: row["path"]))
        }
    }

    static func apply(_ operation: ZnodeOperation, zxid: Int64, now: Int64, _ db: Database) throws -> ZnodeOperationResult {
        switch operation {
        case let .create(path, data, mode, session):
            return .created(path: try create(path, data: data, mode: mode, session: session, zxid: zxid, now: now, db))
        case let .delete(path, version):
            try delete(path, version: version, zxid: zxid, db)
            return .deleted
        case let .setData(path, data, version):
            return .dataSet(try setData(path, data: data, version: version, zxid: zxid, now: now, db))
        case let .check(path, version):
            let node = try existingNode(path, db)
            try checkVersion(node, expected: version, path: path)
            return .checked
        }
    }

    static func create(
        _ path: String, data: [UInt8], mode: CreateMode, session: SessionID?, zxid: Int64, now: Int64, _ db: Database
    ) throws -> String {
        // A sequential name may end in "/" (ZooKeeper allows "/queue/"): validate it with its suffix.
        let requested = try ZnodePath(mode.isSequential ? path + "0000000000" : path)
        guard let parentPath = requested.parent else { throw ZnodeError.nodeExists("/") }
        guard let parent = try node(at: parentPath, db) else { throw ZnodeError.noNode(parentPath.string) }
        guard parent.stat.ephemeralOwner == 0 else { throw ZnodeError.noChildrenForEphemerals(parentPath.string) }
        var owner: Int64 = 0
        if mode.isEphemeral {
            guard let session, try isLive(session, now: now, db) else { throw ZnodeError.sessionExpired(session) }
            owner = session.rawValue
        }
        let actual = mode.isSequential
            ? ZnodePath(unchecked: path).appendingSequenceNumber(parent.stat.cversion)
            : requested
        guard try node(at: actual, db) == nil else { throw ZnodeError.nodeExists(actual.string) }
        try db.cachedStatement(sql: CoordinationSQL.Statement.znodeInsert).execute(arguments: [
            "path": actual.string, "parent": parentPath.string, "data": Data(data),
            "zxid": zxid, "now_ms": now, "ephemeral_owner": owner,
        ])
        try db.cachedStatement(sql: CoordinationSQL.Statement.znodeChildrenChanged).execute(arguments: ["path": parentPath.string, "zxid": zxid])
        try record(.created, actual.string, zxid: zxid, db)
        try record(.childrenChanged, parentPath.string, zxid: zxid, db)
        return actual.string
    }

    static func delete(_ path: String, version: Int32?, zxid: Int64, _ db: Database) throws {
        let znodePath = try ZnodePath(path)
        guard let parentPath = znodePath.parent else { throw ZnodeError.invalidPath("/ cannot be deleted") }
        let node = try existingNode(path, db)
        try checkVersion(node, expected: version, path: path)
        guard node.stat.numChildren == 0 else { throw ZnodeError.notEmpty(path) }
        try db.cachedStatement(sql: CoordinationSQL.Statement.znodeDelete).execute(arguments: ["path": path])
        try db.cachedStatement(sql: CoordinationSQL.Statement.znodeChildrenChanged).execute(arguments: ["path": parentPath.string, "zxid": zxid])
        try record(.deleted, path, zxid: zxid, db)
        try record(.childrenChanged, parentPath.string, zxid: zxid, db)
    }

    static func setData(_ path: String, data: [UInt8], version: Int32?, zxid: Int64, now: Int64, _ db: Database) throws -> ZnodeStat {
        let node = try existingNode(path, db)
        try checkVersion(node, expected: version, path: path)
        try db.cachedStatement(sql: CoordinationSQL.Statement.znodeUpdateData).execute(arguments: [
            "path": path, "data": Data(data), "zxid": zxid, "now_ms": now,
        ])
        try record(.dataChanged, path, zxid: zxid, db)
        var stat = node.stat
        stat.version += 1
        stat.mzxid = zxid
        stat.mtimeMilliseconds = now
        stat.dataLength = Int32(data.count)
        return stat
    }

    static func isLive(_ session: SessionID, now: Int64, _ db: Database) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: CoordinationSQL.Statement.sessionIsLive), arguments: ["id": session.rawValue, "now_ms": now]) == 1
    }

    /// Deletes the session's ephemeral nodes (deepest first; ephemerals have no children) and the session.
    static func endSession(_ session: SessionID, zxid: Int64, _ db: Database) throws {
        let paths = try String.fetchAll(db.cachedStatement(sql: CoordinationSQL.Statement.sessionEphemerals), arguments: ["id": session.rawValue])
        for path in paths {
            try delete(path, version: nil, zxid: zxid, db)
        }
        try db.cachedStatement(sql: CoordinationSQL.Statement.sessionDelete).execute(arguments: ["id": session.rawValue])
    }

    private static func existingNode(_ path: String, _ db: Database) throws -> StoredNode {
        guard let node = try node(at: try ZnodePath(path), db) else { throw ZnodeError.noNode(path) }
        return node
    }

    private static func checkVersion(_ node: StoredNode, expected: Int32?, path: String) throws {
        if let expected, expected != node.stat.version {
            throw ZnodeError.badVersion(path: path, expected: expected, actual: node.stat.version)
        }
    }

    private static func record(_ kind: WatchedEvent.Kind, _ path: String, zxid: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: CoordinationSQL.Statement.changeInsert).execute(arguments: ["zxid": zxid, "path": path, "kind": kind.rawValue])
    }
}
