import Foundation
import NIOCore
import PierRecords
import Testing
@testable import PierStorage

@Suite struct SegmentConcurrencyAndTimeRollTests {
    @Test func concurrentAppendsAndReadsSeeContiguousIntactBatches() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let log = try SegmentPartitionLog(directory: directory.partition,
                                          configuration: SegmentFixtures.configuration(segmentBytes: 8 * 1024, indexIntervalBytes: 512))
        let writers = 4, appendsPerWriter = 100
        let failures = NSLock()
        nonisolated(unsafe) var problems: [String] = []
        DispatchQueue.concurrentPerform(iterations: writers + 2) { worker in
            do {
                if worker < writers {
                    for _ in 0..<appendsPerWriter {
                        _ = try log.append([SegmentFixtures.batch(count: 3)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
                    }
                } else {
                    // Readers: whatever they see must be whole batches with contiguous offsets.
                    for _ in 0..<200 {
                        let result = try log.read(from: log.logStartOffset, maxBytes: 4096, upperBound: nil)
                        let offsets = try SegmentFixtures.offsets(result)
                        if offsets != Array((offsets.first ?? 0)..<((offsets.first ?? 0) + Int64(offsets.count))) {
                            failures.withLock { problems.append("non-contiguous read \(offsets.prefix(10))") }
                        }
                    }
                }
            } catch {
                failures.withLock { problems.append("\(error)") }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        #expect(log.logEndOffset == Int64(writers * appendsPerWriter * 3))
        #expect(log.segmentBaseOffsets.count > 1)
        var next: Int64 = 0
        while next < log.logEndOffset {
            let offsets = try SegmentFixtures.offsets(log.read(from: next, maxBytes: 1 << 16, upperBound: nil))
            #expect(offsets.first == next)
            next = (offsets.last ?? next) + 1
        }
    }

    @Test func segmentMillisecondsRollsByRecordTimestampsAsKafkaDoes() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        var configuration = SegmentFixtures.configuration()
        configuration.segmentMilliseconds = 1_000
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        _ = try log.append([SegmentFixtures.batch(count: 1, timestamp: 10_000)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        _ = try log.append([SegmentFixtures.batch(count: 1, timestamp: 10_900)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        #expect(log.segmentBaseOffsets == [0])
        _ = try log.append([SegmentFixtures.batch(count: 1, timestamp: 11_001)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        #expect(log.segmentBaseOffsets == [0, 2])
    }

    @Test func segmentMillisecondsFallsBackToTheClockWithoutTimestamps() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let now = NSLock()
        nonisolated(unsafe) var clock: Int64 = 0
        var configuration = SegmentFixtures.configuration(clock: { now.withLock { clock } })
        configuration.segmentMilliseconds = 1_000
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: configuration)
        let timestampless = SegmentFixtures.batch(count: 1, timestamp: -1)
        _ = try log.append([timestampless], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        now.withLock { clock = 999 }
        _ = try log.append([timestampless], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        #expect(log.segmentBaseOffsets == [0])
        now.withLock { clock = 1_001 }
        _ = try log.append([timestampless], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        #expect(log.segmentBaseOffsets == [0, 2])
    }

    @Test func intervalFlushPolicyFsyncsAnIdleLogInTheBackground() throws {
        let directory = SegmentTestDirectory()
        defer { directory.remove() }
        let io = FaultInjectingFileIO()
        let log = try SegmentPartitionLog(directory: directory.partition, configuration: SegmentLogConfiguration(
            segmentMilliseconds: nil, flushPolicy: .interval(milliseconds: 50), fileIO: io))
        defer { try? log.close() }
        _ = try log.append([SegmentFixtures.batch(count: 1)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        let syncsAfterAppend = io.logSynchronizeCount
        // No further append: only the background flusher can fsync now.
        var waited = 0
        while io.logSynchronizeCount == syncsAfterAppend && waited < 2_000 {
            usleep(10_000)
            waited += 10
        }
        #expect(io.logSynchronizeCount == syncsAfterAppend + 1)
        usleep(150_000)
        #expect(io.logSynchronizeCount == syncsAfterAppend + 1, "nothing new was appended, so nothing more to flush")
    }
}
