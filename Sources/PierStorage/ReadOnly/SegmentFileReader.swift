import Foundation
import NIOCore
import PierRecords

/// One `.log` segment file opened read-only (O_RDONLY), read batch by batch from the front or
/// from a byte position: for offline tools (`pier replay --data-dir`, `pier dump-log`).
public final class SegmentFileReader {
    public enum Stop: Equatable, Sendable {
        /// The file ends exactly after the last batch.
        case endOfFile
        /// Fewer bytes remain than the next batch needs (a torn or in-progress write).
        case truncatedBatch(position: Int64, remainingBytes: Int64)
        /// The bytes at `position` are not a v2 batch header.
        case malformedHeader(position: Int64, reason: String)
    }

    public let path: String
    /// The segment's base offset, from its file name (nil when the name is not Kafka's).
    public let baseOffset: Int64?
    public let fileSize: Int64
    private let descriptor: Int32
    private var scanner: SegmentBatchScanner
    public private(set) var stop: Stop?

    public init(path: String) throws(FileIOError) {
        self.path = path
        let name = (path as NSString).lastPathComponent
        baseOffset = SegmentFileNames.baseOffset(of: name, suffix: SegmentFileNames.logSuffix)
        var opened: Int32
        repeat { opened = open(path, O_RDONLY | O_CLOEXEC) } while opened < 0 && errno == EINTR
        guard opened >= 0 else { throw FileIOError(operation: "open", path: path, errno: errno) }
        descriptor = opened
        let io = POSIXFileIO()
        do {
            fileSize = try io.size(of: descriptor, path: path)
        } catch {
            Foundation.close(opened)
            throw error
        }
        scanner = SegmentBatchScanner(descriptor: descriptor, path: path, io: io, fileSize: fileSize)
    }

    deinit { Foundation.close(descriptor) }

    /// Byte position of the next batch.
    public var position: Int64 { scanner.position }

    /// The next batch with the byte position it starts at, or nil at the end (see `stop`).
    public func nextBatch() throws(FileIOError) -> (position: Int64, batch: RawRecordBatch)? {
        switch try scanner.nextHeader() {
        case .success(let (header, position)):
            return (position, try scanner.readBatch(header))
        case .failure(let reason):
            switch reason {
            case .endOfFile: stop = .endOfFile
            case .truncatedBatch: stop = .truncatedBatch(position: scanner.position, remainingBytes: fileSize - scanner.position)
            case .malformedHeader(let why): stop = .malformedHeader(position: scanner.position, reason: why)
            }
            return nil
        }
    }

    /// The header of the next batch without reading its records, then moves past it.
    public func skipBatch() throws(FileIOError) -> RecordBatchHeader? {
        guard case .success(let (header, _)) = try scanner.nextHeader() else { return nil }
        scanner.skip(header)
        return header
    }
}

/// A segment-engine partition opened read-only: its `.log` files in offset order, read directly.
/// Nothing is recovered or rebuilt, so a batch torn by a crash (or being written) ends the read.
final class ReadOnlySegmentPartition: ReadOnlyPartition {
    let directory: String
    /// Segment base offsets, ascending.
    private let segmentBases: [Int64]
    let logStartOffset: Int64
    private(set) var logEndOffset: Int64

    init(directory: String) throws(StorageError) {
        self.directory = directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        segmentBases = names.compactMap { SegmentFileNames.baseOffset(of: $0, suffix: SegmentFileNames.logSuffix) }.sorted()
        guard let first = segmentBases.first, let last = segmentBases.last else {
            throw .unreadableStore("\(directory) has no segment files")
        }
        let checkpoint = try? String(contentsOfFile: directory + "/" + SegmentFileNames.logStartOffsetCheckpoint, encoding: .utf8)
        let checkpointed = checkpoint.flatMap { text in text.split(separator: "\n").dropFirst().first.flatMap { Int64($0) } }
        logStartOffset = max(first, checkpointed ?? first)
        // The log end: past the last whole batch of the newest segment.
        var end = last
        do {
            let reader = try SegmentFileReader(path: directory + "/" + SegmentFileNames.log(last))
            while let header = try reader.skipBatch() { end = header.baseOffset + Int64(header.lastOffsetDelta) + 1 }
        } catch {
            throw .unreadableStore("\(error)")
        }
        logEndOffset = max(end, logStartOffset)
    }

    /// Index into `segmentBases` of the segment holding `offset` (the last whose base is ≤ it).
    private func segmentIndex(for offset: Int64) -> Int {
        var index = 0
        for (candidate, base) in segmentBases.enumerated() where base <= offset { index = candidate }
        return index
    }

    private func reader(_ index: Int) throws(StorageError) -> SegmentFileReader {
        do { return try SegmentFileReader(path: directory + "/" + SegmentFileNames.log(segmentBases[index])) } catch {
            throw .unreadableStore("\(error)")
        }
    }

    func offset(forTimestamp timestamp: Int64) throws(StorageError) -> Int64? {
        var found: Int64?
        do {
            _ = try readRecords(in: logStartOffset..<logEndOffset) { record in
                if record.timestamp >= timestamp { found = record.offset; return false }
                return true
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .unreadableStore("\(error)")
        }
        return found
    }

    func readRecords(in range: Range<Int64>, _ visit: (StoredRecord) throws -> Bool) throws -> Int64 {
        guard !range.isEmpty else { return range.lowerBound }
        var next = range.lowerBound
        for index in segmentIndex(for: range.lowerBound)..<segmentBases.count {
            guard segmentBases[index] < range.upperBound else { break }
            let segment = try reader(index)
            while try segment.skipBatchIfBefore(next) != nil {}
            while let (_, raw) = try segment.nextBatch() {
                let batchLast = raw.header.baseOffset + Int64(raw.header.lastOffsetDelta)
                if batchLast < next { continue }
                if raw.header.baseOffset >= range.upperBound { return next }
                let batch: RecordBatch
                do { batch = try raw.decode() } catch {
                    throw StorageError.corruptBatch("\(segment.path): batch at offset \(raw.header.baseOffset): \(error)")
                }
                for record in StoredRecord.records(of: batch) where record.offset >= next && record.offset < range.upperBound {
                    guard try visit(record) else { return record.offset + 1 }
                    next = record.offset + 1
                }
                next = max(next, min(batchLast + 1, range.upperBound))
                if next >= range.upperBound { return next }
            }
        }
        return next
    }

    func close() {}
}

extension SegmentFileReader {
    /// Skips a batch that ends before `offset` (headers only); nil once the next batch reaches it.
    fileprivate func skipBatchIfBefore(_ offset: Int64) throws(FileIOError) -> RecordBatchHeader? {
        guard case .success(let (header, _)) = try scanner.nextHeader(),
              header.baseOffset + Int64(header.lastOffsetDelta) < offset else { return nil }
        scanner.skip(header)
        return header
    }
}
