import Foundation
import NIOCore
import PierRecords
import PierStorage
import Testing

/// Behaviours about threads, follower truncation and process crashes.
extension PartitionLogConformance {
    private typealias F = ConformanceFixtures

    /// The broker appends and fetches from several event loops at once: offsets must come out
    /// contiguous, each append's batches together, and readers must never see a partial batch.
    func concurrentAppendsStayContiguous(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let writers = 4, appendsPerWriter = 50
        let lock = NSLock()
        nonisolated(unsafe) var problems: [String] = []
        nonisolated(unsafe) var baseOffsets: [Int64] = []
        DispatchQueue.concurrentPerform(iterations: writers + 1) { worker in
            do {
                if worker < writers {
                    for _ in 0..<appendsPerWriter {
                        let result = try log.append([F.batch(count: 2, label: "w\(worker)-"), F.batch(count: 1, label: "w\(worker)-")], as: F.leader)
                        lock.withLock { baseOffsets.append(contentsOf: result.baseOffsets) }
                        if result.baseOffsets.count != 2 || result.baseOffsets[1] != result.baseOffsets[0] + 2 {
                            lock.withLock { problems.append("append got \(result.baseOffsets)") }
                        }
                    }
                } else {
                    for _ in 0..<100 {
                        let offsets = try F.offsets(log.read(from: log.logStartOffset, maxBytes: 2048, upperBound: nil))
                        if offsets != Array(0..<Int64(offsets.count)) {
                            lock.withLock { problems.append("read saw \(offsets.prefix(8))…") }
                        }
                    }
                }
            } catch {
                lock.withLock { problems.append("\(error)") }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        #expect(log.logEndOffset == Int64(writers * appendsPerWriter * 3))
        #expect(Set(baseOffsets).count == writers * appendsPerWriter * 2)
        let all = try F.readAll(log)
        #expect(all.map(\.offset) == Array(0..<Int64(writers * appendsPerWriter * 3)))
        // Both batches of an append hold the same writer's records, next to each other.
        for pair in stride(from: 0, to: all.count, by: 3) {
            let labels = all[pair..<(pair + 3)].map { String(buffer: $0.record.key!).prefix(3) }
            #expect(Set(labels).count == 1, "append at \(pair) mixes writers: \(labels)")
        }
    }

    /// A follower that truncates its diverged tail must also forget the producer batches in it,
    /// or it would reject (or wrongly deduplicate) the leader's batches that replace them.
    func truncateRollsBackProducerState(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        for index in 0..<6 {
            _ = try log.append([F.batch(count: 2, producerId: 31, producerEpoch: 0, baseSequence: Int32(index * 2))], as: F.leader)
        }
        try log.truncate(to: 6)
        let state = try #require(try log.producerState(for: 31))
        #expect(state.recentBatches.map(\.firstSequence) == [0, 2, 4])
        #expect(state.recentBatches.last?.lastOffset == 5)
        try log.truncate(to: 0)
        #expect(try log.producerState(for: 31) == nil)
        #expect(log.logEndOffset == 0)
        #expect(try log.append([F.batch(count: 1, baseOffset: 0)], as: .follower).baseOffsets == [0])
    }

    /// A process crash (no `close()`) must not lose acknowledged appends nor the high watermark:
    /// the log object is dropped unclosed and the partition opened again.
    func reopenWithoutCloseKeepsAcknowledgedAppends(_ directory: ConformanceDirectory) throws {
        do {
            let log = try open(directory.partition)
            for _ in 0..<5 { _ = try log.append([F.batch(count: 3, producerId: 12, producerEpoch: 0, baseSequence: -1)], as: F.leader) }
            try log.updateHighWatermark(9)
            try log.assignLeaderEpoch(2, startOffset: 15)
        }
        let log = try open(directory.partition)
        defer { try? log.close() }
        #expect(log.logEndOffset == 15)
        #expect(log.highWatermark == 9)
        #expect(try F.readAll(log).map(\.offset) == Array(0..<15))
        #expect(try log.producerState(for: 12)?.recentBatches.last?.lastOffset == 14)
        #expect(try log.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 2, endOffset: 15))
        #expect(try log.append([F.batch(count: 1)], as: F.leader).baseOffsets == [15])
    }

    /// `flush` (shutdown, `log.flush.interval.ms`) works on a log with data, twice in a row and
    /// after more appends, and what it flushed is all there on reopening.
    func flushSucceedsAndKeepsEverything(_ directory: ConformanceDirectory) throws {
        do {
            let log = try open(directory.partition)
            try log.flush()
            _ = try log.append([F.batch(count: 4)], as: F.leader)
            try log.flush()
            try log.flush()
            _ = try log.append([F.batch(count: 2)], as: F.leader)
            try log.updateHighWatermark(6)
            try log.flush()
            try log.close()
        }
        let log = try open(directory.partition)
        defer { try? log.close() }
        #expect(log.logEndOffset == 6)
        #expect(log.highWatermark == 6)
        #expect(try F.readAll(log).map(\.offset) == Array(0..<6))
    }
}
