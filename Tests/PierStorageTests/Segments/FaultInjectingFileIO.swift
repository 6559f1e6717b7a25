import Foundation
@testable import PierStorage

/// `POSIXFileIO` with switchable failures, to play a full disk or a failing fsync without one.
final class FaultInjectingFileIO: SegmentFileIO, @unchecked Sendable {
    struct WriteFault {
        /// Which files fail (by path).
        var matches: @Sendable (String) -> Bool
        /// Bytes of the failing write that still reach the file first, as a disk filling up mid-write does.
        var bytesWrittenBeforeFailure: Int
        var errno: Int32
    }

    private let real = POSIXFileIO()
    private let lock = NSLock()
    private var writeFault: WriteFault?
    private var failSynchronize = false
    private var failTruncate = false
    private(set) var injectedFailures = 0
    private var synchronizedPaths: [String] = []
    /// fsyncs of `.log` files so far.
    var logSynchronizeCount: Int { synchronizeCount { $0.hasSuffix(".log") } }
    /// fsyncs of files whose path matches.
    func synchronizeCount(matching: (String) -> Bool) -> Int { lock.withLock { synchronizedPaths.filter(matching).count } }

    func failWrites(matching: @escaping @Sendable (String) -> Bool = { _ in true }, bytesWrittenBeforeFailure: Int = 0, errno: Int32 = ENOSPC) {
        lock.withLock { writeFault = WriteFault(matches: matching, bytesWrittenBeforeFailure: bytesWrittenBeforeFailure, errno: errno) }
    }

    func failSynchronizeCalls() { lock.withLock { failSynchronize = true } }
    func failTruncateCalls() { lock.withLock { failTruncate = true } }

    func heal() {
        lock.withLock {
            writeFault = nil
            failSynchronize = false
            failTruncate = false
        }
    }

    private func noteFailure() { lock.withLock { injectedFailures += 1 } }

    func openFile(_ path: String, create: Bool) throws(FileIOError) -> Int32 { try real.openFile(path, create: create) }
    func closeFile(_ descriptor: Int32) { real.closeFile(descriptor) }

    func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(FileIOError) {
        let fault = lock.withLock { writeFault }
        if let fault, fault.matches(path) {
            let partial = min(fault.bytesWrittenBeforeFailure, bytes.count)
            if partial > 0 { try real.write(descriptor, UnsafeRawBufferPointer(rebasing: bytes[0..<partial]), at: offset, path: path) }
            noteFailure()
            throw FileIOError(operation: "pwrite", path: path, errno: fault.errno)
        }
        try real.write(descriptor, bytes, at: offset, path: path)
    }

    func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(FileIOError) -> Int {
        try real.read(descriptor, into: buffer, at: offset, path: path)
    }

    func synchronize(_ descriptor: Int32, path: String) throws(FileIOError) {
        if lock.withLock({ failSynchronize }) {
            noteFailure()
            throw FileIOError(operation: "fsync", path: path, errno: EIO)
        }
        try real.synchronize(descriptor, path: path)
        lock.withLock { synchronizedPaths.append(path) }
    }

    func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(FileIOError) {
        if lock.withLock({ failTruncate }) {
            noteFailure()
            throw FileIOError(operation: "ftruncate", path: path, errno: EIO)
        }
        try real.truncate(descriptor, to: length, path: path)
    }

    func size(of descriptor: Int32, path: String) throws(FileIOError) -> Int64 { try real.size(of: descriptor, path: path) }
    func rename(_ source: String, to destination: String) throws(FileIOError) { try real.rename(source, to: destination) }
    func removeFile(_ path: String) throws(FileIOError) { try real.removeFile(path) }
    func createDirectory(_ path: String) throws(FileIOError) { try real.createDirectory(path) }
    func listDirectory(_ path: String) throws(FileIOError) -> [String] { try real.listDirectory(path) }
    func synchronizeDirectory(_ path: String) throws(FileIOError) { try real.synchronizeDirectory(path) }
}
