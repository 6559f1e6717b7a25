#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file system call, with the errno it set.
public struct FileIOError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// The file system calls the segment engine makes, behind one seam so tests can make them fail
/// (a full disk, an I/O error) without a real full disk. `POSIXFileIO` is the real thing.
///
/// Descriptors are plain POSIX file descriptors; paths are absolute or relative to the process.
public protocol SegmentFileIO: Sendable {
    /// Opens (and with `create`, creates) a regular file for reading and writing.
    func openFile(_ path: String, create: Bool) throws(FileIOError) -> Int32
    func closeFile(_ descriptor: Int32)
    /// Writes all of `bytes` at `offset`; a short write is retried, an error thrown (the file may
    /// then hold part of the bytes, which the caller must cut off or overwrite).
    func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(FileIOError)
    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(FileIOError) -> Int
    func synchronize(_ descriptor: Int32, path: String) throws(FileIOError)
    func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(FileIOError)
    func size(of descriptor: Int32, path: String) throws(FileIOError) -> Int64
    /// Atomically replaces `destination` with `source` (POSIX rename).
    func rename(_ source: String, to destination: String) throws(FileIOError)
    func removeFile(_ path: String) throws(FileIOError)
    func createDirectory(_ path: String) throws(FileIOError)
    /// Names of the entries of a directory, without "." and "..".
    func listDirectory(_ path: String) throws(FileIOError) -> [String]
    /// fsyncs a directory so that renames and creations in it survive a power failure.
    func synchronizeDirectory(_ path: String) throws(FileIOError)
}
