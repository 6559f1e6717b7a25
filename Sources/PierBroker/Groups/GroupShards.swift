import Foundation
import PierProtocol
import PierStorage
import Synchronization

/// Where each group's state lives: `offsets.topic.num.partitions` SQLite shards under
/// `<data>/groups/`, a group in shard `abs(javaHashCode(groupID)) % count` — Kafka's mapping of
/// groups onto `__consumer_offsets` partitions, whose leaders coordinate their groups. Shards open
/// on first use.
///
/// Every change goes through `perform`: written to the shard's journal first (when it has one:
/// the `__consumer_offsets` partition, replicated to the shard's followers), then applied to the
/// shard's database, one change at a time per shard so both see the same order.
final class GroupShards: Sendable {
    let directory: String
    let count: Int
    private let stores = Mutex<[Int: GroupMetadataStore]>([:])
    private let journal = Mutex<(any GroupShardJournaling)?>(nil)
    private let changeGates: [ChangeGate]

    private final class ChangeGate: Sendable {
        let lock = Mutex(())
    }

    init(dataDirectory: String, count: Int) {
        directory = dataDirectory + "/groups"
        self.count = count
        changeGates = (0..<count).map { _ in ChangeGate() }
    }

    /// From now on changes are journaled there before they are applied.
    func journal(to journaling: any GroupShardJournaling) {
        journal.withLock { $0 = journaling }
    }

    /// Journals the change (when the shards have a journal), then applies it to the shard.
    @discardableResult
    func perform(_ operation: GroupOperation, shard: Int) throws -> GroupOperationOutcome {
        let journaling = journal.withLock { $0 }
        return try changeGates[shard].lock.withLock { _ in
            try journaling?.record(operation, shard: shard)
            return try store(shard: shard).apply(operation)
        }
    }

    @discardableResult
    func perform(_ operation: GroupOperation, groupID: String) throws -> GroupOperationOutcome {
        try perform(operation, shard: shard(of: groupID))
    }

    /// Replaces the shard's database with what `rebuild` writes into a new, empty one (a new
    /// coordinator replaying the journal), under the shard's change gate.
    func replace(shard: Int, _ rebuild: (GroupMetadataStore) throws -> Void) throws {
        try changeGates[shard].lock.withLock { _ in
            let path = path(of: shard)
            stores.withLock { $0.removeValue(forKey: shard) }?.close()
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.removeItem(atPath: path + suffix)
            }
            try rebuild(try store(shard: shard))
        }
    }

    /// Kafka's `Utils.abs(groupId.hashCode) % partitions`, with Java's `String.hashCode` over UTF-16 units.
    static func shard(of groupID: String, count: Int) -> Int {
        var hash: Int32 = 0
        for unit in groupID.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return Int(hash & 0x7fff_ffff) % count
    }

    func shard(of groupID: String) -> Int { Self.shard(of: groupID, count: count) }

    func path(of shard: Int) -> String { "\(directory)/shard-\(shard).sqlite" }

    func store(for groupID: String) throws(StorageError) -> GroupMetadataStore {
        try store(shard: shard(of: groupID))
    }

    func store(shard: Int) throws(StorageError) -> GroupMetadataStore {
        // Opened under the lock: two threads migrating the same new file would collide on SQLite's lock.
        try stores.withLock { stores throws(StorageError) -> GroupMetadataStore in
            if let open = stores[shard] { return open }
            let opened = try GroupMetadataStore(path: path(of: shard))
            stores[shard] = opened
            return opened
        }
    }

    /// Shards that exist on disk (the ones holding groups from earlier runs).
    func existingShards() -> [Int] {
        (0..<count).filter { FileManager.default.fileExists(atPath: path(of: $0)) }
    }

    func closeAll() {
        let all = stores.withLock { stores in
            defer { stores.removeAll() }
            return Array(stores.values)
        }
        for store in all { store.close() }
    }
}

/// Where group-shard changes are written before they count: the shard's `__consumer_offsets` partition.
protocol GroupShardJournaling: Sendable {
    /// Writes `operation` to the shard's journal and returns once the journal's in-sync replicas
    /// have it; throws `GroupShardUnavailable` when this broker does not (or no longer) coordinate the shard.
    func record(_ operation: GroupOperation, shard: Int) throws
}

/// The shard's journal cannot take the change here: another broker coordinates it, or its replicas
/// did not confirm in time. Clients are told `errorCode` and look for the coordinator again.
struct GroupShardUnavailable: Error, CustomStringConvertible {
    var shard: Int
    var errorCode: ErrorCode
    var reason: String
    var description: String { "group shard \(shard): \(reason)" }
}
