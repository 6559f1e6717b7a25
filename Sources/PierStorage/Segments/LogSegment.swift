import NIOCore
import PierRecords

/// One segment: a `.log` file of batches from `baseOffset`, with its sparse offset and time
/// indexes and what the partition needs to know about it without reading it (size, next offset,
/// largest timestamp). Only the newest (active) segment is appended to.
///
/// Not thread-safe; `SegmentPartitionLog` owns its segments under its lock.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let io: any SegmentFileIO
    let descriptor: Int32
    /// Bytes of whole batches in the `.log`.
    private(set) var size: Int64 = 0
    /// Offset after the last batch; `baseOffset` while empty.
    private(set) var nextOffset: Int64
    private(set) var offsetIndex: OffsetIndex
    private(set) var timeIndex: TimeIndex
    private var bytesSinceLastIndexEntry = 0
    /// Largest batch maxTimestamp in the segment (-1 when none) and the base offset of the first
    /// batch carrying it.
    private(set) var maxTimestamp: Int64 = RecordBatchHeader.noTimestamp
    private(set) var baseOffsetOfMaxTimestampBatch: Int64
    /// maxTimestamp of the first batch, which `segment.ms` rolling counts from, as Kafka does.
    private(set) var firstBatchTimestamp: Int64?
    /// When the segment was opened for appending; `segment.ms` counts from it when batches carry no timestamps.
    let createdAtMilliseconds: Int64

    var logPath: String { directory + "/" + SegmentFileNames.log(baseOffset) }
    var offsetIndexPath: String { directory + "/" + SegmentFileNames.offsetIndex(baseOffset) }
    var timeIndexPath: String { directory + "/" + SegmentFileNames.timeIndex(baseOffset) }
    var isEmpty: Bool { size == 0 }

    private init(baseOffset: Int64, directory: String, io: any SegmentFileIO, descriptor: Int32, now: Int64) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.io = io
        self.descriptor = descriptor
        self.nextOffset = baseOffset
        self.offsetIndex = OffsetIndex(baseOffset: baseOffset)
        self.timeIndex = TimeIndex(baseOffset: baseOffset)
        self.baseOffsetOfMaxTimestampBatch = baseOffset
        self.createdAtMilliseconds = now
    }

    deinit { io.closeFile(descriptor) }

    /// Creates an empty segment (an existing file of that name is emptied); `durable` fsyncs the
    /// directory so the new file's name survives a power loss.
    static func create(directory: String, baseOffset: Int64, io: any SegmentFileIO, now: Int64, durable: Bool = true) throws(FileIOError) -> LogSegment {
        let path = directory + "/" + SegmentFileNames.log(baseOffset)
        let descriptor = try io.openFile(path, create: true)
        let segment = LogSegment(baseOffset: baseOffset, directory: directory, io: io, descriptor: descriptor, now: now)
        try io.truncate(descriptor, to: 0, path: path)
        try? io.removeFile(segment.offsetIndexPath)
        try? io.removeFile(segment.timeIndexPath)
        if durable { try io.synchronizeDirectory(directory) }
        return segment
    }

    /// Opens an existing segment's `.log`; the caller then loads or rebuilds its indexes.
    static func open(directory: String, baseOffset: Int64, io: any SegmentFileIO, now: Int64) throws(FileIOError) -> LogSegment {
        let path = directory + "/" + SegmentFileNames.log(baseOffset)
        let descriptor = try io.openFile(path, create: false)
        let segment = LogSegment(baseOffset: baseOffset, directory: directory, io: io, descriptor: descriptor, now: now)
        segment.size = try io.size(of: descriptor, path: path)
        return segment
    }

    func fileSize() throws(FileIOError) -> Int64 {
        try io.size(of: descriptor, path: logPath)
    }

    // MARK: Appending

    /// Writes already-assembled batches at the end of the file in one call. On failure the
    /// segment's state is unchanged and any bytes that did reach the file are cut off again (or,
    /// if even that fails, overwritten by the next append and dropped by recovery).
    func append(_ bytes: ByteBuffer, batches: [RecordBatchHeader], indexIntervalBytes: Int) throws(FileIOError) {
        do {
            try bytes.withUnsafeReadableBytes { pointer in
                do { try io.write(descriptor, pointer, at: size, path: logPath) } catch { throw error }
            }
        } catch {
            try? io.truncate(descriptor, to: size, path: logPath)
            throw (error as? FileIOError) ?? FileIOError(operation: "pwrite", path: logPath, errno: 5)
        }
        var position = size
        for header in batches {
            noteBatch(header, at: position, indexIntervalBytes: indexIntervalBytes)
            position += Int64(header.totalSize)
        }
    }

    /// Accounts for a batch now present at `position` (appended or found by recovery).
    func noteBatch(_ header: RecordBatchHeader, at position: Int64, indexIntervalBytes: Int) {
        if firstBatchTimestamp == nil { firstBatchTimestamp = header.maxTimestamp }
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            baseOffsetOfMaxTimestampBatch = header.baseOffset
        }
        if bytesSinceLastIndexEntry > indexIntervalBytes {
            offsetIndex.append(lastOffset: header.lastOffset, position: position)
            if maxTimestamp >= 0 { timeIndex.appendIfNewer(timestamp: maxTimestamp, offset: baseOffsetOfMaxTimestampBatch) }
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += header.totalSize
        size = position + Int64(header.totalSize)
        nextOffset = header.nextOffset
    }

    func synchronize() throws(FileIOError) {
        try io.synchronize(descriptor, path: logPath)
    }

    // MARK: Reading

    func read(at position: Int64, count: Int) throws(FileIOError) -> ByteBuffer {
        try readBytes(io: io, descriptor: descriptor, path: logPath, at: position, count: count)
    }

    func scanner(from position: Int64 = 0, windowSize: Int = SegmentBatchScanner.defaultWindowSize) -> SegmentBatchScanner {
        SegmentBatchScanner(descriptor: descriptor, path: logPath, io: io, fileSize: size, startPosition: position, windowSize: windowSize)
    }

    /// Position and header of the first batch whose last offset is ≥ `offset`, using the sparse
    /// index to skip most of the file; nil when no batch of this segment reaches `offset`.
    func locate(_ offset: Int64) throws(StorageError) -> (position: Int64, header: RecordBatchHeader)? {
        // The index leaves at most about index.interval.bytes of headers to walk.
        var scanner = scanner(from: offsetIndex.scanStartPosition(for: offset), windowSize: 16 * 1024)
        while true {
            let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
            do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
            switch next {
            case .success(let found):
                if found.header.lastOffset >= offset { return (found.position, found.header) }
                scanner.skip(found.header)
            case .failure(.endOfFile):
                return nil
            case .failure(let stop):
                throw .unreadableStore("\(logPath) at byte \(scanner.position): \(stop)")
            }
        }
    }

    // MARK: Truncating and rebuilding

    /// Cuts the log at `position` (a batch boundary) and rebuilds the indexes from what remains.
    /// Even when the file cannot be cut, the segment forgets what lies past `position`: the next
    /// append overwrites it, and recovery drops whatever of it does not continue the log.
    func truncate(toPosition position: Int64, indexIntervalBytes: Int) throws(StorageError) {
        var failure: FileIOError?
        do { try io.truncate(descriptor, to: position, path: logPath) } catch { failure = error }
        size = position
        try rebuildIndexes(indexIntervalBytes: indexIntervalBytes)
        if let failure { throw .writeFailed("\(failure)") }
    }

    /// Rescans the headers of the whole file and recomputes indexes, next offset and timestamps.
    func rebuildIndexes(indexIntervalBytes: Int) throws(StorageError) {
        let end = size
        resetAccounting()
        var scanner = SegmentBatchScanner(descriptor: descriptor, path: logPath, io: io, fileSize: end)
        while true {
            let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
            do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
            switch next {
            case .success(let found):
                noteBatch(found.header, at: found.position, indexIntervalBytes: indexIntervalBytes)
                scanner.skip(found.header)
            case .failure(.endOfFile):
                return
            case .failure(let stop):
                throw .unreadableStore("\(logPath) at byte \(scanner.position): \(stop)")
            }
        }
    }

    /// Forgets everything learned about the contents, before a rescan.
    func resetAccounting() {
        size = 0
        nextOffset = baseOffset
        offsetIndex = OffsetIndex(baseOffset: baseOffset)
        timeIndex = TimeIndex(baseOffset: baseOffset)
        bytesSinceLastIndexEntry = 0
        maxTimestamp = RecordBatchHeader.noTimestamp
        baseOffsetOfMaxTimestampBatch = baseOffset
        firstBatchTimestamp = nil
    }

    /// Adopts indexes read from disk for a sealed segment whose end offset is known.
    func adopt(offsetIndex: OffsetIndex, timeIndex: TimeIndex, nextOffset: Int64) {
        self.offsetIndex = offsetIndex
        self.timeIndex = timeIndex
        self.nextOffset = nextOffset
        if let largest = timeIndex.largest {
            maxTimestamp = largest.timestamp
            baseOffsetOfMaxTimestampBatch = baseOffset + Int64(largest.relativeOffset)
        }
        firstBatchTimestamp = timeIndex.entries.first?.timestamp
        bytesSinceLastIndexEntry = 0
    }

    // MARK: Sealing

    /// Makes the segment read-only for good: the time index gets its closing entry (so its last
    /// entry is the segment's largest timestamp) and both indexes are written; with `durable`,
    /// log and indexes are fsynced too (without, as Kafka under its default flush settings, they
    /// reach the disk when the operating system writes them back).
    func seal(durable: Bool = true) throws(FileIOError) {
        if maxTimestamp >= 0 { timeIndex.appendIfNewer(timestamp: maxTimestamp, offset: baseOffsetOfMaxTimestampBatch) }
        if durable { try synchronize() }
        try writeIndexFiles(synchronously: durable)
    }

    func writeIndexFiles(synchronously: Bool) throws(FileIOError) {
        try writeWholeFile(offsetIndexPath, offsetIndex.serialized(), synchronously: synchronously)
        var timeIndexWithLargest = timeIndex
        if maxTimestamp >= 0 { timeIndexWithLargest.appendIfNewer(timestamp: maxTimestamp, offset: baseOffsetOfMaxTimestampBatch) }
        try writeWholeFile(timeIndexPath, timeIndexWithLargest.serialized(), synchronously: synchronously)
    }

    private func writeWholeFile(_ path: String, _ bytes: ByteBuffer, synchronously: Bool) throws(FileIOError) {
        let descriptor = try io.openFile(path, create: true)
        defer { io.closeFile(descriptor) }
        try io.truncate(descriptor, to: 0, path: path)
        do {
            try bytes.withUnsafeReadableBytes { pointer in
                do { try io.write(descriptor, pointer, at: 0, path: path) } catch { throw error }
            }
        } catch {
            throw (error as? FileIOError) ?? FileIOError(operation: "pwrite", path: path, errno: 5)
        }
        if synchronously { try io.synchronize(descriptor, path: path) }
    }

    /// Deletes the segment's files (the descriptor closes when the object goes).
    func deleteFiles() {
        try? io.removeFile(logPath)
        try? io.removeFile(offsetIndexPath)
        try? io.removeFile(timeIndexPath)
    }
}
