import PierRecords

/// Settings of a `SQLitePartitionLog`.
public struct SQLitePartitionLogOptions: Sendable {
    public var flushPolicy: FlushPolicy
    /// The topic's `compression.type` for batches fetch has to rebuild from the records table;
    /// nil keeps each batch's own codec (Kafka's `compression.type=producer`). A codec other than
    /// the producer's also makes fetch rebuild batches that were kept as sent.
    public var fetchCompression: CompressionCodec?
    /// Keep each batch's bytes as the producer sent them (`batches.wire_tail`) so fetch returns
    /// them unchanged; false stores records only and rebuilds batches on every fetch.
    public var keepsWireBatches: Bool
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
                keepsWireBatches: Bool = true,
                maxPageCount: Int? = nil,
                pageCacheBytes: Int = 16 << 20,
                deletionChunkRecords: Int = 20_000,
                keyIndexingChunkRecords: Int = 50_000,
                clock: @escaping @Sendable () -> Int64 = SegmentLogConfiguration.wallClockMilliseconds,
                checkpointObserver: (@Sendable (Duration) -> Void)? = nil) {
        self.flushPolicy = flushPolicy
        self.fetchCompression = fetchCompression
        self.keepsWireBatches = keepsWireBatches
        self.maxPageCount = maxPageCount
        self.pageCacheBytes = pageCacheBytes
        self.deletionChunkRecords = deletionChunkRecords
        self.keyIndexingChunkRecords = keyIndexingChunkRecords
        self.clock = clock
        self.checkpointObserver = checkpointObserver
    }
}
