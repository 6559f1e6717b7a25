import NIOCore

/// Small files that must never be seen half-written (high watermark, log start offset, leader
/// epochs, producer state): written to a temporary file, fsynced, renamed over the old one, and
/// the directory fsynced, so a crash leaves either the old or the new contents.
///
/// `durable: false` skips both fsyncs: the rename still makes the switch atomic and a process
/// crash keeps it, but a power loss may bring back the previous contents.
struct CheckpointFile {
    let directory: String
    let name: String
    let io: any SegmentFileIO

    var path: String { directory + "/" + name }

    func write(_ bytes: ByteBuffer, durable: Bool = true) throws(FileIOError) {
        let temporaryPath = path + SegmentFileNames.temporarySuffix
        let descriptor = try io.openFile(temporaryPath, create: true)
        do {
            try io.truncate(descriptor, to: 0, path: temporaryPath)
            do {
                try bytes.withUnsafeReadableBytes { pointer in
                    do { try io.write(descriptor, pointer, at: 0, path: temporaryPath) } catch { throw error }
                }
            } catch {
                throw (error as? FileIOError) ?? FileIOError(operation: "pwrite", path: temporaryPath, errno: 5)
            }
            if durable { try io.synchronize(descriptor, path: temporaryPath) }
        } catch let error as FileIOError {
            io.closeFile(descriptor)
            try? io.removeFile(temporaryPath)
            throw error
        } catch {
            io.closeFile(descriptor)
            throw FileIOError(operation: "write", path: temporaryPath, errno: 5)
        }
        io.closeFile(descriptor)
        try io.rename(temporaryPath, to: path)
        if durable { try io.synchronizeDirectory(directory) }
    }

    /// The file's contents, or nil when it does not exist.
    func read() throws(FileIOError) -> ByteBuffer? {
        let descriptor: Int32
        do {
            descriptor = try io.openFile(path, create: false)
        } catch where error.errno == 2 /* ENOENT */ {
            return nil
        }
        defer { io.closeFile(descriptor) }
        let size = try io.size(of: descriptor, path: path)
        return try readBytes(io: io, descriptor: descriptor, path: path, at: 0, count: Int(size))
    }
}

/// Kafka's text format for offset checkpoints, reduced to one partition: a version line ("0")
/// and the offset.
enum OffsetCheckpoint {
    static func encode(_ offset: Int64) -> ByteBuffer {
        ByteBuffer(string: "0\n\(offset)\n")
    }

    /// The stored offset; throws `.unreadableStore` for anything else than the format above.
    static func decode(_ bytes: ByteBuffer, path: String) throws(StorageError) -> Int64 {
        let lines = String(buffer: bytes).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3, lines[0] == "0", lines[2].isEmpty, let offset = Int64(lines[1]), offset >= 0 else {
            throw .unreadableStore("\(path) is not an offset checkpoint")
        }
        return offset
    }
}
