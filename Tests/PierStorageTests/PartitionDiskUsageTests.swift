import Foundation
@testable import PierStorage
import Testing

/// A partition's size on disk as DescribeLogDirs reports it: the SQLite database, its write-ahead
/// log and its batch file less the hole retention leaves at its start (not the shared-memory index), or the segment engine's `.log` files (not indexes or checkpoints).
@Suite struct PartitionDiskUsageTests {
    private func directory(_ files: [String: Int]) throws -> String {
        let path = NSTemporaryDirectory() + "pier-disk-usage-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, size) in files {
            FileManager.default.createFile(atPath: path + "/" + name, contents: Data(count: size))
        }
        return path
    }

    @Test func sqliteCountsTheDatabaseAndItsWriteAheadLog() throws {
        let path = try directory(["partition.sqlite": 4096, "partition.sqlite-wal": 1000, "partition.sqlite-shm": 32768])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(PartitionDiskUsage.bytes(ofPartitionDirectory: path) == 5096)
    }

    @Test func sqliteCountsTheBatchFileWithoutTheHoleRetentionLeft() throws {
        let path = try directory(["partition.sqlite": 4096, "partition.sqlite-wal": 1000])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try WireBatchFile(directory: path)
        defer { file.close() }
        let batchBytes: Int64 = 3 * 4096 + 100, databaseBytes: Int64 = 5096
        try [UInt8](repeating: 7, count: Int(batchBytes)).withUnsafeBytes { try file.write($0, at: 0) }
        let whole = PartitionDiskUsage.bytes(ofPartitionDirectory: path)
        #expect(whole == databaseBytes + batchBytes)
        file.releaseSpace(before: 2 * 4096 + 10)
        #if os(Linux)
        // tmpfs and ext4 punch holes; a file system that cannot keeps the whole file counted.
        let held = PartitionDiskUsage.bytesHeld(byPossiblySparseFile: path + "/partition.batches")
        #expect(held == batchBytes - 2 * 4096 || held == batchBytes)
        #endif
        #expect((PartitionDiskUsage.bytes(ofPartitionDirectory: path) ?? .max) <= databaseBytes + batchBytes)
    }

    @Test func segmentsCountTheirLogFiles() throws {
        let path = try directory([
            "00000000000000000000.log": 700, "00000000000000000000.index": 80, "00000000000000000000.timeindex": 120,
            "00000000000000000042.log": 300, "leader-epoch-checkpoint": 20,
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(PartitionDiskUsage.bytes(ofPartitionDirectory: path) == 1000)
    }

    @Test func aDirectoryWithoutALogHasNoSize() throws {
        let path = try directory(["leader-epoch-checkpoint": 20])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(PartitionDiskUsage.bytes(ofPartitionDirectory: path) == nil)
        #expect(PartitionDiskUsage.bytes(ofPartitionDirectory: path + "/missing") == nil)
        let capacity = try #require(PartitionDiskUsage.capacity(ofDirectory: path))
        #expect(capacity.total > 0 && capacity.usable >= 0 && capacity.usable <= capacity.total)
    }
}
