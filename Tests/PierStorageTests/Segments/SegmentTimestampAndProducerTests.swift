import NIOCore
import PierRecords
import Testing
@testable import PierStorage

@Suite struct SegmentTimestampAndProducerTests {
    static let leader = AppendRole.leader(leaderEpoch: 0, logAppendTime: nil)

    @Test func offsetForTimestampFindsTheEarliestRecordAtOrAfterItAcrossSegments() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(segmentBytes: 400, indexIntervalBytes: 1))
        // Timestamps are not monotonic, neither within nor across batches.
        let timestamps: [[Int64]] = [[100, 90, 300], [200, 250, 150], [500, 120, 410], [50, 60, 70], [700, 650, 999]]
        for batch in timestamps {
            _ = try log.append([SegmentFixtures.batch(count: 3, timestamps: batch)], as: Self.leader)
        }
        #expect(log.segmentBaseOffsets.count > 1)
        let flat = timestamps.flatMap { $0 }
        for target: Int64 in [0, 90, 91, 150, 201, 300, 301, 411, 501, 650, 700, 999] {
            let expected = flat.firstIndex { $0 >= target }.map { TimestampAndOffset(timestamp: flat[$0], offset: Int64($0)) }
            #expect(try log.offset(forTimestamp: target) == expected, "target \(target)")
        }
        #expect(try log.offset(forTimestamp: 1_000) == nil)
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: 999, offset: 14))
        try log.deleteRecords(before: 2)
        #expect(try log.offset(forTimestamp: 0) == TimestampAndOffset(timestamp: 300, offset: 2))
    }

    @Test func offsetOfMaxTimestampIsTheEarliestRecordCarryingIt() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(try log.offsetOfMaxTimestamp() == nil)
        _ = try log.append([SegmentFixtures.batch(count: 3, timestamps: [5, 9, 9])], as: Self.leader)
        _ = try log.append([SegmentFixtures.batch(count: 2, timestamps: [9, 1])], as: Self.leader)
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: 9, offset: 1))
    }

    @Test func producerStateKeepsTheLastFiveBatchesAndResetsOnANewEpoch() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        for index in 0..<7 {
            _ = try log.append([SegmentFixtures.batch(count: 3, producerId: 9, producerEpoch: 2, baseSequence: Int32(index * 3))], as: Self.leader)
        }
        let state = try #require(try log.producerState(for: 9))
        #expect(state.recentBatches.count == 5)
        #expect(state.recentBatches.first == ProducerState.BatchMetadata(firstSequence: 6, lastSequence: 8, firstOffset: 6, lastOffset: 8,
                                                                          timestamp: SegmentFixtures.baseTimestamp + 2))
        _ = try log.append([SegmentFixtures.batch(count: 1, producerId: 9, producerEpoch: 3, baseSequence: 0)], as: Self.leader)
        #expect(try log.producerState(for: 9)?.recentBatches.map(\.firstOffset) == [21])
        #expect(try log.producerState(for: 9)?.producerEpoch == 3)
        #expect(try log.producerState(for: 1234) == nil)
    }

    @Test func producerStateSurvivesACrashAndRetention() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let configuration = SegmentFixtures.configuration(segmentBytes: 250)
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
            _ = try log.append([SegmentFixtures.batch(count: 1, producerId: 1, producerEpoch: 0, baseSequence: 0)], as: Self.leader)
            for index in 0..<8 {
                _ = try log.append([SegmentFixtures.batch(count: 1, producerId: 2, producerEpoch: 0, baseSequence: Int32(index))], as: Self.leader)
            }
            try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: 300), now: 0)
            #expect(log.logStartOffset > 0)
            // No close: what survives is the snapshot taken at the last roll plus the log after it.
        }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        #expect(try log.producerState(for: 1)?.recentBatches.map(\.firstOffset) == [0])
        #expect(try log.producerState(for: 2)?.recentBatches.map(\.firstSequence) == [3, 4, 5, 6, 7])
    }

    @Test func leaderEpochCacheFollowsAssignmentsAndAppends() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(try log.endOffset(forLeaderEpoch: 0) == nil)
        _ = try log.append([SegmentFixtures.batch(count: 3)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        try log.assignLeaderEpoch(3, startOffset: 3)
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: .leader(leaderEpoch: 3, logAppendTime: nil))
        #expect(try log.endOffset(forLeaderEpoch: 0) == nil)
        #expect(try log.endOffset(forLeaderEpoch: 1) == EpochEndOffset(epoch: 1, endOffset: 3))
        #expect(try log.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 1, endOffset: 3))
        #expect(try log.endOffset(forLeaderEpoch: 3) == EpochEndOffset(epoch: 3, endOffset: 5))
        // A new leader's epoch arriving with its first batch starts the epoch there.
        _ = try log.append([SegmentFixtures.batch(count: 1)], as: .leader(leaderEpoch: 4, logAppendTime: nil))
        #expect(try log.endOffset(forLeaderEpoch: 3) == EpochEndOffset(epoch: 3, endOffset: 5))
        #expect(try log.endOffset(forLeaderEpoch: 9) == EpochEndOffset(epoch: 4, endOffset: 6))
    }

    @Test func highWatermarkIsClampedToTheLogAndPersisted() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
            _ = try log.append([SegmentFixtures.batch(count: 4)], as: Self.leader)
            try log.updateHighWatermark(100)
            #expect(log.highWatermark == 4)
            try log.updateHighWatermark(3)
            #expect(log.highWatermark == 3)
            // Not closed: the checkpoint alone must carry it.
        }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(log.highWatermark == 3)
        #expect(try log.read(from: 0, maxBytes: 1 << 20, upperBound: log.highWatermark).batches.readableBytes == 0,
                "the only batch reaches past the high watermark")
    }

    @Test func highWatermarkIsFsyncedOnlyAsOftenAsTheDataUnlessEveryAppend() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let isHighWatermarkFile: (String) -> Bool = { $0.contains("high-watermark-checkpoint") }
        do {
            let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(fileIO: io))
            _ = try log.append([SegmentFixtures.batch(count: 5)], as: Self.leader)
            for offset in Int64(1)...5 { try log.updateHighWatermark(offset) }
            #expect(io.synchronizeCount(matching: isHighWatermarkFile) == 0, "no fsync per update under the OS flush policy")
            try log.updateHighWatermark(4)
            try log.flush()
            #expect(io.synchronizeCount(matching: isHighWatermarkFile) == 1, "flush makes the high watermark durable too")
            try log.updateHighWatermark(3)
            // Dropped without close, as in a process crash: the renamed checkpoint is still there.
        }
        let reopened = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(reopened.highWatermark == 3)
        try reopened.close()

        let durableIO = FaultInjectingFileIO()
        let durable = try SegmentPartitionLog(directory: directory.partition,
                                              configuration: SegmentFixtures.configuration(flushPolicy: .everyAppend, fileIO: durableIO))
        try durable.updateHighWatermark(5)
        #expect(durableIO.synchronizeCount(matching: isHighWatermarkFile) == 1)
    }
}
