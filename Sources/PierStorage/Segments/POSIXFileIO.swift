#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `SegmentFileIO` on the operating system's file calls.
public struct POSIXFileIO: SegmentFileIO {
    public init() {}

    public func openFile(_ path: String, create: Bool) throws(FileIOError) -> Int32 {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        while true {
            let descriptor = open(path, flags, 0o644)
            if descriptor >= 0 { return descriptor }
            if errno == EINTR { continue }
            throw FileIOError(operation: "open", path: path, errno: errno)
        }
    }

    public func closeFile(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    public func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(FileIOError) {
        var written = 0
        while written < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if result < 0 {
                if errno == EINTR { continue }
                throw FileIOError(operation: "pwrite", path: path, errno: errno)
            }
            written += result
        }
    }

    public func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(FileIOError) -> Int {
        var total = 0
        while total < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset) + off_t(total))
            if result < 0 {
                if errno == EINTR { continue }
                throw FileIOError(operation: "pread", path: path, errno: errno)
            }
            if result == 0 { break }
            total += result
        }
        return total
    }

    public func synchronize(_ descriptor: Int32, path: String) throws(FileIOError) {
        #if canImport(Darwin)
        // fsync on Darwin does not reach the platters; F_FULLFSYNC does.
        if fcntl(descriptor, F_FULLFSYNC) == 0 { return }
        #endif
        guard fsync(descriptor) == 0 else { throw FileIOError(operation: "fsync", path: path, errno: errno) }
    }

    public func truncate(_ descriptor: Int32, to length: Int64, path: String) throws(FileIOError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw FileIOError(operation: "ftruncate", path: path, errno: errno) }
    }

    public func size(of descriptor: Int32, path: String) throws(FileIOError) -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileIOError(operation: "fstat", path: path, errno: errno) }
        return Int64(status.st_size)
    }

    public func rename(_ source: String, to destination: String) throws(FileIOError) {
        #if canImport(Darwin)
        let result = Darwin.rename(source, destination)
        #elseif canImport(Glibc)
        let result = Glibc.rename(source, destination)
        #else
        let result = Musl.rename(source, destination)
        #endif
        guard result == 0 else { throw FileIOError(operation: "rename", path: "\(source) -> \(destination)", errno: errno) }
    }

    public func removeFile(_ path: String) throws(FileIOError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileIOError(operation: "unlink", path: path, errno: errno) }
    }

    public func createDirectory(_ path: String) throws(FileIOError) {
        // Creates missing parents too, like `mkdir -p`.
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileIOError(operation: "mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }

    public func listDirectory(_ path: String) throws(FileIOError) -> [String] {
        guard let directory = opendir(path) else { throw FileIOError(operation: "opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func synchronizeDirectory(_ path: String) throws(FileIOError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileIOError(operation: "open directory", path: path, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileIOError(operation: "fsync directory", path: path, errno: errno) }
    }
}
