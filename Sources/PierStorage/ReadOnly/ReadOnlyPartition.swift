import Foundation
import NIOCore
import PierRecords

/// One record as a reader of a partition sees it.
public struct StoredRecord: Sendable, Equatable {
    public var offset: Int64
    /// Milliseconds since the epoch, as a consumer sees it (the batch's max timestamp under LogAppendTime).
    public var timestamp: Int64
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(offset: Int64, timestamp: Int64, key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader]) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The records of a decoded batch, in offset order.
    public static func records(of batch: RecordBatch) -> [StoredRecord] {
        batch.records.map { record in
            StoredRecord(offset: batch.offset(of: record), timestamp: batch.timestamp(of: record),
                         key: record.key, value: record.value, headers: record.headers)
        }
    }
}

/// A partition's files opened for reading only, by tools that run beside (or without) the broker:
/// nothing is created, migrated, recovered or truncated. SQLite partitions are read through WAL,
/// so a running broker's writes never block the reader and the reader sees a consistent
/// snapshot per call; segment files are read up to their size at the time of the call, and a
/// batch still being written at the end is left out.
public protocol ReadOnlyPartition: AnyObject {
    var directory: String { get }
    /// First offset still readable.
    var logStartOffset: Int64 { get }
    /// Offset after the last stored record.
    var logEndOffset: Int64 { get }
    /// Earliest offset whose timestamp is ≥ `timestamp`; nil when none is.
    func offset(forTimestamp timestamp: Int64) throws(StorageError) -> Int64?
    /// Calls `visit` for each record with offset in `range`, in offset order, and returns the
    /// offset after the last one visited. `visit` returns false to stop early.
    @discardableResult
    func readRecords(in range: Range<Int64>, _ visit: (StoredRecord) throws -> Bool) throws -> Int64
    func close()
}

public enum ReadOnlyPartitionOpener {
    /// Opens `directory` with the engine its files belong to.
    public static func open(directory: String) throws(StorageError) -> any ReadOnlyPartition {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .unreadableStore("no partition directory at \(directory)")
        }
        if FileManager.default.fileExists(atPath: directory + "/" + PartitionDatabase.fileName) {
            return try ReadOnlySQLitePartition(directory: directory)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if names.contains(where: { SegmentFileNames.baseOffset(of: $0, suffix: SegmentFileNames.logSuffix) != nil }) {
            return try ReadOnlySegmentPartition(directory: directory)
        }
        throw .unreadableStore("\(directory) holds neither \(PartitionDatabase.fileName) nor segment files")
    }
}
