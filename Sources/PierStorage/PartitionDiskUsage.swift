#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a partition's log takes on disk, read from its directory whichever engine wrote it, for
/// DescribeLogDirs: the SQLite engine's database, its write-ahead log (the `-shm` index is
/// shared memory, rebuilt at will) and its batch file (`partition.batches`, counted from its first
/// byte of data: retention turns the start of it into a hole, `WireBatchFile.releaseSpace`), or the
/// segment engine's `.log` files (Kafka's `log.size`: segments, not their indexes or checkpoints).
/// Nil when the directory holds no log.
public enum PartitionDiskUsage {
    public static func bytes(ofPartitionDirectory directory: String) -> Int64? {
        let database = directory + "/" + PartitionDatabase.fileName
        if FileManager.default.fileExists(atPath: database) {
            return fileSize(database) + fileSize(database + "-wal") + bytesHeld(byPossiblySparseFile: directory + "/" + WireBatchFile.fileName)
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let segments = names.filter { $0.hasSuffix(SegmentFileNames.logSuffix) }
        guard !segments.isEmpty else { return nil }
        return segments.reduce(0) { $0 + fileSize(directory + "/" + $1) }
    }

    /// The file system holding `directory`: its size and what an unprivileged writer may still use.
    public static func capacity(ofDirectory directory: String) -> (total: Int64, usable: Int64)? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
              let total = (attributes[.systemSize] as? NSNumber)?.int64Value,
              let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value else { return nil }
        return (total, free)
    }

    /// A file's length less the hole at its start, if any (`lseek(SEEK_DATA)`; a file system that
    /// cannot tell reports the whole file as data). 0 for a missing file or one that is all hole.
    static func bytesHeld(byPossiblySparseFile path: String) -> Int64 {
        let length = fileSize(path)
        #if os(Linux)
        guard length > 0 else { return length }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return length }
        defer { close(descriptor) }
        let firstData = lseek(descriptor, 0, seekData)
        if firstData < 0 { return errno == ENXIO ? 0 : length }
        return max(0, length - Int64(firstData))
        #else
        return length
        #endif
    }

    /// SEEK_DATA (Linux's unistd.h; a `_GNU_SOURCE` name Glibc's Swift module leaves out).
    private static let seekData: Int32 = 3

    private static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
