import Foundation
import PierStorage
import Synchronization

/// Where each group's state lives: `offsets.topic.num.partitions` SQLite shards under
/// `<data>/groups/`, a group in shard `abs(javaHashCode(groupID)) % count` — Kafka's mapping of
/// groups onto `__consumer_offsets` partitions, so a cluster can later make each shard's leader
/// the coordinator of its groups. Shards open on first use.
final class GroupShards: Sendable {
    let directory: String
    let count: Int
    private let stores = Mutex<[Int: GroupMetadataStore]>([:])

    init(dataDirectory: String, count: Int) {
        directory = dataDirectory + "/groups"
        self.count = count
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
