import NIOCore
import PierRecords

/// A partition stored as Kafka stores it: `<base offset>.log` segments holding the v2 batches as
/// received (offsets assigned in place), sparse `.index` / `.timeindex` files, and checkpoint
/// files for the high watermark, log start offset, leader epochs and producer state. The baseline
/// the SQLite engine is benchmarked against.
///
/// All calls serialise on one lock. An append writes all its batches with one `pwrite`.
public final class SegmentPartitionLog: PartitionLog, @unchecked Sendable {
    public let directory: String
    let configuration: SegmentLogConfiguration
    private let lock = PartitionLock()
    // Everything below is guarded by `lock`.
    private var segments: [LogSegment]
    private var logStart: Int64
    private var highWatermarkOffset: Int64
    private var epochs: LeaderEpochCache
    private var producers: ProducerStateTable
    private var producerSnapshotOffset: Int64?
    private var lastFlushMilliseconds: Int64
    /// Whether appends were written since the last fsync (the interval flusher skips clean logs).
    private var hasUnflushedAppends = false
    /// Whether the high watermark checkpoint was last written without fsync.
    private var highWatermarkNeedsSync = false
    private var isClosed = false
    /// `segment.bytes` and `segment.ms` as currently set: a topic's settings may change while it is open.
    private var segmentBytes: Int64
    private var segmentMilliseconds: Int64?

    /// Opens (creating if needed) the partition in `directory`, recovering it after a crash.
    public init(directory: String, configuration: SegmentLogConfiguration = SegmentLogConfiguration()) throws(StorageError) {
        self.directory = directory
        self.configuration = configuration
        segmentBytes = configuration.segmentBytes
        segmentMilliseconds = configuration.segmentMilliseconds
        let recovered = try SegmentRecovery(directory: directory, configuration: configuration).recover()
        segments = recovered.segments
        logStart = recovered.logStartOffset
        highWatermarkOffset = recovered.highWatermark
        epochs = recovered.epochs
        producers = recovered.producers
        producerSnapshotOffset = recovered.producerSnapshotOffset
        lastFlushMilliseconds = configuration.clock()
        if case .interval = configuration.flushPolicy { IntervalFlusher.shared.register(self) }
    }

    /// Opens `<dataDirectory>/<topic>-<partition>`, Kafka's directory name for a partition.
    public convenience init(dataDirectory: String, topic: String, partition: Int32,
                            configuration: SegmentLogConfiguration = SegmentLogConfiguration()) throws(StorageError) {
        try self.init(directory: dataDirectory + "/" + topic + "-" + String(partition), configuration: configuration)
    }

    // No deinit flush: dropping an unclosed log behaves like a crash (descriptors close with
    // their segments), which is what recovery and the tests that simulate crashes rely on.

    private func locked<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw .closed }
        return try body()
    }

    private func lockedValue<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private var active: LogSegment { segments[segments.count - 1] }
    private var logEnd: Int64 { active.nextOffset }

    public var logStartOffset: Int64 { lockedValue { logStart } }
    public var logEndOffset: Int64 { lockedValue { logEnd } }
    public var highWatermark: Int64 { lockedValue { highWatermarkOffset } }
    public var sizeInBytes: Int64 { lockedValue { segments.reduce(0) { $0 + $1.size } } }
    /// Base offsets of the segments, oldest first (tests and tools look at rolling with it).
    public var segmentBaseOffsets: [Int64] { lockedValue { segments.map(\.baseOffset) } }

    // MARK: Append

    public func append(_ batches: [AppendableBatch], as role: AppendRole) throws(StorageError) -> AppendResult {
        try locked { () throws(StorageError) -> AppendResult in
            var assembled = ByteBufferAllocator().buffer(capacity: batches.reduce(0) { $0 + $1.raw.readableBytes })
            var headers: [RecordBatchHeader] = []
            headers.reserveCapacity(batches.count)
            var nextOffset = logEnd
            var appendTime: Int64?
            for batch in batches {
                let header = try Self.validate(batch.raw)
                let start = assembled.writerIndex
                assembled.writeImmutableBuffer(batch.raw)
                do {
                    switch role {
                    case .leader(let leaderEpoch, let logAppendTime):
                        try RecordBatch.rewriteBaseOffset(nextOffset, in: &assembled, at: start)
                        try RecordBatch.rewritePartitionLeaderEpoch(leaderEpoch, in: &assembled, at: start)
                        if let logAppendTime {
                            try RecordBatch.rewriteLogAppendTime(logAppendTime, in: &assembled, at: start)
                            appendTime = logAppendTime
                        }
                    case .follower:
                        guard header.baseOffset == nextOffset else {
                            throw StorageError.offsetMismatch(expected: nextOffset, got: header.baseOffset)
                        }
                    }
                    let written = try RecordBatchHeader(parsing: assembled, at: start)
                    headers.append(written)
                    nextOffset = written.nextOffset
                } catch let error as StorageError {
                    throw error
                } catch {
                    throw .corruptBatch("\(error)")
                }
            }
            guard !headers.isEmpty else {
                return AppendResult(baseOffsets: [], lastOffset: logEnd - 1, logAppendTime: nil, logStartOffset: logStart)
            }
            let now = configuration.clock()
            if shouldRoll(adding: assembled.readableBytes, lastOffset: nextOffset - 1,
                          largestTimestamp: headers.lazy.map(\.maxTimestamp).max()!, now: now) {
                try roll(now: now)
            }
            // Before the write, so that a failure to persist the epoch leaves no unacknowledged data
            // behind; an epoch starting at the log end with nothing in it yet is harmless.
            for header in headers where header.partitionLeaderEpoch >= 0 && header.partitionLeaderEpoch > (epochs.entries.last?.epoch ?? -1) {
                // As Kafka does: the first batch of a newer leader epoch starts that epoch.
                try changeEpochs { $0.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset) }
            }
            let segment = active
            let sizeBefore = segment.size
            do {
                try segment.append(assembled, batches: headers, indexIntervalBytes: configuration.indexIntervalBytes)
            } catch {
                throw .writeFailed("\(error)")
            }
            do {
                try flushIfDue(now: now)
            } catch {
                // Not durable, so not acknowledged: take the batches out again.
                try? segment.truncate(toPosition: sizeBefore, indexIntervalBytes: configuration.indexIntervalBytes)
                throw .writeFailed("\(error)")
            }
            for header in headers { producers.update(with: header) }
            return AppendResult(baseOffsets: headers.map(\.baseOffset), lastOffset: nextOffset - 1,
                                logAppendTime: appendTime, logStartOffset: logStart)
        }
    }

    /// Checks that `raw` is exactly one intact v2 batch and returns its header.
    static func validate(_ raw: ByteBuffer) throws(StorageError) -> RecordBatchHeader {
        do {
            let batch = try RawRecordBatch(raw)
            guard batch.header.totalSize == raw.readableBytes else {
                throw StorageError.corruptBatch("batch declares \(batch.header.totalSize) bytes but \(raw.readableBytes) were given")
            }
            guard batch.header.lastOffsetDelta >= 0 else {
                throw StorageError.corruptBatch("batch has no records (lastOffsetDelta \(batch.header.lastOffsetDelta))")
            }
            try batch.verifyCRC()
            return batch.header
        } catch let error as StorageError {
            throw error
        } catch {
            throw .corruptBatch("\(error)")
        }
    }

    private func shouldRoll(adding bytes: Int, lastOffset: Int64, largestTimestamp: Int64, now: Int64) -> Bool {
        let segment = active
        guard !segment.isEmpty else { return false }
        if segment.size + Int64(bytes) > segmentBytes { return true }
        // Relative offsets in the index are 32 bits.
        if lastOffset - segment.baseOffset > Int64(Int32.max) { return true }
        if let segmentMilliseconds {
            let waited: Int64
            if let first = segment.firstBatchTimestamp, first >= 0, largestTimestamp >= 0 {
                waited = largestTimestamp - first
            } else {
                waited = now - segment.createdAtMilliseconds
            }
            if waited > segmentMilliseconds { return true }
        }
        return false
    }

    /// Seals the active segment and starts a new one at the log end.
    private func roll(now: Int64) throws(StorageError) {
        let sealed = active
        do {
            try sealed.seal(durable: rollsDurably)
            segments.append(try LogSegment.create(directory: directory, baseOffset: sealed.nextOffset, io: configuration.fileIO,
                                                  now: now, durable: rollsDurably))
        } catch {
            throw .writeFailed("rolling segment \(sealed.baseOffset): \(error)")
        }
        if rollsDurably { lastFlushMilliseconds = now }
        // A snapshot per roll bounds how much log recovery replays to rebuild producer state.
        try persistProducerSnapshot(durable: rollsDurably)
    }

    /// Whether rolling fsyncs the sealed segment, its indexes and the producer snapshot. Under
    /// `.operatingSystem` it does not, as Kafka (whose roll leaves flushing to a background task
    /// and by default to the OS): a process crash loses nothing either way, and the policy never
    /// promised more.
    private var rollsDurably: Bool { configuration.flushPolicy != .operatingSystem }

    private func flushIfDue(now: Int64) throws(FileIOError) {
        switch configuration.flushPolicy {
        case .everyAppend:
            try active.synchronize()
            lastFlushMilliseconds = now
        case .interval(let milliseconds):
            hasUnflushedAppends = true
            if now - lastFlushMilliseconds >= milliseconds {
                try active.synchronize()
                lastFlushMilliseconds = now
                hasUnflushedAppends = false
            }
        case .operatingSystem:
            break
        }
    }

    /// Called by `IntervalFlusher`: fsyncs when the interval has passed since the last flush and
    /// something was appended since. A failure is left for the next append or `flush()` to report.
    func flushIfIntervalElapsed() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed, hasUnflushedAppends || highWatermarkNeedsSync,
              case .interval(let milliseconds) = configuration.flushPolicy else { return }
        let now = configuration.clock()
        guard now - lastFlushMilliseconds >= milliseconds else { return }
        if hasUnflushedAppends {
            guard (try? active.synchronize()) != nil else { return }
            hasUnflushedAppends = false
        }
        lastFlushMilliseconds = now
        if highWatermarkNeedsSync { try? setHighWatermark(highWatermarkOffset, durable: true) }
    }

    // MARK: Read

    public func read(from offset: Int64, maxBytes: Int, upperBound: Int64?) throws(StorageError) -> ReadResult {
        try locked { () throws(StorageError) -> ReadResult in
            guard offset >= logStart, offset <= logEnd else {
                throw .offsetOutOfRange(requested: offset, logStartOffset: logStart, logEndOffset: logEnd)
            }
            var output = ByteBuffer()
            let limit = min(logEnd, upperBound ?? logEnd)
            var segmentIndex = segmentIndex(containing: offset)
            var startPosition: Int64? = nil
            if offset < limit, let located = try segments[segmentIndex].locate(offset) {
                startPosition = located.position
            }
            readLoop: while var position = startPosition {
                let segment = segments[segmentIndex]
                let window = min(max(maxBytes - output.readableBytes, 0), 8 << 20) + RecordBatchHeader.size
                var scanner = segment.scanner(from: position, windowSize: window)
                while true {
                    let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
                    do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
                    guard case .success(let found) = next else {
                        if case .failure(let stop) = next, stop != .endOfFile {
                            throw .unreadableStore("\(segment.logPath) at byte \(scanner.position): \(stop)")
                        }
                        break
                    }
                    // Whole batches only, and none reaching the bound (e.g. past the high watermark).
                    if found.header.lastOffset >= limit { break readLoop }
                    if output.readableBytes > 0 && output.readableBytes + found.header.totalSize > maxBytes { break readLoop }
                    do {
                        let batch = try scanner.readBatch(found.header)
                        output.writeImmutableBuffer(batch.bytes)
                    } catch {
                        throw .unreadableStore("\(error)")
                    }
                    position = scanner.position
                }
                segmentIndex += 1
                startPosition = segmentIndex < segments.count ? 0 : nil
            }
            return ReadResult(batches: output, logStartOffset: logStart, logEndOffset: logEnd, highWatermark: highWatermarkOffset)
        }
    }

    /// Index of the segment whose offsets include `offset` (the last one starting at or before it).
    private func segmentIndex(containing offset: Int64) -> Int {
        var low = 0, high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(low - 1, 0)
    }

    // MARK: Timestamps

    public func offset(forTimestamp timestamp: Int64) throws(StorageError) -> TimestampAndOffset? {
        try locked { () throws(StorageError) -> TimestampAndOffset? in
            for segment in segments where segment.nextOffset > logStart && segment.maxTimestamp >= timestamp {
                let from = max(segment.timeIndex.scanStartOffset(for: timestamp), logStart)
                guard let located = try segment.locate(from) else { continue }
                var scanner = segment.scanner(from: located.position)
                while true {
                    let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
                    do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
                    guard case .success(let found) = next else { break }
                    guard found.header.maxTimestamp >= timestamp, found.header.lastOffset >= logStart else {
                        scanner.skip(found.header)
                        continue
                    }
                    let batch = try decode(&scanner, found.header, in: segment)
                    for record in batch.records where batch.offset(of: record) >= logStart && batch.timestamp(of: record) >= timestamp {
                        return TimestampAndOffset(timestamp: batch.timestamp(of: record), offset: batch.offset(of: record))
                    }
                }
            }
            return nil
        }
    }

    public func offsetOfMaxTimestamp() throws(StorageError) -> TimestampAndOffset? {
        try locked { () throws(StorageError) -> TimestampAndOffset? in
            var best: LogSegment?
            for segment in segments where segment.nextOffset > logStart && !segment.isEmpty {
                if best == nil || segment.maxTimestamp > best!.maxTimestamp { best = segment }
            }
            guard let segment = best else { return nil }
            let batchOffset = max(segment.baseOffsetOfMaxTimestampBatch, logStart)
            guard let located = try segment.locate(batchOffset) else { return nil }
            var scanner = segment.scanner(from: located.position)
            let batch = try decode(&scanner, located.header, in: segment)
            let candidates = batch.records.filter { batch.offset(of: $0) >= logStart }
            // The earliest record carrying the largest timestamp.
            guard let first = candidates.first else { return nil }
            var chosen = first
            for record in candidates where batch.timestamp(of: record) > batch.timestamp(of: chosen) { chosen = record }
            return TimestampAndOffset(timestamp: batch.timestamp(of: chosen), offset: batch.offset(of: chosen))
        }
    }

    private func decode(_ scanner: inout SegmentBatchScanner, _ header: RecordBatchHeader, in segment: LogSegment) throws(StorageError) -> RecordBatch {
        do {
            return try scanner.readBatch(header).decode()
        } catch {
            throw .unreadableStore("\(segment.logPath): batch at offset \(header.baseOffset): \(error)")
        }
    }

    // MARK: High watermark

    public func updateHighWatermark(_ offset: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            let clamped = min(max(offset, logStart), logEnd)
            guard clamped != highWatermarkOffset else { return }
            try setHighWatermark(clamped)
        }
    }

    // MARK: Truncation, deletion, retention

    public func truncate(to offset: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            guard offset < logEnd else {
                // Nothing to cut, but an epoch that starts at the log end (led here, nothing written)
                // goes, as in Kafka: kept, the follower would ask about it forever.
                let end = logEnd
                try changeEpochs { $0.truncateFromEnd(at: end) }
                return
            }
            let now = configuration.clock()
            if offset < logStart || offset < segments[0].baseOffset {
                // Nothing retained survives: start over at `offset`, as Kafka's truncateFullyAndStartAt.
                try setLogStart(offset)
                try replaceAllSegments(startingAt: offset, now: now)
            } else {
                let keep = segmentIndex(containing: offset)
                for segment in segments[(keep + 1)...] { segment.deleteFiles() }
                segments.removeSubrange((keep + 1)...)
                let segment = active
                if let located = try segment.locate(offset) {
                    // A batch cannot be split: the one holding `offset` goes whole, as in Kafka.
                    try segment.truncate(toPosition: located.position, indexIntervalBytes: configuration.indexIntervalBytes)
                }
                do { try segment.synchronize() } catch { throw .writeFailed("\(error)") }
            }
            if highWatermarkOffset > logEnd { try setHighWatermark(logEnd) }
            let end = logEnd
            try changeEpochs { $0.truncateFromEnd(at: end) }
            try rebuildProducerStateAfterTruncation()
        }
    }

    public func truncateFully(startingAt offset: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            try setLogStart(offset)
            try replaceAllSegments(startingAt: offset, now: configuration.clock())
            try setHighWatermark(offset)
            try changeEpochs { $0.truncateFromEnd(at: .min) }
            producers = ProducerStateTable()
            try persistProducerSnapshot()
        }
    }

    /// Deletes every segment and starts an empty one at `offset`.
    private func replaceAllSegments(startingAt offset: Int64, now: Int64) throws(StorageError) {
        for segment in segments { segment.deleteFiles() }
        segments.removeAll()
        do {
            segments.append(try LogSegment.create(directory: directory, baseOffset: offset, io: configuration.fileIO, now: now))
        } catch {
            throw .writeFailed("\(error)")
        }
    }

    private func rebuildProducerStateAfterTruncation() throws(StorageError) {
        var replayFrom = segments[0].baseOffset
        var table = ProducerStateTable()
        if let snapshotOffset = producerSnapshotOffset, snapshotOffset <= logEnd,
           let stored = try CheckpointFile(directory: directory, name: SegmentFileNames.producerStateSnapshot, io: configuration.fileIO).readMappingErrors(),
           let restored = ProducerStateTable.restore(from: stored), restored.offset == snapshotOffset {
            table = restored.table
            replayFrom = restored.offset
        }
        producers = try SegmentRecovery.replay(segments, from: replayFrom, into: table)
        try persistProducerSnapshot()
    }

    @discardableResult
    public func deleteRecords(before offset: Int64) throws(StorageError) -> Int64 {
        try locked { () throws(StorageError) -> Int64 in
            guard offset <= logEnd else {
                throw .offsetOutOfRange(requested: offset, logStartOffset: logStart, logEndOffset: logEnd)
            }
            guard offset > logStart else { return logStart }
            try setLogStart(offset)
            try dropSegmentsBelowLogStart(now: configuration.clock())
            return logStart
        }
    }

    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, now: Int64) throws(StorageError) -> RetentionOutcome {
        try locked { () throws(StorageError) -> RetentionOutcome in
            let before = logStart
            var newStart = logStart
            if let maxAge = policy.maxAgeMilliseconds {
                // Whole segments, oldest first, while their newest record is older than retention.ms.
                for segment in segments {
                    guard !segment.isEmpty, segment.maxTimestamp >= 0, segment.maxTimestamp < now - maxAge else { break }
                    newStart = max(newStart, segment.nextOffset)
                }
            }
            if let maxBytes = policy.maxBytes {
                // Oldest sealed segments while the partition is larger than retention.bytes.
                var total = segments.reduce(0) { $0 + $1.size }
                for segment in segments.dropLast() where total > maxBytes {
                    if segment.nextOffset > logStart {
                        newStart = max(newStart, segment.nextOffset)
                    }
                    total -= segment.size
                }
            }
            guard newStart > before else { return RetentionOutcome(deletedRecords: 0, newLogStartOffset: logStart) }
            try setLogStart(newStart)
            try dropSegmentsBelowLogStart(now: now)
            return RetentionOutcome(deletedRecords: logStart - before, newLogStartOffset: logStart)
        }
    }

    /// Deletes the segments holding only offsets below the log start (rolling first when that is
    /// the active one), and moves everything that depends on the log start along.
    private func dropSegmentsBelowLogStart(now: Int64) throws(StorageError) {
        if !active.isEmpty && active.nextOffset <= logStart { try roll(now: now) }
        while segments.count > 1 && segments[0].nextOffset <= logStart {
            segments.removeFirst().deleteFiles()
        }
        let start = logStart
        try changeEpochs { $0.truncateFromStart(at: start) }
        if highWatermarkOffset < logStart { try setHighWatermark(logStart) }
    }

    // MARK: Leader epochs and producers

    public func assignLeaderEpoch(_ epoch: Int32, startOffset: Int64) throws(StorageError) {
        try locked { () throws(StorageError) in
            try changeEpochs { $0.assign(epoch: epoch, startOffset: startOffset) }
        }
    }

    public func endOffset(forLeaderEpoch epoch: Int32) throws(StorageError) -> EpochEndOffset? {
        try locked { () throws(StorageError) -> EpochEndOffset? in
            epochs.endOffset(for: epoch, logEndOffset: logEnd).map { EpochEndOffset(epoch: $0.epoch, endOffset: $0.endOffset) }
        }
    }

    public func leaderEpoch(at offset: Int64) -> Int32? {
        lockedValue { epochs.epoch(at: offset) }
    }

    public func producerState(for producerId: Int64) throws(StorageError) -> ProducerState? {
        try locked { () throws(StorageError) -> ProducerState? in producers[producerId] }
    }

    // MARK: Flush and close

    public func flush() throws(StorageError) {
        try locked { () throws(StorageError) in
            do { try active.synchronize() } catch { throw .writeFailed("\(error)") }
            if highWatermarkNeedsSync { try setHighWatermark(highWatermarkOffset, durable: true) }
            lastFlushMilliseconds = configuration.clock()
            hasUnflushedAppends = false
        }
    }

    /// Applies new `segment.bytes` / `segment.ms` (a topic config change) to the segments rolled from now on.
    public func updateRolling(segmentBytes: Int64, segmentMilliseconds: Int64?) {
        lockedValue {
            self.segmentBytes = segmentBytes
            self.segmentMilliseconds = segmentMilliseconds
        }
    }

    public func close() throws(StorageError) {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        try closeLocked()
    }

    /// Leaves the files as a clean shutdown would: log synced, indexes and checkpoints written.
    private func closeLocked() throws(StorageError) {
        isClosed = true
        IntervalFlusher.shared.unregister(self)
        defer { segments.removeAll() }
        do {
            try active.synchronize()
            try active.writeIndexFiles(synchronously: true)
        } catch {
            throw .writeFailed("\(error)")
        }
        try persistProducerSnapshot()
        try setHighWatermark(highWatermarkOffset, durable: true)
    }

    // MARK: Checkpoints

    private func checkpoint(_ name: String) -> CheckpointFile {
        CheckpointFile(directory: directory, name: name, io: configuration.fileIO)
    }

    // Each checkpoint is written before memory changes, so a failed write changes nothing.

    /// The high watermark moves with nearly every produce, so (as Kafka, which checkpoints it every
    /// few seconds) it is fsynced only as often as the data it covers: on every change under
    /// `.everyAppend`, otherwise at the next flush or close. A process crash never loses it; a
    /// power loss may bring back an older one, which only holds consumers back until the leader
    /// re-establishes it.
    private func setHighWatermark(_ offset: Int64, durable: Bool? = nil) throws(StorageError) {
        let durable = durable ?? (configuration.flushPolicy == .everyAppend)
        do { try checkpoint(SegmentFileNames.highWatermarkCheckpoint).write(OffsetCheckpoint.encode(offset), durable: durable) }
        catch { throw .writeFailed("\(error)") }
        highWatermarkOffset = offset
        highWatermarkNeedsSync = !durable
    }

    private func setLogStart(_ offset: Int64) throws(StorageError) {
        do { try checkpoint(SegmentFileNames.logStartOffsetCheckpoint).write(OffsetCheckpoint.encode(offset)) }
        catch { throw .writeFailed("\(error)") }
        logStart = offset
    }

    /// Applies `change` to the leader epoch cache, persisting the result when it changed anything.
    private func changeEpochs(_ change: (inout LeaderEpochCache) -> Bool) throws(StorageError) {
        var changed = epochs
        guard change(&changed) else { return }
        do { try checkpoint(SegmentFileNames.leaderEpochCheckpoint).write(changed.encoded()) }
        catch { throw .writeFailed("\(error)") }
        epochs = changed
    }

    private func persistProducerSnapshot(durable: Bool = true) throws(StorageError) {
        let offset = logEnd
        do { try checkpoint(SegmentFileNames.producerStateSnapshot).write(producers.snapshot(at: offset), durable: durable) }
        catch { throw .writeFailed("\(error)") }
        producerSnapshotOffset = offset
    }
}

extension CheckpointFile {
    /// `read()` with file errors reported as an unreadable store.
    func readMappingErrors() throws(StorageError) -> ByteBuffer? {
        do { return try read() } catch { throw .unreadableStore("\(error)") }
    }
}
