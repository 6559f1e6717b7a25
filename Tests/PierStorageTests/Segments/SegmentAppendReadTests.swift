import NIOCore
import PierRecords
import Testing
@testable import PierStorage

@Suite struct SegmentAppendReadTests {
    @Test func leaderAppendAssignsContiguousOffsetsAndReadReturnsTheBatches() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        let first = try log.append([SegmentFixtures.batch(count: 3), SegmentFixtures.batch(count: 2)],
                                   as: .leader(leaderEpoch: 4, logAppendTime: nil))
        #expect(first.baseOffsets == [0, 3])
        #expect(first.lastOffset == 4)
        #expect(first.logAppendTime == nil)
        let second = try log.append([SegmentFixtures.batch(count: 1)], as: .leader(leaderEpoch: 4, logAppendTime: nil))
        #expect(second.baseOffsets == [5])
        #expect(log.logEndOffset == 6)

        let result = try log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)
        let batches = try SegmentFixtures.decode(result)
        #expect(batches.map(\.header.baseOffset) == [0, 3, 5])
        #expect(batches.allSatisfy { $0.header.partitionLeaderEpoch == 4 })
        #expect(batches[1].records.map { String(buffer: $0.value!) } == ["v0-" + String(repeating: "x", count: 20), "v1-" + String(repeating: "x", count: 20)])
        #expect(result.logEndOffset == 6)
        #expect(log.sizeInBytes == Int64(result.batches.readableBytes))
    }

    @Test func storedBytesAreTheReceivedBytesExceptBaseOffsetAndLeaderEpoch() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        let batch = SegmentFixtures.batch(count: 4, compression: .gzip)
        _ = try log.append([batch], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        let read = try log.read(from: 2, maxBytes: 1 << 20, upperBound: nil)
        var expected = batch.raw
        expected.setInteger(Int64(2), at: expected.readerIndex)
        expected.setInteger(Int32(0), at: expected.readerIndex + RecordBatchHeader.Offset.partitionLeaderEpoch)
        #expect(read.batches == expected)
    }

    @Test func logAppendTimeReplacesMaxTimestampAndKeepsTheCRCValid() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        let result = try log.append([SegmentFixtures.batch(count: 3)], as: .leader(leaderEpoch: 1, logAppendTime: 42_000))
        #expect(result.logAppendTime == 42_000)
        let batch = try #require(try SegmentFixtures.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)).first)
        #expect(batch.header.attributes.timestampType == .logAppendTime)
        #expect(batch.records.map { batch.timestamp(of: $0) } == [42_000, 42_000, 42_000])
    }

    @Test func readStartsAtTheBatchHoldingTheOffsetAndRespectsMaxBytesAndUpperBound() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        // A tiny index interval so that reads go through index lookups.
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(indexIntervalBytes: 100))
        for _ in 0..<50 { _ = try log.append([SegmentFixtures.batch(count: 4)], as: .leader(leaderEpoch: 0, logAppendTime: nil)) }
        let batchSize = SegmentFixtures.batch(count: 4).raw.readableBytes

        let middle = try SegmentFixtures.decode(log.read(from: 101, maxBytes: batchSize * 2, upperBound: nil))
        #expect(middle.map(\.header.baseOffset) == [100, 104])

        let tiny = try SegmentFixtures.decode(log.read(from: 37, maxBytes: 1, upperBound: nil))
        #expect(tiny.map(\.header.baseOffset) == [36], "at least one whole batch even when maxBytes is smaller")

        let bounded = try SegmentFixtures.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: 10))
        #expect(bounded.map(\.header.baseOffset) == [0, 4], "the batch holding offset 10 reaches the bound")

        for start in stride(from: Int64(0), to: 200, by: 13) {
            let first = try #require(try SegmentFixtures.decode(log.read(from: start, maxBytes: 1, upperBound: nil)).first)
            #expect(first.header.baseOffset <= start && start <= first.header.lastOffset)
        }
        #expect(try log.read(from: 200, maxBytes: 100, upperBound: nil).batches.readableBytes == 0)
    }

    @Test func readOutsideTheLogIsOffsetOutOfRange() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        _ = try log.append([SegmentFixtures.batch(count: 5)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        #expect(storageError { try log.read(from: 6, maxBytes: 100, upperBound: nil) }
            == .offsetOutOfRange(requested: 6, logStartOffset: 0, logEndOffset: 5))
        #expect(storageError { try log.read(from: -1, maxBytes: 100, upperBound: nil) }
            == .offsetOutOfRange(requested: -1, logStartOffset: 0, logEndOffset: 5))
    }

    @Test func followerAppendKeepsOffsetsAndRefusesAGap() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        let result = try log.append([SegmentFixtures.batch(count: 2, baseOffset: 0, leaderEpoch: 3),
                                     SegmentFixtures.batch(count: 3, baseOffset: 2, leaderEpoch: 3)], as: .follower)
        #expect(result.baseOffsets == [0, 2])
        #expect(storageError { try log.append([SegmentFixtures.batch(count: 1, baseOffset: 7)], as: .follower) }
            == .offsetMismatch(expected: 5, got: 7))
        // A later batch of a refused call must not have been written either.
        #expect(storageError { try log.append([SegmentFixtures.batch(count: 1, baseOffset: 5), SegmentFixtures.batch(count: 1, baseOffset: 9)], as: .follower) }
            == .offsetMismatch(expected: 6, got: 9))
        #expect(log.logEndOffset == 5)
        let batches = try SegmentFixtures.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(batches.map(\.header.partitionLeaderEpoch) == [3, 3])
    }

    @Test func corruptBatchIsRefusedAndNothingIsWritten() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        var damaged = SegmentFixtures.batch(count: 3)
        let last = damaged.raw.writerIndex - 1
        damaged.raw.setInteger(damaged.raw.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        let error = storageError { try log.append([SegmentFixtures.batch(count: 1), damaged], as: .leader(leaderEpoch: 0, logAppendTime: nil)) }
        guard case .corruptBatch = error else {
            Issue.record("expected corruptBatch, got \(String(describing: error))")
            return
        }
        var cut = SegmentFixtures.batch(count: 3)
        cut.raw = cut.raw.getSlice(at: 0, length: cut.raw.readableBytes - 1)!
        guard case .corruptBatch = storageError({ try log.append([cut], as: .leader(leaderEpoch: 0, logAppendTime: nil)) }) else {
            Issue.record("a truncated batch must be corruptBatch")
            return
        }
        #expect(log.logEndOffset == 0)
        #expect(log.sizeInBytes == 0)
    }

    @Test func closedLogRefusesCalls() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        try log.close()
        #expect(storageError { try log.append([SegmentFixtures.batch(count: 1)], as: .follower) } == .closed)
        #expect(storageError { try log.read(from: 0, maxBytes: 10, upperBound: nil) } == .closed)
    }
}
