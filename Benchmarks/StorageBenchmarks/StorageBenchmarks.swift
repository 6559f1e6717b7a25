import Benchmark
import Foundation
import GRDBSQLite
import NIOCore
import PierRecords
import PierStorage

// Partition engines side by side, with SQLite's C API driven directly as the floor: every append
// benchmark writes `recordsPerIteration` records per iteration, so records/s = that / wall clock.
// docs/benchmarks.md ("Storage") has the figures and the ratios.

let recordsPerIteration = 10_000
let baseTimestamp: Int64 = 1_700_000_000_000

enum Engine: String, CaseIterable {
    /// The product's engine, batches kept as sent in the partition's batch file.
    case sqlite
    /// The product's engine, batches kept as sent in the database (`batches.wire_tail`, as before migration 009).
    case sqliteWireTail = "sqlite-wire-tail"
    /// The product's engine, batches rebuilt from the records table on fetch.
    case sqliteRebuild = "sqlite-rebuild"
    case segments
    /// The product's engine with SQLite's default page cache (2 MiB) instead of the engine's 16 MiB:
    /// sequential reads of a partition larger than the cache (the populated one is 12 MiB).
    case sqliteDefaultCache = "sqlite-2MiB-cache"

    /// The engines every benchmark runs; `sqliteDefaultCache` only reads sequentially.
    static let compared: [Engine] = [.sqlite, .sqliteWireTail, .sqliteRebuild, .segments]

    func open(_ directory: String) throws -> any PartitionLog {
        switch self {
        case .sqlite: return try SQLitePartitionLog(directory: directory)
        case .sqliteWireTail: return try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(wireBatchStorage: .databaseColumn))
        case .sqliteRebuild: return try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(wireBatchStorage: .rebuiltFromRecords))
        case .sqliteDefaultCache: return try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(pageCacheBytes: 2 << 20))
        case .segments: return try SegmentPartitionLog(directory: directory, configuration: SegmentLogConfiguration(segmentBytes: 1 << 20))
        }
    }
}

/// A temporary partition opened before the measured iterations and removed after them.
final class PartitionFixture: @unchecked Sendable {
    let engine: Engine
    var directory = ""
    var log: (any PartitionLog)?

    init(_ engine: Engine) { self.engine = engine }

    func setUp() throws {
        directory = NSTemporaryDirectory() + "pier-bench-\(engine.rawValue)-\(UUID().uuidString)"
        log = try engine.open(directory + "/bench-0")
    }

    func tearDown() {
        try? log?.close()
        log = nil
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Record `index` of the benchmark stream: key `k<8 digits>`, a value of `valueSize` bytes.
func record(_ index: Int, valueSize: Int) -> NewRecord {
    let digits = String(index)
    let key = "k" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    var value = ByteBuffer(repeating: UInt8(ascii: "a") &+ UInt8(index % 26), count: valueSize)
    value.setString(digits, at: 0)
    return NewRecord(key: ByteBuffer(string: key), value: value, timestamp: baseTimestamp + Int64(index))
}

/// `recordsPerIteration` records as batches of `batchSize`, encoded once.
func makeBatches(valueSize: Int, batchSize: Int, first: Int = 0, total: Int = recordsPerIteration) -> [AppendableBatch] {
    stride(from: first, to: first + total, by: batchSize).map { start in
        let batch = RecordBatch.make(records: (start..<min(start + batchSize, first + total)).map { record($0, valueSize: valueSize) })
        return AppendableBatch(raw: try! batch.encoded(), decoded: batch)
    }
}

/// The floor, as issue 11 describes it: SQLite's C API inserting the engine's record rows (offset key,
/// batch offset, timestamp, key, value, headers) 64 rows per statement and 1000 rows per transaction,
/// statements prepared once, keys and values bound without a copy, with the engine's pragmas (WAL,
/// synchronous NORMAL, wal_autocheckpoint, mmap_size). No batch bytes, no batches table: what one
/// row per record costs SQLite and nothing else.
final class RawSQLiteBaseline: @unchecked Sendable {
    static let rowsPerStatement = 64
    static let rowsPerTransaction = 1000
    var directory = ""
    var connection: OpaquePointer?
    /// Prepared `INSERT`s by row count: `rowsPerStatement`, and the remainder of a transaction.
    var inserts: [Int: OpaquePointer] = [:]
    var nextOffset: Int64 = 0

    func setUp() {
        directory = NSTemporaryDirectory() + "pier-bench-raw-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        precondition(sqlite3_open(directory + "/raw.sqlite", &connection) == SQLITE_OK)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 16384",
                       "PRAGMA mmap_size = 268435456",
                       "CREATE TABLE records (\"offset\" INTEGER PRIMARY KEY, batch_offset INTEGER NOT NULL, "
                           + "timestamp INTEGER NOT NULL, key BLOB, value BLOB, headers ANY) STRICT"] {
            precondition(sqlite3_exec(connection, pragma, nil, nil, nil) == SQLITE_OK)
        }
        let remainder = Self.rowsPerTransaction % Self.rowsPerStatement
        for rows in [Self.rowsPerStatement, remainder] where rows > 0 {
            let tuples = (0..<rows).map { row in "(" + (1...6).map { "?\(row * 6 + $0)" }.joined(separator: ", ") + ")" }
            var statement: OpaquePointer?
            let sql = "INSERT INTO records VALUES " + tuples.joined(separator: ", ")
            precondition(sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK)
            inserts[rows] = statement
        }
        nextOffset = 0
    }

    /// `rows[i]` is record i's (key, value); the batch offset is that of its 1000-record transaction.
    func append(_ rows: [(key: [UInt8], value: [UInt8])]) {
        var index = 0
        while index < rows.count {
            precondition(sqlite3_exec(connection, "BEGIN", nil, nil, nil) == SQLITE_OK)
            let batchOffset = nextOffset
            let end = min(index + Self.rowsPerTransaction, rows.count)
            while index < end {
                let count = min(Self.rowsPerStatement, end - index)
                let insert = inserts[count]!
                for row in 0..<count {
                    let column = Int32(row * 6)
                    let (key, value) = rows[index + row]
                    sqlite3_bind_int64(insert, column + 1, nextOffset)
                    sqlite3_bind_int64(insert, column + 2, batchOffset)
                    sqlite3_bind_int64(insert, column + 3, baseTimestamp + nextOffset)
                    key.withUnsafeBytes { _ = sqlite3_bind_blob(insert, column + 4, $0.baseAddress, Int32($0.count), nil) }
                    value.withUnsafeBytes { _ = sqlite3_bind_blob(insert, column + 5, $0.baseAddress, Int32($0.count), nil) }
                    sqlite3_bind_null(insert, column + 6)
                    nextOffset += 1
                }
                precondition(sqlite3_step(insert) == SQLITE_DONE)
                sqlite3_reset(insert)
                index += count
            }
            precondition(sqlite3_exec(connection, "COMMIT", nil, nil, nil) == SQLITE_OK)
        }
    }

    func tearDown() {
        for statement in inserts.values { sqlite3_finalize(statement) }
        inserts = [:]
        sqlite3_close(connection)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A partition of `populatedRecords` 100-byte records in batches of 100, built before measuring.
let populatedRecords = 100_000

func populate(_ log: any PartitionLog) throws {
    for chunk in stride(from: 0, to: populatedRecords, by: recordsPerIteration) {
        _ = try log.append(makeBatches(valueSize: 100, batchSize: 100, first: chunk), as: .leader(leaderEpoch: 0, logAppendTime: nil))
    }
}

/// Lookups per iteration for the point-lookup benchmarks.
let lookupsPerIteration = 1000

func lookupTargets() -> [Int] {
    var state: UInt64 = 0x5EED
    return (0..<lookupsPerIteration).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33) % populatedRecords
    }
}

/// What finding a key costs without an index: read and decode every batch.
func scanForKey(_ log: any PartitionLog, key: ByteBuffer) throws -> Int64? {
    var next = log.logStartOffset
    while next < log.logEndOffset {
        let result = try log.read(from: next, maxBytes: 1 << 20, upperBound: nil)
        var iterator = RecordBatchSequence(result.batches).makeIterator()
        while let batch = try iterator.nextDecoded() {
            for record in batch.records where record.key == key { return batch.offset(of: record) }
            next = batch.header.nextOffset
        }
    }
    return nil
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 30
    )

    // MARK: Append

    for valueSize in [100, 1024] {
        let rows = (0..<recordsPerIteration).map { index -> (key: [UInt8], value: [UInt8]) in
            let record = record(index, valueSize: valueSize)
            return (Array(record.key!.readableBytesView), Array(record.value!.readableBytesView))
        }
        let baseline = RawSQLiteBaseline()
        Benchmark("Append raw-sqlite \(valueSize)B x1000 rows/txn", closure: { benchmark in
            for _ in benchmark.scaledIterations { baseline.append(rows) }
        }, setup: { baseline.setUp() }, teardown: { baseline.tearDown() })

        for batchSize in [1, 100, 1000] {
            let batches = makeBatches(valueSize: valueSize, batchSize: batchSize)
            for engine in Engine.compared {
                let fixture = PartitionFixture(engine)
                Benchmark("Append \(engine.rawValue) \(valueSize)B x\(batchSize)", closure: { benchmark in
                    for _ in benchmark.scaledIterations {
                        // One append call per batch, as a producer sending one batch per request.
                        for batch in batches { blackHole(try fixture.log!.append([batch], as: .leader(leaderEpoch: 0, logAppendTime: nil))) }
                    }
                }, setup: { try fixture.setUp() }, teardown: { fixture.tearDown() })
            }
        }
    }

    // MARK: Read and lookups on a populated partition

    for engine in Engine.allCases {
        let fixture = PartitionFixture(engine)
        let setUp: Benchmark.BenchmarkSetupHook = { try fixture.setUp(); try populate(fixture.log!) }
        let targets = lookupTargets()

        Benchmark("Read sequential \(engine.rawValue) 100k x100B", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                let log = fixture.log!
                var next = log.logStartOffset
                while next < log.logEndOffset {
                    let result = try log.read(from: next, maxBytes: 1 << 20, upperBound: nil)
                    var iterator = RecordBatchSequence(result.batches).makeIterator()
                    while let batch = try iterator.next() { next = batch.header.nextOffset }
                }
                blackHole(next)
            }
        }, setup: setUp, teardown: { fixture.tearDown() })
        guard Engine.compared.contains(engine) else { continue }

        Benchmark("Lookup by offset \(engine.rawValue) x1000", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                for target in targets { blackHole(try fixture.log!.read(from: Int64(target), maxBytes: 1, upperBound: nil)) }
            }
        }, setup: setUp, teardown: { fixture.tearDown() })

        Benchmark("Lookup by timestamp \(engine.rawValue) x1000", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                for target in targets { blackHole(try fixture.log!.offset(forTimestamp: baseTimestamp + Int64(target))) }
            }
        }, setup: setUp, teardown: { fixture.tearDown() })

        let keyTargets = Array(targets.prefix(engine == .segments ? 10 : lookupsPerIteration))
        Benchmark("Lookup by key \(engine.rawValue) x\(keyTargets.count)", closure: { benchmark in
            for _ in benchmark.scaledIterations {
                for target in keyTargets {
                    let key = record(target, valueSize: 0).key!
                    if let sqlite = fixture.log as? SQLitePartitionLog {
                        blackHole(try sqlite.offsets(ofKey: key, limit: 1).first)
                    } else {
                        blackHole(try scanForKey(fixture.log!, key: key))
                    }
                }
            }
        }, setup: setUp, teardown: { fixture.tearDown() })

        if engine == .sqlite {
            // The first key lookup after appends indexes their keys (appends do not): its cost for 100k records.
            Benchmark("Key index catch-up \(engine.rawValue) 100k x100B", configuration: .init(
                metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 3
            ), closure: { benchmark in
                for _ in benchmark.scaledIterations {
                    fixture.tearDown()
                    try fixture.setUp()
                    try populate(fixture.log!)
                    benchmark.startMeasurement()
                    blackHole(try (fixture.log as! SQLitePartitionLog).offsets(ofKey: record(0, valueSize: 0).key!, limit: 1))
                    benchmark.stopMeasurement()
                }
            }, setup: { try fixture.setUp() }, teardown: { fixture.tearDown() })
        }

        Benchmark("Retention delete half \(engine.rawValue) 100k x100B", configuration: .init(
            metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 3
        ), closure: { benchmark in
            for _ in benchmark.scaledIterations {
                // A fresh populated partition per iteration, outside the measured interval.
                fixture.tearDown()
                try fixture.setUp()
                try populate(fixture.log!)
                benchmark.startMeasurement()
                blackHole(try fixture.log!.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: fixture.log!.sizeInBytes / 2),
                                                          now: baseTimestamp))
                benchmark.stopMeasurement()
            }
        }, setup: { try fixture.setUp() }, teardown: { fixture.tearDown() })
    }
}
