import GRDB
import GRDBSQLite
import NIOCore
import PierRecords

/// The product's partition engine: one SQLite database per partition (`<directory>/partition.sqlite`,
/// WAL mode), one row per record in `records`, one row per batch in `batches`, and the batches' bytes
/// as sent in `<directory>/partition.batches` (`WireBatchFile`); see `schema/sqlite/partition` and
/// docs/storage.md.
///
/// Every call holds one lock and runs on GRDB's serial `DatabaseQueue`; each append is one SQLite
/// transaction, so a crash at any moment leaves a prefix of whole appends (the batch file is written
/// before the commit and cut back to the committed batches on open). Hot statements are
/// prepared once (GRDB's statement cache) and driven through the C API.
public final class SQLitePartitionLog: PartitionLog, @unchecked Sendable {
    public let directory: String
    let options: SQLitePartitionLogOptions
    private let walHook: WriteAheadLogHook
    private let lock = PartitionLock()
    // Everything below is guarded by `lock`.
    private var queue: DatabaseQueue?
    private var logStart: Int64 = 0
    private var logEnd: Int64 = 0
    private var highWatermarkOffset: Int64 = 0
    /// Bytes of the batches still holding readable offsets.
    private var liveBytes: Int64 = 0
    /// Largest batch max_timestamp appended so far (the next batch's `max_timestamp_so_far` floor).
    private var maxTimestampSoFar: Int64 = -1
    private var epochs = LeaderEpochCache()
    /// `record_keys` holds every keyed record below this offset (persisted as `keys_indexed_until`).
    private var keysIndexedUntil: Int64 = 0
    private var lastFlushMilliseconds: Int64
    private var pageSize: Int64 = 4096
    private var batchFile: WireBatchFile?
    /// Where the next batch goes in `batchFile`: the end of the last committed batch in it.
    private var batchFileEnd: Int64 = 0
    /// The bytes of the batches of the append in progress, as they go to `batchFile` (reused).
    private var stagedBatches = ByteBuffer()

    /// Opens (creating if needed) the partition in `directory`.
    public init(directory: String, options: SQLitePartitionLogOptions = SQLitePartitionLogOptions()) throws(StorageError) {
        self.directory = directory
        self.options = options
        lastFlushMilliseconds = options.clock()
        walHook = WriteAheadLogHook(thresholdPages: PartitionDatabase.walAutocheckpointPages,
                                    backgroundThresholdPages: WALCheckpointer.thresholdFrames,
                                    observer: options.checkpointObserver)
        let queue = try PartitionDatabase.open(directory: directory, options: options, walHook: walHook)
        self.queue = queue
        do {
            try loadState()
            batchFile = try WireBatchFile(directory: directory)
        } catch {
            try? queue.close()
            throw error
        }
        do {
            try recoverBatchFile()
        } catch {
            try? close()
            throw error
        }
        // Finish deletions a crash interrupted (the log start was already moved and persisted).
        try deleteBelowLogStartInChunks()
        try startBackgroundCheckpoints()
    }

    /// Hands checkpoints to `WALCheckpointer`, which runs them on a second connection and its own
    /// thread; the WAL hook on this (the writer's) connection tells it when.
    private func startBackgroundCheckpoints() throws(StorageError) {
        do {
            try WALCheckpointer.shared.register(walHook, path: directory + "/" + PartitionDatabase.fileName)
        } catch {
            throw SQLiteFailure.storageError(error, context: "opening a checkpoint connection for \(directory)")
        }
    }

    /// Opens `<dataDirectory>/<topic>-<partition>`, Kafka's directory name for a partition.
    public convenience init(dataDirectory: String, topic: String, partition: Int32,
                            options: SQLitePartitionLogOptions = SQLitePartitionLogOptions()) throws(StorageError) {
        try self.init(directory: dataDirectory + "/" + topic + "-" + String(partition), options: options)
    }

    // MARK: Locking and database access

    private func locked<T>(_ body: (Database) throws(StorageError) -> T) throws(StorageError) -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let queue else { throw .closed }
        var failure: StorageError?
        let result: T? = queue.inDatabase { db -> T? in
            do throws(StorageError) {
                return try body(db)
            } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return result!
    }

    private func lockedValue<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Runs `body` in one IMMEDIATE transaction; rolls back on any error.
    private func transaction<T>(_ db: Database, _ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        try RawStatement(db, sql: "BEGIN IMMEDIATE").execute("beginning a transaction")
        do {
            let result = try body()
            try RawStatement(db, sql: "COMMIT").execute("committing")
            return result
        } catch {
            if !db.isInsideTransaction { throw error }
            try? RawStatement(db, sql: "ROLLBACK").execute("rolling back")
            throw error
        }
    }

    public var logStartOffset: Int64 { lockedValue { logStart } }
    public var logEndOffset: Int64 { lockedValue { logEnd } }
    public var highWatermark: Int64 { lockedValue { highWatermarkOffset } }
    public var sizeInBytes: Int64 { lockedValue { liveBytes } }
    /// Bytes of pages in the write-ahead log after the last commit: appends grow it, a checkpoint
    /// copies it into the database and the next commit starts it over. 0 before the first commit
    /// since the log was opened. (The `-wal` file keeps its largest size; this is what it holds.)
    public var writeAheadLogBytes: Int64 { Int64(walHook.pagesInLog) * lockedValue { pageSize } }

    private func loadState() throws(StorageError) {
        try locked { db throws(StorageError) in
            logStart = try Self.state(db, "log_start_offset")
            highWatermarkOffset = try Self.state(db, "high_watermark")
            keysIndexedUntil = try Self.state(db, "keys_indexed_until")
            let pageSizeQuery = try RawStatement(db, sql: "PRAGMA page_size")
            defer { pageSizeQuery.reset() }
            if try pageSizeQuery.step("reading the page size") { pageSize = pageSizeQuery.int64(0) }
            let last = try RawStatement(db, sql: PartitionSQL.Statement.batchLast)
            defer { last.reset() }
            if try last.step("reading the log end") {
                logEnd = max(last.int64(0) + 1, logStart)
                maxTimestampSoFar = last.int64(1)
            } else {
                logEnd = logStart
            }
            liveBytes = try liveSize(db)
            let fetch = try RawStatement(db, sql: PartitionSQL.Statement.leaderEpochsFetch)
            defer { fetch.reset() }
            while try fetch.step("reading leader epochs") {
                epochs.assign(epoch: Int32(truncatingIfNeeded: fetch.int64(0)), startOffset: fetch.int64(1))
            }
        }
    }

    private static func state(_ db: Database, _ name: String) throws(StorageError) -> Int64 {
        let fetch = try RawStatement(db, sql: PartitionSQL.Statement.stateFetch)
        defer { fetch.reset() }
        name.utf8CString.withUnsafeBytes { fetch.bindText(1, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        guard try fetch.step("reading \(name)") else { throw .unreadableStore("partition_state has no \(name)") }
        return fetch.int64(0)
    }

    private static func setState(_ db: Database, _ name: String, _ value: Int64) throws(StorageError) {
        let update = try RawStatement(db, sql: PartitionSQL.Statement.stateUpdate)
        let code: Int32 = name.utf8CString.withUnsafeBytes {
            update.bindText(1, UnsafeRawBufferPointer(rebasing: $0.dropLast()))
            update.bind(2, value)
            return sqlite3_step(update.handle)
        }
        try update.finish(code, "writing \(name)")
    }

    /// The batch containing `offset` or the last before it: (base, last).
    private func batch(containing offset: Int64, _ db: Database) throws(StorageError) -> (base: Int64, last: Int64)? {
        let find = try RawStatement(db, sql: PartitionSQL.Statement.batchContaining)
        defer { find.reset() }
        find.bind(1, offset)
        guard try find.step("locating offset \(offset)") else { return nil }
        return (find.int64(0), find.int64(1))
    }

    private func liveSize(_ db: Database) throws(StorageError) -> Int64 {
        let from = try batch(containing: logStart, db)?.base ?? logStart
        let size = try RawStatement(db, sql: PartitionSQL.Statement.liveSize)
        defer { size.reset() }
        size.bind(1, from)
        size.bind(2, logStart)
        _ = try size.step("measuring the partition")
        return size.int64(0)
    }

    private func persistEpochs(_ db: Database) throws(StorageError) {
        try RawStatement(db, sql: PartitionSQL.Statement.leaderEpochsClear).execute("clearing leader epochs")
        let insert = try RawStatement(db, sql: PartitionSQL.Statement.leaderEpochInsert)
        for entry in epochs.entries {
            insert.bind(1, Int64(entry.epoch))
            insert.bind(2, entry.startOffset)
            try insert.execute("writing leader epoch \(entry.epoch)")
        }
    }

    // MARK: Append

    public func append(_ batches: [AppendableBatch], as role: AppendRole) throws(StorageError) -> AppendResult {
        try locked { db throws(StorageError) -> AppendResult in
            guard !batches.isEmpty else {
                return AppendResult(baseOffsets: [], lastOffset: logEnd - 1, logAppendTime: nil, logStartOffset: logStart)
            }
            var appendTime: Int64?
            if case .leader(_, let logAppendTime) = role { appendTime = logAppendTime }
            let now = options.clock()
            var forceSync = false
            if case .interval(let milliseconds) = options.flushPolicy, now - lastFlushMilliseconds >= milliseconds {
                forceSync = true
            }
            if forceSync { try RawStatement(db, sql: "PRAGMA synchronous = FULL").execute("raising synchronous") }
            defer { if forceSync { try? RawStatement(db, sql: "PRAGMA synchronous = NORMAL").execute("lowering synchronous") } }

            var epochsAfter = epochs
            var runningMax = maxTimestampSoFar
            var nextOffset = logEnd
            var appendedBytes: Int64 = 0
            var baseOffsets: [Int64] = []
            baseOffsets.reserveCapacity(batches.count)
            stagedBatches.clear()
            try transaction(db) { () throws(StorageError) in
                let batchInsert = try RawStatement(db, sql: PartitionSQL.Statement.batchInsert)
                for batch in batches {
                    var raw = batch.raw
                    var header = try SegmentPartitionLog.validate(raw)
                    guard batch.decoded.records.count == Int(header.recordCount) else {
                        throw .corruptBatch("batch header counts \(header.recordCount) records but \(batch.decoded.records.count) were decoded")
                    }
                    switch role {
                    case .leader(let leaderEpoch, let logAppendTime):
                        if let logAppendTime {
                            do { try RecordBatch.rewriteLogAppendTime(logAppendTime, in: &raw) } catch { throw .corruptBatch("\(error)") }
                            header.attributes.timestampType = .logAppendTime
                            header.maxTimestamp = logAppendTime
                            header.crc = raw.getInteger(at: raw.readerIndex + RecordBatchHeader.Offset.crc)!
                        }
                        header.baseOffset = nextOffset
                        header.partitionLeaderEpoch = leaderEpoch
                    case .follower:
                        guard header.baseOffset == nextOffset else {
                            throw .offsetMismatch(expected: nextOffset, got: header.baseOffset)
                        }
                    }
                    runningMax = max(runningMax, header.maxTimestamp)
                    let rawAttributes: Int16 = raw.getInteger(at: raw.readerIndex + RecordBatchHeader.Offset.attributes)!
                    var wirePosition: Int64?
                    if options.wireBatchStorage == .batchFile {
                        wirePosition = batchFileEnd + Int64(stagedBatches.readableBytes)
                        stage(raw, header: header)
                    }
                    try insert(header, rawAttributes: rawAttributes, maxTimestampSoFar: runningMax, raw: raw,
                               wirePosition: wirePosition, using: batchInsert)
                    try insertRecords(of: batch.decoded, raw: raw, header: header, db)
                    if header.partitionLeaderEpoch >= 0, header.partitionLeaderEpoch > (epochsAfter.entries.last?.epoch ?? -1) {
                        // As Kafka does: the first batch of a newer leader epoch starts that epoch.
                        epochsAfter.assign(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset)
                    }
                    baseOffsets.append(header.baseOffset)
                    appendedBytes += Int64(header.totalSize)
                    nextOffset = header.nextOffset
                }
                if epochsAfter != epochs {
                    swap(&epochs, &epochsAfter)
                    do throws(StorageError) { try persistEpochs(db) } catch { swap(&epochs, &epochsAfter); throw error }
                    swap(&epochs, &epochsAfter)
                }
                // The batches' bytes reach the file (and the disk, when the policy syncs) before the
                // commit makes the rows pointing at them visible.
                try writeStagedBatches(sync: forceSync || options.flushPolicy == .everyAppend)
            }
            // Committed: only now does the in-memory view move.
            batchFileEnd += Int64(stagedBatches.readableBytes)
            epochs = epochsAfter
            logEnd = nextOffset
            liveBytes += appendedBytes
            maxTimestampSoFar = runningMax
            if forceSync { lastFlushMilliseconds = now }
            return AppendResult(baseOffsets: baseOffsets, lastOffset: nextOffset - 1, logAppendTime: appendTime, logStartOffset: logStart)
        }
    }

    /// Adds the batch to `stagedBatches` as it will be fetched: base offset, length and leader epoch
    /// as stored (the producer's may differ: they are outside the CRC), the rest as sent.
    private func stage(_ raw: ByteBuffer, header: RecordBatchHeader) {
        stagedBatches.writeInteger(header.baseOffset)
        stagedBatches.writeInteger(Int32(header.totalSize - RecordBatchHeader.logOverhead))
        stagedBatches.writeInteger(header.partitionLeaderEpoch)
        raw.withUnsafeReadableBytes { stagedBatches.writeBytes(UnsafeRawBufferPointer(rebasing: $0[Self.wireTailStart...])) }
    }

    private func writeStagedBatches(sync: Bool) throws(StorageError) {
        guard stagedBatches.readableBytes > 0, let batchFile else { return }
        try stagedBatches.withUnsafeReadableBytes { bytes throws(StorageError) in try batchFile.write(bytes, at: batchFileEnd) }
        if sync { try batchFile.synchronize() }
    }

    private func insert(_ header: RecordBatchHeader, rawAttributes: Int16, maxTimestampSoFar: Int64, raw: ByteBuffer,
                        wirePosition: Int64?, using statement: RawStatement) throws(StorageError) {
        statement.bind(1, header.baseOffset)
        statement.bind(2, header.lastOffset)
        statement.bind(3, Int64(header.partitionLeaderEpoch))
        statement.bind(4, Int64(rawAttributes))
        statement.bind(5, header.baseTimestamp)
        statement.bind(6, header.maxTimestamp)
        statement.bind(7, maxTimestampSoFar)
        statement.bind(8, header.producerId)
        statement.bind(9, Int64(header.producerEpoch))
        statement.bind(10, Int64(header.baseSequence))
        statement.bind(11, Int64(header.recordCount))
        statement.bind(12, Int64(header.crc))
        statement.bind(13, Int64(header.totalSize))
        if let wirePosition { statement.bind(15, wirePosition) } else { statement.bindNull(15) }
        let code: Int32 = raw.withUnsafeReadableBytes { bytes in
            if options.wireBatchStorage == .databaseColumn {
                statement.bindBlob(14, UnsafeRawBufferPointer(rebasing: bytes[Self.wireTailStart...]))
            } else {
                statement.bindNull(14)
            }
            return sqlite3_step(statement.handle)
        }
        try statement.finish(code, "storing batch \(header.baseOffset)")
    }

    /// Where `batches.wire_tail` starts: base offset, batch length and leader epoch are columns.
    static let wireTailStart = RecordBatchHeader.Offset.magic

    /// Stores the batch's records, `RecordRowsInsert.chunkSizes` rows per statement. Keys, values and
    /// headers are bound without a copy (`SQLITE_STATIC`) and stay in reach until the statement has run.
    /// An uncompressed batch's records are read in place from `raw` (`RecordsInPlace`: no `Record`
    /// copies, whose reference counting was a third of the engine's own time in an append); a compressed
    /// one's from the decoded batch, which holds the decompressed bytes.
    private func insertRecords(of batch: PierRecords.RecordBatch, raw: ByteBuffer, header: RecordBatchHeader, _ db: Database) throws(StorageError) {
        let records = batch.records
        guard header.attributes.compression == .none else {
            try records.withUnsafeBufferPointer { records throws(StorageError) in
                try insertRows(count: records.count, header: header, headersOf: { records[$0].headers }, db) { index in
                    let record = records[index]
                    return RecordInPlace(timestampDelta: record.timestampDelta, offsetDelta: record.offsetDelta,
                                         key: record.key.map(Self.unsafeReadableBytes), value: record.value.map(Self.unsafeReadableBytes),
                                         hasHeaders: !record.headers.isEmpty)
                }
            }
            return
        }
        let outcome: Result<Void, StorageError> = raw.withUnsafeReadableBytes { bytes in
            var inPlace = RecordsInPlace(records: UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.size...]))
            do throws(StorageError) {
                try insertRows(count: records.count, header: header, headersOf: { records[$0].headers }, db) { _ throws(StorageError) in
                    do throws(RecordBatchError) {
                        guard let record = try inPlace.next() else { throw .invalidRecord("fewer records than the header counts") }
                        return record
                    } catch {
                        throw .corruptBatch("\(error)")
                    }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    /// Binds and runs the multi-row inserts for `count` records; `record(i)` gives the i-th record's
    /// fields (called in order, once each), `headersOf(i)` its headers when it has any.
    @inline(__always)
    private func insertRows(count: Int, header: RecordBatchHeader, headersOf: (Int) -> [RecordHeader], _ db: Database,
                            record: (Int) throws(StorageError) -> RecordInPlace) throws(StorageError) {
        let isLogAppendTime = header.attributes.timestampType == .logAppendTime
        // Encoded headers of the rows bound so far, alive until the step (most records have none).
        var headerColumns: [[UInt8]] = []
        var next = 0
        for chunkSize in RecordRowsInsert.chunkSizes where count - next >= chunkSize {
            let statement = try RawStatement(db, sql: RecordRowsInsert.sqlByChunkSize[chunkSize]!)
            while count - next >= chunkSize {
                headerColumns.removeAll(keepingCapacity: true)
                var first: Int64 = 0
                for row in 0..<chunkSize {
                    let fields = try record(next + row)
                    let column = Int32(row) * RecordRowsInsert.columnsPerRow
                    let offset = header.baseOffset + Int64(fields.offsetDelta)
                    if row == 0 { first = offset }
                    statement.bind(column + 1, offset)
                    statement.bind(column + 2, header.baseOffset)
                    statement.bind(column + 3, isLogAppendTime ? header.maxTimestamp : header.baseTimestamp &+ fields.timestampDelta)
                    statement.bindBlob(column + 4, fields.key)
                    statement.bindBlob(column + 5, fields.value)
                    switch fields.hasHeaders ? RecordHeadersColumn.encode(headersOf(next + row)) : nil {
                    case nil:
                        statement.bindNull(column + 6)
                    case .json(let json):
                        headerColumns.append(json)
                        json.withUnsafeBytes { statement.bindText(column + 6, $0) }
                    case .kafka(let encoded):
                        headerColumns.append(encoded)
                        encoded.withUnsafeBytes { statement.bindBlob(column + 6, $0) }
                    }
                }
                try statement.finish(sqlite3_step(statement.handle), "storing records from \(first)")
                next += chunkSize
            }
        }
    }

    /// The buffer's readable bytes, for a `SQLITE_STATIC` binding. A ByteBuffer's bytes live in a heap
    /// storage that does not move while nobody writes to the buffer; the caller keeps it alive.
    @inline(__always)
    private static func unsafeReadableBytes(_ buffer: ByteBuffer) -> UnsafeRawBufferPointer {
        buffer.withUnsafeReadableBytes { $0 }
    }

    // MARK: Read

    public func read(from offset: Int64, maxBytes: Int, upperBound: Int64?) throws(StorageError) -> ReadResult {
        try locked { db throws(StorageError) -> ReadResult in
            guard offset >= logStart, offset <= logEnd else {
                throw .offsetOutOfRange(requested: offset, logStartOffset: logStart, logEndOffset: logEnd)
            }
            let limit = min(logEnd, upperBound ?? logEnd)
            var output = ByteBufferAllocator().buffer(capacity: offset < limit ? min(max(maxBytes, 0), 1 << 20) + 1024 : 0)
            if offset < limit {
                let fetch = try RawStatement(db, sql: PartitionSQL.Statement.batchesFetch)
                defer { fetch.reset() }
                fetch.bind(1, offset)
                fetch.bind(2, limit)
                // Consecutive batches of the batch file are read with one pread.
                var run: (position: Int64, count: Int)?
                while try fetch.step("reading from offset \(offset)") {
                    let size = Int(fetch.int64(FetchColumn.size))
                    let fetched = output.readableBytes + (run?.count ?? 0)
                    if fetched > 0 && fetched + size > maxBytes { break }
                    if !fetch.isNull(FetchColumn.wirePosition), servesAsStored(attributes: fetch.int64(FetchColumn.attributes)) {
                        let position = fetch.int64(FetchColumn.wirePosition)
                        if let pending = run, pending.position + Int64(pending.count) == position {
                            run = (pending.position, pending.count + size)
                        } else {
                            try readBatchFile(run, into: &output)
                            run = (position, size)
                        }
                        continue
                    }
                    try readBatchFile(run, into: &output)
                    run = nil
                    try writeBatch(from: fetch, into: &output, db)
                }
                try readBatchFile(run, into: &output)
            }
            return ReadResult(batches: output, logStartOffset: logStart, logEndOffset: logEnd, highWatermark: highWatermarkOffset)
        }
    }

    /// Columns of `batches_fetch.sql`.
    private enum FetchColumn {
        static let baseOffset: Int32 = 0, lastOffset: Int32 = 1, leaderEpoch: Int32 = 2, attributes: Int32 = 3
        static let baseTimestamp: Int32 = 4, maxTimestamp: Int32 = 5, producerId: Int32 = 6, producerEpoch: Int32 = 7
        static let baseSequence: Int32 = 8, recordCount: Int32 = 9, size: Int32 = 10, wireTail: Int32 = 11
        static let wirePosition: Int32 = 12
    }

    /// Whether a batch with these attributes is fetched as the producer sent it (kept bytes), rather
    /// than rebuilt in the topic's `compression.type`.
    private func servesAsStored(attributes: Int64) -> Bool {
        guard let fetchCompression = options.fetchCompression else { return true }
        return fetchCompression == CompressionCodec(rawValue: Int8(attributes & 0x07))
    }

    private func readBatchFile(_ run: (position: Int64, count: Int)?, into output: inout ByteBuffer) throws(StorageError) {
        guard let run else { return }
        guard let batchFile else { throw .closed }
        try batchFile.read(run.count, at: run.position, into: &output)
    }

    private func writeBatch(from row: RawStatement, into output: inout ByteBuffer, _ db: Database) throws(StorageError) {
        let attributes = Int16(truncatingIfNeeded: row.int64(FetchColumn.attributes))
        if let tail = row.blob(FetchColumn.wireTail), servesAsStored(attributes: Int64(attributes)) {
            // As sent: only the three fields outside the CRC come from the columns.
            output.writeInteger(row.int64(FetchColumn.baseOffset))
            output.writeInteger(Int32(tail.count + Self.wireTailStart - RecordBatchHeader.logOverhead))
            output.writeInteger(Int32(truncatingIfNeeded: row.int64(FetchColumn.leaderEpoch)))
            output.writeBytes(tail)
            return
        }
        try rebuildBatch(from: row, attributes: attributes, into: &output, db)
    }

    /// Encodes the batch again from its records rows, with the header fields it was stored with,
    /// compressed per `fetchCompression` (or its own codec); the CRC is computed afresh.
    private func rebuildBatch(from row: RawStatement, attributes: Int16, into output: inout ByteBuffer, _ db: Database) throws(StorageError) {
        let base = row.int64(FetchColumn.baseOffset)
        let last = row.int64(FetchColumn.lastOffset)
        let baseTimestamp = row.int64(FetchColumn.baseTimestamp)
        var decodedAttributes: RecordBatchAttributes
        do { decodedAttributes = try RecordBatchAttributes(rawValue: attributes) } catch {
            throw .unreadableStore("batch \(base) has attributes \(attributes)")
        }
        if let codec = options.fetchCompression { decodedAttributes.compression = codec }
        let header = RecordBatchHeader(
            baseOffset: base, partitionLeaderEpoch: Int32(truncatingIfNeeded: row.int64(FetchColumn.leaderEpoch)),
            attributes: decodedAttributes, lastOffsetDelta: Int32(truncatingIfNeeded: last - base),
            baseTimestamp: baseTimestamp, maxTimestamp: row.int64(FetchColumn.maxTimestamp),
            producerId: row.int64(FetchColumn.producerId), producerEpoch: Int16(truncatingIfNeeded: row.int64(FetchColumn.producerEpoch)),
            baseSequence: Int32(truncatingIfNeeded: row.int64(FetchColumn.baseSequence)),
            recordCount: Int32(truncatingIfNeeded: row.int64(FetchColumn.recordCount)))
        var records: [PierRecords.Record] = []
        records.reserveCapacity(Int(header.recordCount))
        let fetch = try RawStatement(db, sql: PartitionSQL.Statement.recordsFetch)
        defer { fetch.reset() }
        fetch.bind(1, base)
        fetch.bind(2, last)
        while try fetch.step("reading the records of batch \(base)") {
            let row = try Self.storedRecord(fetch)
            records.append(PierRecords.Record(timestampDelta: row.timestamp &- baseTimestamp, offsetDelta: Int32(truncatingIfNeeded: row.offset - base),
                                              key: row.key, value: row.value, headers: row.headers))
        }
        do {
            try RecordBatch(header: header, records: records).encode(into: &output)
        } catch {
            throw .unreadableStore("rebuilding batch \(base): \(error)")
        }
    }

    /// The current row of `recordsFetch` (offset, timestamp, key, value, headers) as a record.
    static func storedRecord(_ row: RawStatement) throws(StorageError) -> StoredRecord {
        let offset = row.int64(0)
        let headers: [RecordHeader]
        do throws(RecordHeadersColumn.Malformed) {
            headers = try RecordHeadersColumn.decode(row, column: 4)
        } catch {
            throw .unreadableStore("record \(offset) has malformed headers")
        }
        return StoredRecord(offset: offset, timestamp: row.int64(1), key: row.blob(2).map { ByteBuffer(bytes: $0) },
                            value: row.blob(3).map { ByteBuffer(bytes: $0) }, headers: headers)
    }

    // MARK: Timestamps

    public func offset(forTimestamp timestamp: Int64) throws(StorageError) -> TimestampAndOffset? {
        try locked { db throws(StorageError) -> TimestampAndOffset? in
            guard logEnd > logStart else { return nil }
            return try firstRecord(withTimestampAtLeast: timestamp, db)
        }
    }

    /// Earliest record at or after the log start with a timestamp ≥ `timestamp`.
    private func firstRecord(withTimestampAtLeast timestamp: Int64, _ db: Database) throws(StorageError) -> TimestampAndOffset? {
        try Self.firstRecord(withTimestampAtLeast: timestamp, logStart: logStart, db)
    }

    /// Shared with `ReadOnlySQLitePartition`, which reads the same tables without this class's state.
    static func firstRecord(withTimestampAtLeast timestamp: Int64, logStart: Int64, _ db: Database) throws(StorageError) -> TimestampAndOffset? {
        let candidate = try RawStatement(db, sql: PartitionSQL.Statement.batchForTimestamp)
        candidate.bind(1, timestamp)
        let found = try candidate.step("finding timestamp \(timestamp)")
        let firstBase = found ? candidate.int64(0) : nil
        candidate.reset()
        guard let firstBase else { return nil }
        let batches = try RawStatement(db, sql: PartitionSQL.Statement.batchesWithTimestampFrom)
        defer { batches.reset() }
        batches.bind(1, firstBase)
        batches.bind(2, timestamp)
        let record = try RawStatement(db, sql: PartitionSQL.Statement.recordForTimestamp)
        while try batches.step("scanning batches for timestamp \(timestamp)") {
            let from = max(batches.int64(0), logStart)
            let to = batches.int64(1)
            guard from <= to else { continue }
            record.bind(1, from)
            record.bind(2, to)
            record.bind(3, timestamp)
            defer { record.reset() }
            if try record.step("scanning records for timestamp \(timestamp)") {
                return TimestampAndOffset(timestamp: record.int64(1), offset: record.int64(0))
            }
        }
        return nil
    }

    public func offsetOfMaxTimestamp() throws(StorageError) -> TimestampAndOffset? {
        try locked { db throws(StorageError) -> TimestampAndOffset? in
            guard logEnd > logStart else { return nil }
            // The running maximum says which batch first reached the largest timestamp: one probe.
            if let found = try firstRecord(withTimestampAtLeast: maxTimestampSoFar, db), found.timestamp == maxTimestampSoFar {
                return found
            }
            // That batch went (retention): the largest timestamp among the live batches, by scan.
            let query = try RawStatement(db, sql: PartitionSQL.Statement.recordMaxTimestamp)
            defer { query.reset() }
            query.bind(1, logStart)
            query.bind(2, try batch(containing: logStart, db)?.base ?? logStart)
            guard try query.step("finding the largest timestamp") else { return nil }
            let largest = query.int64(2)
            query.reset()
            return try firstRecord(withTimestampAtLeast: largest, db)
        }
    }

    // MARK: High watermark

    public func updateHighWatermark(_ offset: Int64) throws(StorageError) {
        try locked { db throws(StorageError) in
            let clamped = min(max(offset, logStart), logEnd)
            guard clamped != highWatermarkOffset else { return }
            try Self.setState(db, "high_watermark", clamped)
            highWatermarkOffset = clamped
        }
    }

    // MARK: Truncation, deletion, retention

    public func truncate(to offset: Int64) throws(StorageError) {
        try locked { db throws(StorageError) in
            guard offset < logEnd else {
                // Nothing to cut, but an epoch that starts at the log end (this broker led it and wrote
                // nothing) must go, as in Kafka: kept, it makes the follower ask the leader about it again
                // and again, and the partition never fetches.
                var newEpochs = epochs
                guard newEpochs.truncateFromEnd(at: logEnd) else { return }
                try transaction(db) { () throws(StorageError) in try persistEpochs(&newEpochs, db) }
                epochs = newEpochs
                return
            }
            // A batch cannot be split: the one holding `offset` goes whole, as in Kafka.
            var cut = offset
            if let holding = try batch(containing: offset, db), holding.last >= offset { cut = holding.base }
            let newStart = min(logStart, cut)
            var newEpochs = epochs
            newEpochs.truncateFromEnd(at: cut)
            let newHighWatermark = min(highWatermarkOffset, cut)
            let newKeysIndexedUntil = min(keysIndexedUntil, cut)
            try transaction(db) { () throws(StorageError) in
                try deleteRows(from: cut, db)
                if newStart != logStart { try Self.setState(db, "log_start_offset", newStart) }
                if newHighWatermark != highWatermarkOffset { try Self.setState(db, "high_watermark", newHighWatermark) }
                if newKeysIndexedUntil != keysIndexedUntil { try Self.setState(db, "keys_indexed_until", newKeysIndexedUntil) }
                try persistEpochs(&newEpochs, db)
            }
            epochs = newEpochs
            logStart = newStart
            logEnd = cut
            keysIndexedUntil = newKeysIndexedUntil
            highWatermarkOffset = newHighWatermark
            let last = try RawStatement(db, sql: PartitionSQL.Statement.batchLast)
            defer { last.reset() }
            maxTimestampSoFar = try last.step("reading the log end") ? last.int64(1) : -1
            liveBytes = try liveSize(db)
            // After the commit: a crash before this leaves bytes past the last batch, which opening cuts.
            try trimBatchFile(db)
        }
    }

    /// Writes `newEpochs` in the open transaction when it differs from the cache; the cache itself
    /// keeps its value until the caller has seen the transaction commit.
    private func persistEpochs(_ newEpochs: inout LeaderEpochCache, _ db: Database) throws(StorageError) {
        guard newEpochs != epochs else { return }
        swap(&epochs, &newEpochs)
        defer { swap(&epochs, &newEpochs) }
        try persistEpochs(db)
    }

    public func truncateFully(startingAt offset: Int64) throws(StorageError) {
        try locked { db throws(StorageError) in
            var newEpochs = epochs
            newEpochs.truncateFromEnd(at: .min)
            try transaction(db) { () throws(StorageError) in
                try deleteRows(from: .min, db)
                for name in ["log_start_offset", "high_watermark", "keys_indexed_until"] { try Self.setState(db, name, offset) }
                try persistEpochs(&newEpochs, db)
            }
            epochs = newEpochs
            logStart = offset
            logEnd = offset
            keysIndexedUntil = offset
            highWatermarkOffset = offset
            maxTimestampSoFar = -1
            liveBytes = try liveSize(db)
            try trimBatchFile(db)
        }
    }

    /// Deletes the records, batches, producer batches and key index entries at and after `offset`.
    private func deleteRows(from offset: Int64, _ db: Database) throws(StorageError) {
        for sql in [PartitionSQL.Statement.recordsDeleteFrom, PartitionSQL.Statement.batchesDeleteFrom,
                    PartitionSQL.Statement.producerBatchesDeleteFrom, PartitionSQL.Statement.recordKeysDeleteFrom] {
            let delete = try RawStatement(db, sql: sql)
            delete.bind(1, offset)
            try delete.execute("truncating to \(offset)")
        }
    }

    /// Cuts the batch file to the end of the last batch the database places in it.
    private func trimBatchFile(_ db: Database) throws(StorageError) {
        guard let batchFile else { throw .closed }
        let newestFirst = try RawStatement(db, sql: PartitionSQL.Statement.batchesInFileNewestFirst)
        defer { newestFirst.reset() }
        let end = try newestFirst.step("finding the end of the batch file") ? newestFirst.int64(1) + newestFirst.int64(2) : 0
        if try batchFile.size() != end { try batchFile.truncate(to: end) }
        batchFileEnd = end
    }

    /// Makes the batch file agree with the database after a crash: bytes past the last committed batch
    /// (written by an append that did not commit) are cut off; committed batches whose bytes are missing
    /// or damaged (a machine crash before the file reached the disk, with a flush policy that does not
    /// sync every append) are truncated from the log, with every batch after them, so the partition is a
    /// prefix of what was appended. Batches are checked from the newest until one is whole.
    private func recoverBatchFile() throws(StorageError) {
        let cut = try locked { db throws(StorageError) -> Int64? in
            guard let batchFile else { throw .closed }
            let fileSize = try batchFile.size()
            let newestFirst = try RawStatement(db, sql: PartitionSQL.Statement.batchesInFileNewestFirst)
            defer { newestFirst.reset() }
            var cut: Int64?
            while try newestFirst.step("checking the batch file") {
                let base = newestFirst.int64(0), position = newestFirst.int64(1), size = newestFirst.int64(2)
                if position + size <= fileSize,
                   try batchFile.holdsWholeBatch(baseOffset: base, crc: UInt32(truncatingIfNeeded: newestFirst.int64(3)),
                                                 at: position, size: Int(size)) {
                    break
                }
                cut = base
            }
            newestFirst.reset()
            if cut == nil { try trimBatchFile(db) }
            return cut
        }
        if let cut { try truncate(to: cut) }
    }

    @discardableResult
    public func deleteRecords(before offset: Int64) throws(StorageError) -> Int64 {
        let start = try locked { db throws(StorageError) -> Int64 in
            guard offset <= logEnd else {
                throw .offsetOutOfRange(requested: offset, logStartOffset: logStart, logEndOffset: logEnd)
            }
            if offset > logStart { try moveLogStart(to: offset, db) }
            return logStart
        }
        try deleteBelowLogStartInChunks()
        return start
    }

    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, now: Int64) throws(StorageError) -> RetentionOutcome {
        let outcome = try locked { db throws(StorageError) -> RetentionOutcome in
            let before = logStart
            var newStart = logStart
            var remainingBytes = liveBytes
            let scan = try RawStatement(db, sql: PartitionSQL.Statement.batchesScan)
            defer { scan.reset() }
            scan.bind(1, try batch(containing: logStart, db)?.base ?? logStart)
            var ageExpired = policy.maxAgeMilliseconds != nil
            while try scan.step("scanning for retention") {
                let last = scan.int64(1), maxTimestamp = scan.int64(2), size = scan.int64(3)
                guard last >= logStart else { continue }
                // Oldest first, while the batch's newest record is older than retention.ms
                // (batches without timestamps never expire by time, as in Kafka).
                if ageExpired, let maxAge = policy.maxAgeMilliseconds, !(maxTimestamp >= 0 && maxTimestamp < now - maxAge) {
                    ageExpired = false
                }
                let overSize = policy.maxBytes.map { remainingBytes > $0 } ?? false
                guard ageExpired || overSize else { break }
                newStart = last + 1
                remainingBytes -= size
            }
            scan.reset()
            if newStart > before { try moveLogStart(to: newStart, db) }
            return RetentionOutcome(deletedRecords: logStart - before, newLogStartOffset: logStart)
        }
        try deleteBelowLogStartInChunks()
        return outcome
    }

    /// Makes `newStart` the log start (persisted at once; the rows go afterwards, in chunks).
    private func moveLogStart(to newStart: Int64, _ db: Database) throws(StorageError) {
        var newEpochs = epochs
        newEpochs.truncateFromStart(at: newStart)
        let newHighWatermark = max(highWatermarkOffset, newStart)
        let firstLive = try batch(containing: logStart, db)?.base ?? logStart
        let sizeQuery = try RawStatement(db, sql: PartitionSQL.Statement.batchesSizeBetween)
        sizeQuery.bind(1, firstLive)
        sizeQuery.bind(2, newStart)
        sizeQuery.bind(3, newStart)
        _ = try sizeQuery.step("measuring deleted batches")
        let removedBytes = sizeQuery.int64(0)
        sizeQuery.reset()
        try transaction(db) { () throws(StorageError) in
            try Self.setState(db, "log_start_offset", newStart)
            if newHighWatermark != highWatermarkOffset { try Self.setState(db, "high_watermark", newHighWatermark) }
            try persistEpochs(&newEpochs, db)
        }
        epochs = newEpochs
        logStart = newStart
        highWatermarkOffset = newHighWatermark
        liveBytes -= removedBytes
    }

    /// Deletes the rows of batches wholly below the log start, `deletionChunkRecords` at a time,
    /// one transaction and one lock hold per chunk, so appends interleave with a large deletion.
    private func deleteBelowLogStartInChunks() throws(StorageError) {
        while try deleteOneChunk() {}
    }

    /// Returns whether more remains.
    private func deleteOneChunk() throws(StorageError) -> Bool {
        try locked { db throws(StorageError) -> Bool in
            // Every batch below `target` is dead.
            guard let holding = try batch(containing: logStart, db) else { return false }
            let target = holding.last >= logStart ? holding.base : logStart
            let firstQuery = try RawStatement(db, sql: PartitionSQL.Statement.batchFirstFrom)
            defer { firstQuery.reset() }
            firstQuery.bind(1, Int64.min)
            guard try firstQuery.step("finding the oldest batch"), case let first = firstQuery.int64(0), first < target else { return false }
            firstQuery.reset()
            var bound = target
            firstQuery.bind(1, first + Int64(max(options.deletionChunkRecords, 1)))
            if try firstQuery.step("finding a chunk boundary") { bound = min(bound, firstQuery.int64(0)) }
            firstQuery.reset()
            try transaction(db) { () throws(StorageError) in
                for sql in [PartitionSQL.Statement.producerBatchesRetire, PartitionSQL.Statement.recordsDeleteBefore,
                            PartitionSQL.Statement.batchesDeleteBefore, PartitionSQL.Statement.recordKeysDeleteBefore] {
                    let statement = try RawStatement(db, sql: sql)
                    statement.bind(1, bound)
                    try statement.execute("deleting below \(bound)")
                }
                try RawStatement(db, sql: PartitionSQL.Statement.producerBatchesPrune).execute("pruning producer state")
            }
            try releaseDeletedBatchFileSpace(db)
            return bound < target
        }
    }

    /// Frees the batch file's blocks below the oldest batch left in it.
    private func releaseDeletedBatchFileSpace(_ db: Database) throws(StorageError) {
        let first = try RawStatement(db, sql: PartitionSQL.Statement.batchFileFirstPosition)
        defer { first.reset() }
        batchFile?.releaseSpace(before: try first.step("finding the oldest batch in the batch file") ? first.int64(0) : batchFileEnd)
    }

    // MARK: Leader epochs and producers

    public func assignLeaderEpoch(_ epoch: Int32, startOffset: Int64) throws(StorageError) {
        try locked { db throws(StorageError) in
            var newEpochs = epochs
            guard newEpochs.assign(epoch: epoch, startOffset: startOffset) else { return }
            swap(&epochs, &newEpochs)
            do throws(StorageError) {
                try transaction(db) { () throws(StorageError) in try persistEpochs(db) }
            } catch {
                swap(&epochs, &newEpochs)
                throw error
            }
        }
    }

    public func endOffset(forLeaderEpoch epoch: Int32) throws(StorageError) -> EpochEndOffset? {
        try locked { _ throws(StorageError) -> EpochEndOffset? in
            epochs.endOffset(for: epoch, logEndOffset: logEnd).map { EpochEndOffset(epoch: $0.epoch, endOffset: $0.endOffset) }
        }
    }

    public func leaderEpoch(at offset: Int64) -> Int32? {
        lockedValue { epochs.epoch(at: offset) }
    }

    public func producerState(for producerId: Int64) throws(StorageError) -> ProducerState? {
        try locked { db throws(StorageError) -> ProducerState? in
            let query = try RawStatement(db, sql: PartitionSQL.Statement.producerBatches)
            defer { query.reset() }
            query.bind(1, producerId)
            var newestFirst: [ProducerState.BatchMetadata] = []
            var epoch: Int16?
            while try query.step("reading producer \(producerId)") {
                let batchEpoch = Int16(truncatingIfNeeded: query.int64(0))
                // Only the newest epoch's batches count: a new epoch starts the sequence afresh.
                if let epoch, batchEpoch != epoch { break }
                epoch = batchEpoch
                newestFirst.append(.init(firstSequence: Int32(truncatingIfNeeded: query.int64(1)),
                                         lastSequence: Int32(truncatingIfNeeded: query.int64(2)),
                                         firstOffset: query.int64(3), lastOffset: query.int64(4), timestamp: query.int64(5)))
            }
            guard let epoch else { return nil }
            return ProducerState(producerId: producerId, producerEpoch: epoch, recentBatches: newestFirst.reversed())
        }
    }

    // MARK: Keys

    /// Brings `record_keys` up to the log end as it is now, `keyIndexingChunkRecords` offsets per
    /// transaction and lock hold, so appends interleave with indexing a large backlog.
    func indexKeysInChunks() throws(StorageError) {
        let target = lockedValue { logEnd }
        while try indexOneKeyChunk(upTo: target) {}
    }

    /// Returns whether more remains.
    private func indexOneKeyChunk(upTo target: Int64) throws(StorageError) -> Bool {
        try locked { db throws(StorageError) -> Bool in
            guard keysIndexedUntil < min(target, logEnd) else { return false }
            // Records below the log start are deleted or about to be: not worth indexing.
            let from = max(keysIndexedUntil, logStart)
            let to = max(from, min(target, logEnd, from + Int64(max(options.keyIndexingChunkRecords, 1))))
            try transaction(db) { () throws(StorageError) in
                let index = try RawStatement(db, sql: PartitionSQL.Statement.recordKeysIndex)
                index.bind(1, from)
                index.bind(2, to)
                try index.execute("indexing the keys of offsets \(from)..<\(to)")
                try Self.setState(db, "keys_indexed_until", to)
            }
            keysIndexedUntil = to
            return to < min(target, logEnd)
        }
    }

    func lockedOffsets(ofKey key: ByteBuffer, limit: Int) throws(StorageError) -> [Int64] {
        try locked { db throws(StorageError) -> [Int64] in
            let query = try RawStatement(db, sql: PartitionSQL.Statement.recordsByKey)
            defer { query.reset() }
            query.bind(2, logStart)
            query.bind(3, Int64(limit))
            query.bind(4, keysIndexedUntil)
            var offsets: [Int64] = []
            // The key's bytes are bound without a copy, so the steps happen while they are in reach.
            let outcome: Result<Void, StorageError> = key.withUnsafeReadableBytes { bytes in
                query.bindBlob(1, bytes)
                do throws(StorageError) {
                    while try query.step("looking up a key") { offsets.append(query.int64(0)) }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try outcome.get()
            return offsets
        }
    }

    // MARK: Flush and close

    public func flush() throws(StorageError) {
        try locked { db throws(StorageError) in
            // Copies the WAL into the database file and syncs both: everything committed is durable.
            // The pragma answers with one row (busy, log frames, checkpointed frames): step past it.
            // The batch file first: once the checkpoint has made the rows durable, their bytes must be too.
            guard let batchFile else { throw .closed }
            try batchFile.synchronize()
            let clock = ContinuousClock()
            let start = clock.now
            let checkpoint = try RawStatement(db, sql: "PRAGMA wal_checkpoint(FULL)")
            while try checkpoint.step("flushing") {}
            checkpoint.reset()
            walHook.checkpointed(in: clock.now - start)
            lastFlushMilliseconds = options.clock()
        }
    }

    deinit {
        // A log dropped without `close()` must not leave its checkpoint connection (or its file) behind.
        WALCheckpointer.shared.unregister(walHook)
        batchFile?.close()
    }

    public func close() throws(StorageError) {
        lock.lock()
        defer { lock.unlock() }
        guard let queue else { return }
        self.queue = nil
        WALCheckpointer.shared.unregister(walHook)
        batchFile?.close()
        batchFile = nil
        do {
            try queue.close()
        } catch {
            throw SQLiteFailure.storageError(error, context: "closing \(directory)")
        }
    }
}

extension SQLitePartitionLog {
    /// Offsets of the records whose key is exactly `key`, oldest first (at most `limit`). Indexes the
    /// keys appended since the last call first (appends do not touch the key index), then answers with
    /// one probe of `record_keys_by_key`. Not part of `PartitionLog`; operators and tools use it.
    public func offsets(ofKey key: ByteBuffer, limit: Int = 100) throws(StorageError) -> [Int64] {
        try indexKeysInChunks()
        return try lockedOffsets(ofKey: key, limit: limit)
    }
}
