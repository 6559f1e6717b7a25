import NIOCore
import PierRecords

/// Reads the batches of a `.log` file front to back through a window of a few hundred KiB, so a
/// scan costs one read per window rather than per batch. Used by recovery, index rebuilding,
/// producer-state replay and timestamp lookups.
struct SegmentBatchScanner {
    enum Stop: Error, Equatable {
        /// The file ends exactly after the last batch.
        case endOfFile
        /// Fewer bytes remain than the next batch needs: a torn write.
        case truncatedBatch
        /// The bytes at `position` are not a v2 batch header.
        case malformedHeader(String)
    }

    static let defaultWindowSize = 256 * 1024

    let descriptor: Int32
    let path: String
    let io: any SegmentFileIO
    let fileSize: Int64
    private(set) var position: Int64
    private var window = ByteBuffer()
    private var windowStart: Int64 = 0
    /// Bytes read ahead at once: large for recovery scans, about the fetch size for reads.
    let windowSize: Int

    init(descriptor: Int32, path: String, io: any SegmentFileIO, fileSize: Int64, startPosition: Int64 = 0,
         windowSize: Int = SegmentBatchScanner.defaultWindowSize) {
        self.windowSize = max(windowSize, RecordBatchHeader.size)
        self.descriptor = descriptor
        self.path = path
        self.io = io
        self.fileSize = fileSize
        self.position = startPosition
    }

    /// The header of the next batch and its position, without reading its body; nil with the reason at the end.
    mutating func nextHeader() throws(FileIOError) -> Result<(header: RecordBatchHeader, position: Int64), Stop> {
        guard position < fileSize else { return .failure(.endOfFile) }
        guard fileSize - position >= Int64(RecordBatchHeader.size) else { return .failure(.truncatedBatch) }
        try ensureWindow(covers: RecordBatchHeader.size)
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: window, at: window.readerIndex + Int(position - windowStart))
        } catch {
            return .failure(.malformedHeader("\(error)"))
        }
        guard Int64(header.totalSize) <= fileSize - position else { return .failure(.truncatedBatch) }
        return .success((header, position))
    }

    /// Moves past the batch whose header `nextHeader` just returned.
    mutating func skip(_ header: RecordBatchHeader) {
        position += Int64(header.totalSize)
    }

    /// The whole batch at the current position (after `nextHeader`), then moves past it.
    mutating func readBatch(_ header: RecordBatchHeader) throws(FileIOError) -> RawRecordBatch {
        try ensureWindow(covers: header.totalSize)
        let start = window.readerIndex + Int(position - windowStart)
        let bytes = window.getSlice(at: start, length: header.totalSize)!
        position += Int64(header.totalSize)
        // The header was parsed from these very bytes, so this cannot fail.
        return try! RawRecordBatch(bytes)
    }

    private mutating func ensureWindow(covers length: Int) throws(FileIOError) {
        let windowEnd = windowStart + Int64(window.readableBytes)
        if position >= windowStart && position + Int64(length) <= windowEnd { return }
        let wanted = Int(min(Int64(max(length, windowSize)), fileSize - position))
        window = try readBytes(io: io, descriptor: descriptor, path: path, at: position, count: wanted)
        windowStart = position
    }
}

/// Reads exactly `count` bytes at `offset` into a new buffer (fewer only at end of file).
func readBytes(io: any SegmentFileIO, descriptor: Int32, path: String, at offset: Int64, count: Int) throws(FileIOError) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: count)
    let read: Int
    do {
        read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            // Typed throws do not cross this closure; the error is rethrown below.
            do { return try io.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]), at: offset, path: path) }
            catch { throw error }
        }
    } catch let error as FileIOError {
        throw error
    } catch {
        throw FileIOError(operation: "pread", path: path, errno: 5)
    }
    _ = read
    return buffer
}
