#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The bytes of a SQLite partition's batches as the producers sent them, one batch after another
/// (`partition.batches`, beside `partition.sqlite`; the same layout as a Kafka `.log` segment).
///
/// Why a file beside the database: a batch kept in the database (`batches.wire_tail`) is written
/// twice, to the write-ahead log and again at the checkpoint, together with the records rows that hold
/// the same bytes, and SQLite checksums every page of it on the way. Here each batch is written once,
/// by one `pwrite` per append, and a fetch reads a run of batches with one `pread`. The `batches` row
/// says where the batch starts (`wire_position`); SQLite stays the record of what was committed, and
/// opening the partition cuts the file back to the last batch the database holds (see
/// `SQLitePartitionLog.recoverBatchFile`).
///
/// Not thread-safe for writes (the log's lock serialises them); reads (`pread`) may run beside them.
final class WireBatchFile {
    static let fileName = "partition.batches"
    /// Disk blocks are released below the first live batch in units of this (the file system's block).
    static let releaseGranularity: Int64 = 4096

    let path: String
    private let io: any SegmentFileIO
    private let descriptor: Int32

    /// Opens (creating if needed) the file in `directory`. `existed` tells whether it was there before.
    init(directory: String, io: any SegmentFileIO = POSIXFileIO()) throws(StorageError) {
        path = directory + "/" + Self.fileName
        self.io = io
        do {
            descriptor = try io.openFile(path, create: true)
            // A new file's directory entry must survive a power failure before batches point into it.
            try io.synchronizeDirectory(directory)
        } catch {
            throw Self.failure(error)
        }
    }

    func size() throws(StorageError) -> Int64 {
        do { return try io.size(of: descriptor, path: path) } catch { throw Self.failure(error) }
    }

    /// Writes `bytes` at `position`. On failure the file may hold part of them past the last committed
    /// batch: the next write at the same position overwrites them, and opening cuts them off.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws(StorageError) {
        do { try io.write(descriptor, bytes, at: position, path: path) } catch { throw Self.failure(error) }
    }

    /// Appends exactly `count` bytes read at `position` to `output`; a file shorter than that throws.
    func read(_ count: Int, at position: Int64, into output: inout ByteBuffer) throws(StorageError) {
        guard count > 0 else { return }
        var outcome: Result<Int, FileIOError> = .success(0)
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { buffer in
            do throws(FileIOError) {
                let read = try io.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]), at: position, path: path)
                outcome = .success(read)
                return read
            } catch {
                outcome = .failure(error)
                return 0
            }
        }
        switch outcome {
        case .failure(let error):
            throw Self.failure(error)
        case .success(let read) where read < count:
            throw .unreadableStore("\(path) ends at \(position + Int64(read)), inside a batch the database says ends at \(position + Int64(count))")
        case .success:
            return
        }
    }

    func synchronize() throws(StorageError) {
        do { try io.synchronize(descriptor, path: path) } catch { throw Self.failure(error) }
    }

    func truncate(to length: Int64) throws(StorageError) {
        do { try io.truncate(descriptor, to: length, path: path) } catch { throw Self.failure(error) }
    }

    /// Gives the disk blocks below `position` back to the file system (retention deleted their
    /// batches), keeping every later byte where it is: positions in the database stay valid. The file
    /// keeps its length, as a sparse file (`du` shows what it occupies). Linux only; elsewhere the
    /// space comes back when the partition is deleted.
    func releaseSpace(before position: Int64) {
        let length = position / Self.releaseGranularity * Self.releaseGranularity
        guard length > 0 else { return }
        // A file system without hole punching answers EOPNOTSUPP; the space then stays allocated,
        // which loses nothing else.
        _ = Self.punchHole?(descriptor, Self.punchHoleKeepSize, 0, off_t(length))
    }

    /// Linux's `fallocate(2)`, looked up at run time: Glibc's Swift module leaves it out (it is a
    /// `_GNU_SOURCE` declaration). nil elsewhere.
    private static let punchHole: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fallocate") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)
        #else
        return nil
        #endif
    }()
    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE (linux/falloc.h).
    private static let punchHoleKeepSize: Int32 = 0x02 | 0x01

    func close() {
        io.closeFile(descriptor)
    }

    private static func failure(_ error: FileIOError) -> StorageError {
        .writeFailed(error.description)
    }
}

extension WireBatchFile {
    /// Whether the `size` bytes at `position` are the batch the database describes: its base offset,
    /// its length and a CRC that matches both the bytes and `crc`.
    func holdsWholeBatch(baseOffset: Int64, crc: UInt32, at position: Int64, size: Int) throws(StorageError) -> Bool {
        var bytes = ByteBuffer()
        do { try read(size, at: position, into: &bytes) } catch .unreadableStore { return false }
        guard bytes.getInteger(at: bytes.readerIndex, as: Int64.self) == baseOffset,
              let header = try? SegmentPartitionLog.validate(bytes) else { return false }
        return header.crc == crc
    }
}
