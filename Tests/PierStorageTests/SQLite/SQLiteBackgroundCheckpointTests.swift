import Foundation
@testable import PierStorage
import Testing

/// The write-ahead log is copied back by `WALCheckpointer` while appends go on, so the WAL file
/// stays near the checkpoint threshold instead of growing to SQLite's backstop
/// (`PartitionDatabase.walAutocheckpointPages`, 64 MiB) between checkpoints run inside appends.
@Suite struct SQLiteBackgroundCheckpointTests {
    @Test func walStaysSmallWhileAppendsContinue() throws {
        let directory = ConformanceDirectory("sqlite-background-checkpoint")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        let walPath = directory.partition + "/" + PartitionDatabase.fileName + "-wal"
        // About 40 MiB of WAL in all: far past the threshold (4 MiB), under the backstop (64 MiB).
        for round in 0..<400 {
            _ = try log.append([ConformanceFixtures.batch(count: 500, valueSize: 40, label: "\(round)-")],
                               as: ConformanceFixtures.leader)
        }
        let walBytes = try #require(FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int)
        #expect(walBytes < 16 << 20, "WAL reached \(walBytes) bytes")
        #expect(log.logEndOffset == 200_000)
        #expect(try ConformanceFixtures.readAll(log, from: 199_990).count == 10)
    }
}
