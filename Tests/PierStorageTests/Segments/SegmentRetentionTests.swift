import NIOCore
import PierRecords
import Testing
@testable import PierStorage

@Suite struct SegmentRetentionTests {
    static let leader = AppendRole.leader(leaderEpoch: 0, logAppendTime: nil)

    /// 10 batches of 2 records, 2 batches per segment, batch i with timestamps 1000 + 100 i.
    static func makeLog(_ directory: SegmentTestDirectory) throws -> SegmentPartitionLog {
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 2)))
        for index in 0..<10 {
            _ = try log.append([SegmentFixtures.batch(count: 2, timestamp: 1_000 + Int64(index) * 100)], as: leader)
        }
        return log
    }

    @Test func timeRetentionDeletesWholeSegmentsOlderThanRetention() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        // Segment [4, 8) holds timestamps up to 1301: older than 2000 - 650 = 1350, [8, 12) is not.
        let outcome = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: 650, maxBytes: nil), now: 2_000)
        #expect(outcome == RetentionOutcome(deletedRecords: 8, newLogStartOffset: 8))
        #expect(log.segmentBaseOffsets == [8, 12, 16])
        #expect(!directory.files().contains("00000000000000000000.log"))
        #expect(storageError { try log.read(from: 7, maxBytes: 100, upperBound: nil) }
            == .offsetOutOfRange(requested: 7, logStartOffset: 8, logEndOffset: 20))
        #expect(try SegmentFixtures.offsets(log.read(from: 8, maxBytes: 1 << 20, upperBound: nil)) == Array(8..<20))
    }

    @Test func timeRetentionCanEmptyTheLogIncludingTheActiveSegment() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        let outcome = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: 10, maxBytes: nil), now: 1_000_000)
        #expect(outcome == RetentionOutcome(deletedRecords: 20, newLogStartOffset: 20))
        #expect(log.sizeInBytes == 0)
        #expect(log.logEndOffset == 20)
        #expect(try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader).baseOffsets == [20])
    }

    @Test func sizeRetentionDeletesOldestSegmentsWhileTooLarge() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        let segmentSize = Int64(SegmentFixtures.batch(count: 2).raw.readableBytes * 2)
        let outcome = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: segmentSize * 2 + 1), now: 0)
        #expect(outcome == RetentionOutcome(deletedRecords: 12, newLogStartOffset: 12))
        #expect(log.sizeInBytes == segmentSize * 2)
        #expect(try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: nil), now: 0).deletedRecords == 0)
    }

    @Test func deleteRecordsMovesTheLogStartPersistsItAndDropsWholeSegments() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        #expect(try log.deleteRecords(before: 9) == 9)
        #expect(log.segmentBaseOffsets == [8, 12, 16])
        #expect(try log.deleteRecords(before: 5) == 9, "the log start never moves back")
        #expect(storageError { try log.deleteRecords(before: 21) } == .offsetOutOfRange(requested: 21, logStartOffset: 9, logEndOffset: 20))
        #expect(try SegmentFixtures.decode(log.read(from: 9, maxBytes: 1, upperBound: nil)).first?.header.baseOffset == 8)
        try log.close()
        let reopened = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(reopened.logStartOffset == 9)
    }

    @Test func truncateDropsLaterSegmentsAndCutsTheOneHoldingTheOffset() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        try log.updateHighWatermark(18)
        try log.assignLeaderEpoch(1, startOffset: 0)
        try log.assignLeaderEpoch(2, startOffset: 10)
        try log.truncate(to: 10)
        #expect(log.logEndOffset == 10)
        #expect(log.highWatermark == 10)
        #expect(log.segmentBaseOffsets == [0, 4, 8])
        #expect(try log.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 1, endOffset: 10))
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<10))
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: 1_401, offset: 9))
        // Appending after truncation continues from the new end; a follower would now refetch.
        #expect(try log.append([SegmentFixtures.batch(count: 2, baseOffset: 10)], as: .follower).baseOffsets == [10])
        try log.close()
        let reopened = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(reopened.logEndOffset == 12)
    }

    @Test func truncateInsideABatchDropsTheWholeBatch() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try Self.makeLog(directory)
        try log.truncate(to: 5)
        #expect(log.logEndOffset == 4)
    }

    @Test func truncateRollsBackProducerState() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(segmentBytes: 300))
        for index in 0..<6 {
            _ = try log.append([SegmentFixtures.batch(count: 1, producerId: 5, producerEpoch: 0, baseSequence: Int32(index))], as: Self.leader)
        }
        try log.truncate(to: 3)
        #expect(try log.producerState(for: 5)?.recentBatches.map(\.firstSequence) == [0, 1, 2])
        try log.truncate(to: 1)
        #expect(try log.producerState(for: 5)?.recentBatches.map(\.firstSequence) == [0])
        try log.truncate(to: 0)
        #expect(try log.producerState(for: 5) == nil)
    }
}
