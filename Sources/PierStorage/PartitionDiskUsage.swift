import Foundation

/// What a partition's log takes on disk, read from its directory whichever engine wrote it, for
/// DescribeLogDirs: the SQLite engine's database and its write-ahead log (the `-shm` index is
/// shared memory, rebuilt at will), or the segment engine's `.log` files (Kafka's `log.size`:
/// segments, not their indexes or checkpoints). Nil when the directory holds no log.
public enum PartitionDiskUsage {
    public static func bytes(ofPartitionDirectory directory: String) -> Int64? {
        let database = directory + "/" + PartitionDatabase.fileName
        if FileManager.default.fileExists(atPath: database) {
            return fileSize(database) + fileSize(database + "-wal")
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

    private static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
