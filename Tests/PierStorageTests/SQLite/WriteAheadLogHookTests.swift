import GRDB
@testable import PierStorage
import Synchronization
import Testing

/// The WAL hook that replaces SQLite's automatic checkpoint: it checkpoints at the same kind of
/// threshold, times each checkpoint, and knows how many pages the WAL holds.
@Suite struct WriteAheadLogHookTests {
    final class Durations: Sendable {
        private let stored = Mutex<[Duration]>([])
        var all: [Duration] { stored.withLock { $0 } }
        func append(_ duration: Duration) { stored.withLock { $0.append(duration) } }
    }

    @Test func checkpointsOnceTheThresholdIsReachedAndReportsTheDuration() throws {
        let directory = ConformanceDirectory("wal-hook")
        defer { directory.remove() }
        let durations = Durations()
        let hook = WriteAheadLogHook(thresholdPages: 8, observer: durations.append)
        let queue = try PartitionDatabase.open(directory: directory.partition, options: SQLitePartitionLogOptions(), walHook: hook)
        defer { try? queue.close() }
        // The migrations already wrote more than 8 pages, so opening checkpointed at least once.
        let checkpointsWhileOpening = durations.all.count
        #expect(checkpointsWhileOpening >= 1)
        try queue.inDatabase { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        #expect(hook.pagesInLog > 0)
        // Each insert of 8 KiB writes at least two pages: 50 of them would leave 100+ pages in a WAL
        // nobody checkpoints; checkpointed at 8 pages, it keeps starting over.
        for _ in 0..<50 {
            try queue.inDatabase { try $0.execute(sql: "INSERT INTO filler VALUES (zeroblob(8192))") }
        }
        #expect(durations.all.count > checkpointsWhileOpening + 5)
        #expect(hook.pagesInLog < 40)
        #expect(durations.all.allSatisfy { $0 >= .zero && $0 < .seconds(10) })
    }

    @Test func aPartitionLogReportsItsWALAndItsFlushCheckpoints() throws {
        let directory = ConformanceDirectory("wal-hook-log")
        defer { directory.remove() }
        let durations = Durations()
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(checkpointObserver: durations.append))
        defer { try? log.close() }
        let before = log.writeAheadLogBytes
        _ = try log.append([ConformanceFixtures.batch(count: 100, valueSize: 500)], as: ConformanceFixtures.leader)
        #expect(log.writeAheadLogBytes > before)
        #expect(log.writeAheadLogBytes >= 100 * 500)
        #expect(log.writeAheadLogBytes % 4096 == 0)
        try log.flush()
        #expect(durations.all.count == 1)
    }
}
