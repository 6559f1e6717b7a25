import Foundation
import NIOCore
import PierRecords
import Testing
@testable import PierStorage

/// A full disk or failing fsync must cost the failed call only: nothing acknowledged is lost,
/// nothing unacknowledged is visible, and the log takes appends again once the disk has room.
@Suite struct SegmentFaultInjectionTests {
    static let leader = AppendRole.leader(leaderEpoch: 0, logAppendTime: nil)

    static func isWriteFailed(_ error: StorageError?) -> Bool {
        if case .writeFailed = error { return true }
        return false
    }

    /// Reopens with the real file system and returns every record offset, checking CRCs.
    static func offsetsAfterReopening(_ directory: SegmentTestDirectory) throws -> [Int64] {
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        defer { try? log.close() }
        return try SegmentFixtures.offsets(log.read(from: log.logStartOffset, maxBytes: 1 << 24, upperBound: nil))
    }

    @Test(arguments: [0, 30, 200])
    func diskFullDuringAnAppendLosesNothingAndTheLogRecovers(bytesWrittenBeforeFailure: Int) throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(fileIO: io))
        for _ in 0..<5 { _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader) }
        let sizeBefore = log.sizeInBytes

        io.failWrites(matching: { $0.hasSuffix(".log") }, bytesWrittenBeforeFailure: bytesWrittenBeforeFailure)
        let error = storageError { try log.append([SegmentFixtures.batch(count: 3), SegmentFixtures.batch(count: 3)], as: Self.leader) }
        #expect(Self.isWriteFailed(error))
        #expect(io.injectedFailures == 1)
        #expect(log.logEndOffset == 10)
        #expect(log.sizeInBytes == sizeBefore)
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<10))
        let file = try FileManager.default.attributesOfItem(atPath: directory.partition + "/00000000000000000000.log")
        #expect((file[.size] as? Int).map(Int64.init) == sizeBefore, "the partial write was cut off again")

        io.heal()
        #expect(try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader).baseOffsets == [10])
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<11))
        try log.close()
        #expect(try Self.offsetsAfterReopening(directory) == Array(0..<11))
    }

    @Test func diskFullWhenEvenCuttingBackFailsIsOverwrittenByTheNextAppend() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(fileIO: io))
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        io.failWrites(matching: { $0.hasSuffix(".log") }, bytesWrittenBeforeFailure: 45)
        io.failTruncateCalls()
        #expect(Self.isWriteFailed(storageError { try log.append([SegmentFixtures.batch(count: 4)], as: Self.leader) }))
        io.heal()
        #expect(try log.append([SegmentFixtures.batch(count: 4)], as: Self.leader).baseOffsets == [2])
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<6))
        // Crash without close: recovery must see the same.
        #expect(try Self.offsetsAfterReopening(directory) == Array(0..<6))
    }

    @Test func diskFullWhileRollingLeavesTheLogUsable() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let batchSize = SegmentFixtures.batch(count: 2).raw.readableBytes
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(segmentBytes: Int64(batchSize * 2), fileIO: io))
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        // The next append rolls, and sealing writes the index files: those fail.
        io.failWrites(matching: { $0.hasSuffix(".index") || $0.hasSuffix(".timeindex") })
        #expect(Self.isWriteFailed(storageError { try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader) }))
        #expect(log.logEndOffset == 4)
        io.heal()
        #expect(try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader).baseOffsets == [4])
        #expect(log.segmentBaseOffsets == [0, 4])
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == Array(0..<6))
        #expect(try Self.offsetsAfterReopening(directory) == Array(0..<6))
    }

    @Test func failedFsyncUnderFlushEveryAppendDoesNotAcknowledgeOrKeepTheBatch() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(flushPolicy: .everyAppend, fileIO: io))
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        io.failSynchronizeCalls()
        #expect(Self.isWriteFailed(storageError { try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader) }))
        #expect(log.logEndOffset == 2)
        io.heal()
        #expect(try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader).baseOffsets == [2])
        #expect(try Self.offsetsAfterReopening(directory) == Array(0..<3))
    }

    @Test func diskFullOnACheckpointKeepsTheOldValueInMemoryAndOnDisk() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration(fileIO: io))
        _ = try log.append([SegmentFixtures.batch(count: 5)], as: Self.leader)
        try log.updateHighWatermark(2)
        io.failWrites(matching: { $0.contains("checkpoint") }, bytesWrittenBeforeFailure: 1)
        #expect(Self.isWriteFailed(storageError { try log.updateHighWatermark(5) }))
        #expect(log.highWatermark == 2)
        #expect(Self.isWriteFailed(storageError { try log.deleteRecords(before: 3) }))
        #expect(log.logStartOffset == 0)
        #expect(Self.isWriteFailed(storageError { try log.assignLeaderEpoch(7, startOffset: 5) }))
        #expect(try log.endOffset(forLeaderEpoch: 7) == EpochEndOffset(epoch: 0, endOffset: 5))
        io.heal()
        // Crash here: the checkpoints on disk are the last ones that were written whole.
        let reopened = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentFixtures.configuration())
        #expect(reopened.highWatermark == 2)
        #expect(reopened.logStartOffset == 0)
        #expect(!directory.files().contains { $0.hasSuffix(".tmp") })
    }

    @Test func failedFsyncWhoseBatchesCannotBeCutOffIsStillNotVisible() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(flushPolicy: .everyAppend, fileIO: io))
        _ = try log.append([SegmentFixtures.batch(count: 2)], as: Self.leader)
        io.failSynchronizeCalls()
        io.failTruncateCalls()
        #expect(Self.isWriteFailed(storageError { try log.append([SegmentFixtures.batch(count: 3)], as: Self.leader) }))
        #expect(log.logEndOffset == 2)
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1])
        io.heal()
        #expect(try log.append([SegmentFixtures.batch(count: 1)], as: Self.leader).baseOffsets == [2])
        #expect(try SegmentFixtures.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1, 2])
        // What is left of the failed batch past the new one does not continue the log: recovery drops it.
        #expect(try Self.offsetsAfterReopening(directory) == [0, 1, 2])
    }
}
