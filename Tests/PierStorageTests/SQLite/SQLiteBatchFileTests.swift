import Foundation
import GRDB
import NIOCore
import PierRecords
import Testing
@testable import PierStorage

/// The batch file (`partition.batches`): fetches return the producer's bytes exactly, and a crash at
/// any point between the file write and the SQLite commit (or a machine crash that loses or damages
/// the file's tail) leaves a partition that opens as a consistent prefix of what was appended.
@Suite struct SQLiteBatchFileTests {
    typealias F = ConformanceFixtures

    /// One batch of every kind a fetch must return unchanged.
    static func assortedBatches() -> [AppendableBatch] {
        let t = F.baseTimestamp
        let plain = F.batch(count: 3, label: "plain-")
        let nulls = F.appendable(RecordBatch.make(records: [
            NewRecord(key: nil, value: ByteBuffer(string: "no key"), timestamp: t),
            NewRecord(key: ByteBuffer(string: "tombstone"), value: nil, timestamp: t + 1),
            NewRecord(key: ByteBuffer?.none, value: ByteBuffer?.none, timestamp: t + 2),
            NewRecord(key: ByteBuffer(), value: ByteBuffer(), timestamp: t + 3),
        ]))
        let headers = F.appendable(RecordBatch.make(records: [
            NewRecord(key: "k", value: "v", headers: [("utf8", "é"), ("null", nil), ("dup", "1"), ("dup", "2")], timestamp: t),
            NewRecord(key: ByteBuffer(string: "k2"), value: ByteBuffer(bytes: [0, 1, 2]),
                      headers: [RecordHeader(key: "bin", value: ByteBuffer(bytes: [0xFF, 0x00]))], timestamp: t + 5),
        ]))
        let gzip = F.batch(count: 20, compression: .gzip, label: "gzip-")
        let zstd = F.batch(count: 20, compression: .zstd, label: "zstd-")
        let transactional = F.batch(count: 2, producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true, label: "txn-")
        // A commit marker, as the transaction coordinator writes it: key (version, type), value (version, epoch).
        let control = F.appendable(RecordBatch.make(records: [
            NewRecord(key: ByteBuffer(bytes: [0, 0, 0, 1]), value: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0]), timestamp: t + 9),
        ], producerId: 7, producerEpoch: 0, isTransactional: true, isControl: true))
        return [plain, nulls, headers, gzip, zstd, transactional, control]
    }

    /// The bytes a fetch must return for `batch` appended at `baseOffset` by a leader of `leaderEpoch`.
    static func expectedBytes(of batch: AppendableBatch, baseOffset: Int64, leaderEpoch: Int32) -> ByteBuffer {
        var bytes = batch.raw
        bytes.setInteger(baseOffset, at: bytes.readerIndex + RecordBatchHeader.Offset.baseOffset)
        bytes.setInteger(leaderEpoch, at: bytes.readerIndex + RecordBatchHeader.Offset.partitionLeaderEpoch)
        return bytes
    }

    static func everything(_ log: SQLitePartitionLog) throws -> ByteBuffer {
        try log.read(from: log.logStartOffset, maxBytes: 64 << 20, upperBound: nil).batches
    }

    @Test func fetchReturnsEveryKindOfBatchByteExact() throws {
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        var expected = ByteBuffer()
        for batch in Self.assortedBatches() {
            let base = try log.append([batch], as: .leader(leaderEpoch: 3, logAppendTime: nil)).baseOffsets[0]
            expected.writeImmutableBuffer(Self.expectedBytes(of: batch, baseOffset: base, leaderEpoch: 3))
        }
        // LogAppendTime: the broker's time replaces the batch's max timestamp, and the CRC with it.
        let stamped = F.batch(count: 4, label: "lat-")
        let result = try log.append([stamped], as: .leader(leaderEpoch: 3, logAppendTime: 1_800_000_000_000))
        var stampedBytes = Self.expectedBytes(of: stamped, baseOffset: result.baseOffsets[0], leaderEpoch: 3)
        try RecordBatch.rewriteLogAppendTime(1_800_000_000_000, in: &stampedBytes)
        expected.writeImmutableBuffer(stampedBytes)
        #expect(try Self.everything(log) == expected)
        // Every batch decodes with a valid CRC, one at a time too (each read starting inside a batch).
        let decoded = try RecordBatchSequence(try Self.everything(log)).decodeAll()
        #expect(decoded.count == Self.assortedBatches().count + 1)
        #expect(decoded.last?.header.maxTimestamp == 1_800_000_000_000)
        for offset in 0..<log.logEndOffset {
            _ = try RecordBatchSequence(try log.read(from: offset, maxBytes: 1, upperBound: nil).batches).decodeAll()
        }
        // The bytes are in the batch file, not in the database.
        let file = directory.partition + "/" + WireBatchFile.fileName
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int == expected.readableBytes)
        let tails = try DatabaseQueue(path: directory.partition + "/partition.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM batches WHERE wire_tail IS NOT NULL OR wire_position IS NULL")
        }
        #expect(tails == 0)
    }

    @Test func followerBatchesAndReadsAcrossManyBatchesAreByteExact() throws {
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        var expected = ByteBuffer()
        var next: Int64 = 0
        for (index, batch) in (Self.assortedBatches() + Self.assortedBatches()).enumerated() {
            let leaderEpoch = Int32(index / 3)
            let bytes = Self.expectedBytes(of: batch, baseOffset: next, leaderEpoch: leaderEpoch)
            var copy = bytes
            let follower = AppendableBatch(raw: bytes, decoded: try RecordBatch(decoding: &copy))
            _ = try log.append([follower], as: .follower)
            expected.writeImmutableBuffer(bytes)
            next = follower.decoded.header.nextOffset
        }
        #expect(try Self.everything(log) == expected)
        // maxBytes cuts between batches, and what it returns is a prefix of the same bytes.
        let prefix = try log.read(from: 0, maxBytes: expected.readableBytes / 2, upperBound: nil).batches
        #expect(prefix.readableBytes > 0 && prefix.readableBytes <= expected.readableBytes / 2)
        #expect(prefix == expected.getSlice(at: expected.readerIndex, length: prefix.readableBytes))
    }

    // MARK: Crashes

    /// Appends `count` batches of 10 records, closes, and returns the bytes a fetch gave and each batch's end in the file.
    static func writePartition(_ directory: String, batches count: Int,
                               options: SQLitePartitionLogOptions = SQLitePartitionLogOptions()) throws -> (bytes: ByteBuffer, ends: [Int]) {
        let log = try SQLitePartitionLog(directory: directory, options: options)
        var ends: [Int] = []
        var total = 0
        for index in 0..<count {
            let batch = F.batch(count: 10, label: "b\(index)-")
            _ = try log.append([batch], as: F.leader)
            total += batch.raw.readableBytes
            ends.append(total)
        }
        let bytes = try everything(log)
        try log.close()
        return (bytes, ends)
    }

    static func batchFile(_ directory: String) -> String { directory + "/" + WireBatchFile.fileName }

    /// Writes `bytes` into the partition's batch file at `position`, as a crash could have left them.
    static func overwrite(_ directory: String, at position: Int, with bytes: Data) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: batchFile(directory)))
        try handle.seek(toOffset: UInt64(position))
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    /// After recovery the log holds `batches` whole batches of 10, reads them byte-exact, and takes
    /// (and fetches) a new append right after them.
    static func expectPrefix(_ directory: String, batches: Int, of written: (bytes: ByteBuffer, ends: [Int])) throws {
        let log = try SQLitePartitionLog(directory: directory)
        defer { try? log.close() }
        #expect(log.logEndOffset == Int64(batches * 10))
        let kept = batches == 0 ? 0 : written.ends[batches - 1]
        #expect(try FileManager.default.attributesOfItem(atPath: batchFile(directory))[.size] as? Int == kept)
        if batches > 0 { #expect(try everything(log) == written.bytes.getSlice(at: written.bytes.readerIndex, length: kept)) }
        let next = F.batch(count: 5, label: "after-")
        _ = try log.append([next], as: F.leader)
        var expected = written.bytes.getSlice(at: written.bytes.readerIndex, length: kept)!
        expected.writeImmutableBuffer(expectedBytes(of: next, baseOffset: Int64(batches * 10), leaderEpoch: 0))
        #expect(try everything(log) == expected)
    }

    @Test func bytesPastTheLastCommitAreCutOffOnOpen() throws {
        // A crash after the file write and before the commit: the file holds a batch the database does not.
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let written = try Self.writePartition(directory.partition, batches: 3)
        try Self.overwrite(directory.partition, at: written.ends[2], with: Data(F.batch(count: 10, label: "uncommitted-").raw.readableBytesView))
        try Self.expectPrefix(directory.partition, batches: 3, of: written)
    }

    @Test func aFileCutInsideACommittedBatchDropsThatBatch() throws {
        // A machine crash with flush policy `operatingSystem`: the commit reached the disk, part of the file did not.
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let written = try Self.writePartition(directory.partition, batches: 4)
        #expect(truncate(Self.batchFile(directory.partition), off_t(written.ends[2] + 7)) == 0)
        try Self.expectPrefix(directory.partition, batches: 3, of: written)
    }

    @Test func aDamagedTailDropsTheBatchesFromTheDamageOn() throws {
        // The file has its length but not all its bytes at the end (blocks allocated, never written):
        // zeros, or garbage, in the last two batches. Opening checks batches from the newest until one is whole.
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let written = try Self.writePartition(directory.partition, batches: 5)
        try Self.overwrite(directory.partition, at: written.ends[2] + 70, with: Data(repeating: 0, count: 40))
        try Self.overwrite(directory.partition, at: written.ends[3] + 1, with: Data([0x5A]))
        try Self.expectPrefix(directory.partition, batches: 3, of: written)
    }

    @Test func anEmptiedFileDropsEveryBatchInIt() throws {
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let written = try Self.writePartition(directory.partition, batches: 2)
        #expect(truncate(Self.batchFile(directory.partition), 0) == 0)
        try Self.expectPrefix(directory.partition, batches: 0, of: written)
    }

    // MARK: Partitions from before the batch file

    @Test func batchesKeptInTheDatabaseStillReadAndNewOnesGoToTheFile() throws {
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let old = try Self.writePartition(directory.partition, batches: 3,
                                          options: SQLitePartitionLogOptions(wireBatchStorage: .databaseColumn))
        // As a partition written before migration 009 (which only added the column).
        let inDatabase = try DatabaseQueue(path: directory.partition + "/partition.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM batches WHERE wire_tail IS NOT NULL AND wire_position IS NULL")
        }
        #expect(inDatabase == 3)
        try FileManager.default.removeItem(atPath: Self.batchFile(directory.partition))
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        #expect(try Self.everything(log) == old.bytes)
        let next = F.batch(count: 5, label: "after-")
        _ = try log.append([next], as: F.leader)
        var expected = old.bytes
        expected.writeImmutableBuffer(Self.expectedBytes(of: next, baseOffset: 30, leaderEpoch: 0))
        #expect(try Self.everything(log) == expected)
        // A read starting in the old batches runs on into the new one.
        #expect(try log.read(from: 25, maxBytes: 1 << 20, upperBound: nil).batches
                == expected.getSlice(at: old.ends[1], length: expected.readableBytes - old.ends[1]))
        #expect(try FileManager.default.attributesOfItem(atPath: Self.batchFile(directory.partition))[.size] as? Int
                == next.raw.readableBytes)
    }

    // MARK: Retention

    @Test func retentionGivesTheFileSpaceBackAndKeepsPositions() throws {
        let directory = SegmentTestDirectory("sqlite-batch-file")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(deletionChunkRecords: 100))
        defer { try? log.close() }
        for index in 0..<20 { _ = try log.append([F.batch(count: 100, valueSize: 200, label: "r\(index)-")], as: F.leader) }
        let before = try Self.everything(log)
        _ = try log.deleteRecords(before: 1500)
        let after = try Self.everything(log)
        #expect(after == before.getSlice(at: before.readableBytes - after.readableBytes, length: after.readableBytes))
        #expect(log.logStartOffset == 1500)
        #if os(Linux)
        var status = stat()
        #expect(stat(Self.batchFile(directory.partition), &status) == 0)
        // Blocks of 512 bytes: the file occupies about the last quarter of its length (tmpfs and ext4 punch holes).
        #expect(Int(status.st_blocks) * 512 < Int(status.st_size) / 2)
        #endif
    }
}
