import PierRecords

/// Where a `SQLitePartitionLog` keeps the bytes of the batches producers sent (docs/storage.md).
public enum WireBatchStorage: Sendable, Equatable {
    /// In the partition's batch file (`partition.batches`), written once, beside the database; the
    /// `batches` row says where. The default: fetch reads runs of batches with one `pread`.
    case batchFile
    /// In the database (`batches.wire_tail`), as before migration 009: every batch's bytes go through
    /// the write-ahead log and the checkpoint beside the records rows. Kept for comparison.
    case databaseColumn
    /// Nowhere: the records rows only, and fetch encodes batches from them anew, its CRC computed afresh
    /// (the producer's bytes again for uncompressed batches encoded as Kafka's clients encode them;
    /// compressed batches are compressed again, so their bytes differ).
    case rebuiltFromRecords
}

/// Settings of a `SQLitePartitionLog`.
public struct SQLitePartitionLogOptions: Sendable {
    public var flushPolicy: FlushPolicy
    /// The topic's `compression.type` for batches fetch has to rebuild from the records table;
    /// nil keeps each batch's own codec (Kafka's `compression.type=producer`). A codec other than
    /// the producer's also makes fetch rebuild batches that were kept as sent.
    public var fetchCompression: CompressionCodec?
    /// Where each batch's bytes, as the producer sent them, are kept for fetch to return unchanged.
    public var wireBatchStorage: WireBatchStorage
    /// `PRAGMA max_page_count`: a quota on the partition's database, past which appends fail with
    /// `StorageError.writeFailed` as on a full disk. nil leaves SQLite's default (no practical limit).
    public var maxPageCount: Int?
    /// Bytes of SQLite's page cache for this partition (`PRAGMA cache_size`), allocated as pages are
    /// used. Pages appended recently stay in it, so a consumer near the log end reads them without
    /// SQLite fetching each page from the WAL again (one `pread` per page; the WAL is not memory-mapped).
    public var pageCacheBytes: Int
    /// Records deleted per transaction by retention and `deleteRecords`: appends wait for at most one chunk.
    public var deletionChunkRecords: Int
    /// Offsets whose keys are indexed per transaction when a key lookup catches `record_keys` up:
    /// appends wait for at most one chunk.
    public var keyIndexingChunkRecords: Int
    /// Milliseconds since the epoch; replaceable so interval flushing can be tested.
    public var clock: @Sendable () -> Int64
    /// Told how long each WAL checkpoint took (the automatic ones and those `flush()` runs), for
    /// whoever reports storage timings; nil leaves checkpoints to SQLite unobserved.
    public var checkpointObserver: (@Sendable (Duration) -> Void)?

    public init(flushPolicy: FlushPolicy = .operatingSystem,
                fetchCompression: CompressionCodec? = nil,
                wireBatchStorage: WireBatchStorage = .batchFile,
                maxPageCount: Int? = nil,
                pageCacheBytes: Int = 16 << 20,
                deletionChunkRecords: Int = 20_000,
                keyIndexingChunkRecords: Int = 50_000,
                clock: @escaping @Sendable () -> Int64 = SegmentLogConfiguration.wallClockMilliseconds,
                checkpointObserver: (@Sendable (Duration) -> Void)? = nil) {
        self.flushPolicy = flushPolicy
        self.fetchCompression = fetchCompression
        self.wireBatchStorage = wireBatchStorage
        self.maxPageCount = maxPageCount
        self.pageCacheBytes = pageCacheBytes
        self.deletionChunkRecords = deletionChunkRecords
        self.keyIndexingChunkRecords = keyIndexingChunkRecords
        self.clock = clock
        self.checkpointObserver = checkpointObserver
    }
}
