import NIOCore
import PierRecords

/// The log of one topic partition, as the broker and replication see it.
///
/// Two engines implement it: `SQLitePartitionLog` (the product's own: one SQLite database per
/// partition, one row per record) and `SegmentPartitionLog` (Kafka's `.log`/`.index`/`.timeindex`
/// segments, the baseline). One conformance suite runs against both.
///
/// Calls are synchronous and thread-safe: implementations serialise writers internally, so the
/// broker may call from any event loop or thread. Errors are `StorageError`, which the broker maps
/// to Kafka error codes.
public protocol PartitionLog: AnyObject, Sendable {
    /// First offset still readable (advanced by retention and `deleteRecords`).
    var logStartOffset: Int64 { get }
    /// Offset the next appended record gets.
    var logEndOffset: Int64 { get }
    /// Offset up to which records are committed to all in-sync replicas; persisted.
    var highWatermark: Int64 { get }
    /// Bytes the partition occupies on disk (retention.bytes compares against it).
    var sizeInBytes: Int64 { get }

    /// Appends validated v2 batches in one transaction.
    /// As `.leader`, offsets are assigned from `logEndOffset` (the batch's base offset is rewritten);
    /// as `.follower`, each batch keeps its offsets, which must start at `logEndOffset`.
    func append(_ batches: [AppendableBatch], as role: AppendRole) throws(StorageError) -> AppendResult

    /// Reads whole v2 batches starting with the one that contains `offset`, with their original
    /// boundaries, producer ids, sequences and timestamps, up to about `maxBytes` (at least one
    /// batch is returned when any exists, as Kafka does, so a large batch is never stuck), stopping
    /// before `upperBound` (e.g. the high watermark) when given.
    func read(from offset: Int64, maxBytes: Int, upperBound: Int64?) throws(StorageError) -> ReadResult

    /// Earliest offset whose timestamp is ≥ `timestamp`, with that timestamp; nil when none is.
    func offset(forTimestamp timestamp: Int64) throws(StorageError) -> TimestampAndOffset?
    /// The offset holding the largest timestamp (ListOffsets `MAX_TIMESTAMP`).
    func offsetOfMaxTimestamp() throws(StorageError) -> TimestampAndOffset?

    func updateHighWatermark(_ offset: Int64) throws(StorageError)

    /// Removes every record at or after `offset` (a follower that diverged from its leader).
    func truncate(to offset: Int64) throws(StorageError)
    /// Deletes every record and starts the log, empty, at `offset` (Kafka's truncateFullyAndStartAt):
    /// a follower whose log ends below the leader's log start cannot catch up by fetching. Leader
    /// epochs and producer state go with the records.
    func truncateFully(startingAt offset: Int64) throws(StorageError)
    /// Makes `offset` the new log start (`DeleteRecords`); returns the resulting log start offset.
    @discardableResult
    func deleteRecords(before offset: Int64) throws(StorageError) -> Int64
    /// Applies `retention.ms` / `retention.bytes` (nil = unlimited); returns how many records went.
    @discardableResult
    func applyRetention(_ policy: RetentionPolicy, now: Int64) throws(StorageError) -> RetentionOutcome

    /// Leader-epoch cache for `OffsetForLeaderEpoch`: records that `epoch` starts at `startOffset`.
    func assignLeaderEpoch(_ epoch: Int32, startOffset: Int64) throws(StorageError)
    /// The largest epoch ≤ `epoch` and the end offset of that epoch (the start of the next one, or the log end).
    func endOffset(forLeaderEpoch epoch: Int32) throws(StorageError) -> EpochEndOffset?
    /// The epoch in force at `offset` (the latest that started at or before it); nil when none did.
    func leaderEpoch(at offset: Int64) -> Int32?

    /// Idempotent-producer state of one producer id, as last persisted; survives restarts and retention.
    func producerState(for producerId: Int64) throws(StorageError) -> ProducerState?

    /// Forces everything appended so far to stable storage, whatever the flush policy.
    func flush() throws(StorageError)
    func close() throws(StorageError)
}

/// Who assigns offsets on append.
public enum AppendRole: Sendable, Equatable {
    /// The leader assigns offsets; `logAppendTime`, when set, replaces timestamps (topic `message.timestamp.type=LogAppendTime`).
    case leader(leaderEpoch: Int32, logAppendTime: Int64?)
    /// A follower stores batches at the offsets the leader gave them.
    case follower
}

/// One v2 batch ready to append: the raw bytes as received (CRC already verified by the caller)
/// and its decoded form (records uncompressed).
public struct AppendableBatch: Sendable {
    public var raw: ByteBuffer
    public var decoded: RecordBatch

    public init(raw: ByteBuffer, decoded: RecordBatch) {
        self.raw = raw
        self.decoded = decoded
    }
}

public struct AppendResult: Sendable, Equatable {
    /// Base offset of each appended batch, in order.
    public var baseOffsets: [Int64]
    public var lastOffset: Int64
    public var logAppendTime: Int64?
    public var logStartOffset: Int64

    public init(baseOffsets: [Int64], lastOffset: Int64, logAppendTime: Int64?, logStartOffset: Int64) {
        self.baseOffsets = baseOffsets
        self.lastOffset = lastOffset
        self.logAppendTime = logAppendTime
        self.logStartOffset = logStartOffset
    }
}

public struct ReadResult: Sendable {
    /// Concatenated v2 batches, ready to be the `records` field of a fetch response.
    public var batches: ByteBuffer
    public var logStartOffset: Int64
    public var logEndOffset: Int64
    public var highWatermark: Int64

    public init(batches: ByteBuffer, logStartOffset: Int64, logEndOffset: Int64, highWatermark: Int64) {
        self.batches = batches
        self.logStartOffset = logStartOffset
        self.logEndOffset = logEndOffset
        self.highWatermark = highWatermark
    }
}

public struct TimestampAndOffset: Sendable, Equatable {
    public var timestamp: Int64
    public var offset: Int64
    public init(timestamp: Int64, offset: Int64) {
        self.timestamp = timestamp
        self.offset = offset
    }
}

public struct EpochEndOffset: Sendable, Equatable {
    public var epoch: Int32
    public var endOffset: Int64
    public init(epoch: Int32, endOffset: Int64) {
        self.epoch = epoch
        self.endOffset = endOffset
    }
}

public struct RetentionPolicy: Sendable, Equatable {
    /// `retention.ms`; nil keeps records forever.
    public var maxAgeMilliseconds: Int64?
    /// `retention.bytes`; nil puts no bound on size.
    public var maxBytes: Int64?
    public init(maxAgeMilliseconds: Int64?, maxBytes: Int64?) {
        self.maxAgeMilliseconds = maxAgeMilliseconds
        self.maxBytes = maxBytes
    }
}

public struct RetentionOutcome: Sendable, Equatable {
    public var deletedRecords: Int64
    public var newLogStartOffset: Int64
    public init(deletedRecords: Int64, newLogStartOffset: Int64) {
        self.deletedRecords = deletedRecords
        self.newLogStartOffset = newLogStartOffset
    }
}

/// Idempotent-producer state: the epoch and the last five batches' sequence ranges, as Kafka keeps them.
public struct ProducerState: Sendable, Equatable {
    public struct BatchMetadata: Sendable, Equatable {
        public var firstSequence: Int32
        public var lastSequence: Int32
        public var firstOffset: Int64
        public var lastOffset: Int64
        public var timestamp: Int64
        public init(firstSequence: Int32, lastSequence: Int32, firstOffset: Int64, lastOffset: Int64, timestamp: Int64) {
            self.firstSequence = firstSequence
            self.lastSequence = lastSequence
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
            self.timestamp = timestamp
        }
    }
    public var producerId: Int64
    public var producerEpoch: Int16
    /// Oldest first; at most five.
    public var recentBatches: [BatchMetadata]
    public init(producerId: Int64, producerEpoch: Int16, recentBatches: [BatchMetadata]) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.recentBatches = recentBatches
    }
}

/// When appended data is forced to stable storage.
public enum FlushPolicy: Sendable, Equatable {
    /// fsync before an append returns: nothing acknowledged is lost on power failure.
    case everyAppend
    /// fsync at most this often; a crash of the machine may lose the last interval.
    case interval(milliseconds: Int64)
    /// Leave it to the operating system (Kafka's default); a process crash loses nothing.
    case operatingSystem
}

public enum StorageError: Error, Equatable, Sendable {
    /// A batch failed validation (CRC, sizes): Kafka `CORRUPT_MESSAGE`.
    case corruptBatch(String)
    /// A follower append did not start at the log end: Kafka `UNKNOWN_SERVER_ERROR` on the follower, triggers truncation.
    case offsetMismatch(expected: Int64, got: Int64)
    /// Read below the log start or above the log end: Kafka `OFFSET_OUT_OF_RANGE`.
    case offsetOutOfRange(requested: Int64, logStartOffset: Int64, logEndOffset: Int64)
    /// Disk full or write failed: Kafka `KAFKA_STORAGE_ERROR`.
    case writeFailed(String)
    /// The partition's files are unreadable, from another program, or from a newer Pier: `KAFKA_STORAGE_ERROR`.
    case unreadableStore(String)
    /// The log was closed.
    case closed
}
