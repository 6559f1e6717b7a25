import Foundation
import NIOCore
import PierRecords
import Testing
@testable import PierStorage

@Suite struct SegmentRollingAndRecoveryTests {
    static let leader = AppendRole.leader(leaderEpoch: 0, logAppendTime: nil)

    @Test func segmentsRollAtSegmentBytesWithKafkaFileNames() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let batchSize = SegmentFixtures.batch(count: 5).raw.readableBytes
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 3), indexIntervalBytes: 1))
        for _ in 0..<10 { _ = try log.append([SegmentFixtures.batch(count: 5)], as: Self.leader) }
        #expect(log.segmentBaseOffsets == [0, 15, 30, 45])
        let files = directory.files()
        #expect(files.contains("00000000000000000015.log"))
        #expect(files.contains("00000000000000000015.index"))
        #expect(files.contains("00000000000000000015.timeindex"))
        // A sealed segment's index has one entry per batch after the first (interval of 1 byte).
        let index = try Data(contentsOf: URL(fileURLWithPath: directory.partition + "/00000000000000000015.index"))
        #expect(index.count == 2 * OffsetIndex.entrySize)
        #expect(index.prefix(4) == Data([0, 0, 0, 9]), "relative last offset of the second batch")
        #expect(index.dropFirst(4).prefix(4) == Data([0, 0, 0, UInt8(batchSize)]), "position of the second batch")

        let all = try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(all == Array(0..<50))
        #expect(log.sizeInBytes == Int64(batchSize * 10))
    }

    @Test func reopeningAfterCloseRestoresEverything() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        let configuration = SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 2), indexIntervalBytes: 50)
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
            for index in 0..<7 {
                _ = try log.append([SegmentFixtures.batch(count: 2, producerId: 77, producerEpoch: 1, baseSequence: Int32(index * 2))],
                                   as: .leader(leaderEpoch: index < 3 ? 1 : 2, logAppendTime: nil))
            }
            try log.updateHighWatermark(9)
            try log.deleteRecords(before: 3)
            try log.close()
        }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        #expect(log.logStartOffset == 3)
        #expect(log.logEndOffset == 14)
        #expect(log.highWatermark == 9)
        #expect(try log.endOffset(forLeaderEpoch: 1) == EpochEndOffset(epoch: 1, endOffset: 6))
        #expect(try log.endOffset(forLeaderEpoch: 5) == EpochEndOffset(epoch: 2, endOffset: 14))
        let state = try #require(try log.producerState(for: 77))
        #expect(state.producerEpoch == 1)
        #expect(state.recentBatches.map(\.firstSequence) == [4, 6, 8, 10, 12])
        #expect(state.recentBatches.last?.lastOffset == 13)
        #expect(try SegmentFixtures.offsets(log.read(from: 3, maxBytes: 1 << 20, upperBound: nil)) == Array(2..<14),
                "the batch holding the log start is returned whole")
        _ = try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader)
        #expect(log.logEndOffset == 15)
    }

    @Test func recoveryCutsATornTailAndKeepsEveryWholeBatch() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let configuration = SegmentFixtures.configuration(indexIntervalBytes: 64)
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
            for _ in 0..<20 { _ = try log.append([SegmentFixtures.batch(count: 3)], as: Self.leader) }
            try log.flush()
            // No close: the process "dies" here, and half a batch lands after the last whole one.
            let torn = SegmentFixtures.batch(count: 3).raw
            let path = directory.partition + "/00000000000000000000.log"
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            handle.seekToEndOfFile()
            handle.write(Data(torn.readableBytesView.prefix(torn.readableBytes / 2)))
            try handle.close()
        }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        #expect(log.logEndOffset == 60)
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<60))
        let result = try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader)
        #expect(result.baseOffsets == [60])
        #expect(try SegmentFixtures.offsets(log.read(from: 55, maxBytes: 1 << 20, upperBound: nil)) == Array(54..<61))
    }

    @Test func recoveryCutsAtTheFirstBatchWithABadCRC() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
            for _ in 0..<6 { _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader) }
        }
        // Flip a byte inside the records of the fourth batch.
        let path = directory.partition + "/00000000000000000000.log"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[batchSize * 3 + 70] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: path))
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(log.logEndOffset == 6)
        #expect(log.sizeInBytes == Int64(batchSize * 3))
        #expect(try SegmentFixtures.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)).count == 3)
    }

    @Test func missingOrDamagedIndexesOfSealedSegmentsAreRebuilt() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        let configuration = SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 4), indexIntervalBytes: 1)
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
            for index in 0..<10 {
                _ = try log.append([SegmentFixtures.batch(count: 2, timestamp: 1_000 + Int64(index) * 10)], as: Self.leader)
            }
            try log.close()
        }
        try FileManager.default.removeItem(atPath: directory.partition + "/00000000000000000000.index")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory.partition + "/00000000000000000008.timeindex"))
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        for offset in Int64(0)..<20 {
            let first = try #require(try SegmentFixtures.decode(log.read(from: offset, maxBytes: 1, upperBound: nil)).first)
            #expect(first.header.baseOffset == offset - offset % 2)
        }
        #expect(try log.offset(forTimestamp: 1_045) == TimestampAndOffset(timestamp: 1_050, offset: 10))
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: 1_091, offset: 19))
        #expect(FileManager.default.fileExists(atPath: directory.partition + "/00000000000000000000.index"))
    }

    @Test func foreignOrDamagedFilesMakeTheStoreUnreadableWithoutCrashing() throws {
        func openError(_ prepare: (SegmentTestDirectory) throws -> Void) throws -> StorageError? {
            let directory = SegmentTestDirectory()
            defer { directory.remove() }
            do {
                let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
                _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
                try log.updateHighWatermark(2)
                try log.close()
            }
            try prepare(directory)
            return storageError { try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration()) }
        }
        func isUnreadable(_ error: StorageError?) -> Bool {
            if case .unreadableStore = error { return true }
            return false
        }
        #expect(isUnreadable(try openError { directory in
            try Data("hello".utf8).write(to: URL(fileURLWithPath: directory.partition + "/notes.txt"))
        }))
        #expect(isUnreadable(try openError { directory in
            try Data("0\nnot a number\n".utf8).write(to: URL(fileURLWithPath: directory.partition + "/high-watermark-checkpoint"))
        }))
        #expect(isUnreadable(try openError { directory in
            try Data("1\n2\n3 4\n5 6\n".utf8).write(to: URL(fileURLWithPath: directory.partition + "/leader-epoch-checkpoint"))
        }))
        #expect(isUnreadable(try openError { directory in
            // Someone else's file with a segment's name: refused, never truncated away.
            try Data(repeating: 0x41, count: 500).write(to: URL(fileURLWithPath: directory.partition + "/00000000000000000000.log"))
        }))
        #expect(isUnreadable(try openError { directory in
            try FileManager.default.removeItem(atPath: directory.partition)
            try Data("a file where the directory should be".utf8).write(to: URL(fileURLWithPath: directory.partition))
        }))
        // The foreign segment-named file is left as it was.
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.partition, withIntermediateDirectories: true)
        let foreign = Data(repeating: 0x41, count: 500)
        try foreign.write(to: URL(fileURLWithPath: directory.partition + "/00000000000000000000.log"))
        _ = storageError { try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration()) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.partition + "/00000000000000000000.log")) == foreign)
    }

    @Test func zeroFilledTailAfterPowerLossIsCutLikeATornWrite() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
            _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.partition + "/00000000000000000000.log"))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0, count: 4096))
        try handle.close()
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(log.logEndOffset == 2)
        #expect(log.sizeInBytes == Int64(SegmentFixtures.batch(count: 2).raw.readableBytes))
    }

    @Test func damageInsideASealedSegmentIsReportedAsUnreadableOnRead() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        let configuration = SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 3))
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
            for _ in 0..<6 { _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader) }
            try log.close()
        }
        // Overwrite the magic byte of the second batch of the first (sealed) segment.
        let path = directory.partition + "/00000000000000000000.log"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[batchSize + RecordBatchHeader.Offset.magic] = 1
        try bytes.write(to: URL(fileURLWithPath: path))
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        guard case .unreadableStore = storageError({ try log.read(from: 2, maxBytes: 1 << 20, upperBound: nil) }) else {
            Issue.record("a damaged sealed segment must read as unreadableStore")
            return
        }
        // The rest of the partition stays readable.
        #expect(try SegmentFixtures.offsets(log.read(from: 6, maxBytes: 1 << 20, upperBound: nil)) == Array(6..<12))
        #expect(try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader).baseOffsets == [12])
    }
}
