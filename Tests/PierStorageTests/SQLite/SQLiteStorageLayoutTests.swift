import Foundation
import GRDB
import NIOCore
import PierRecords
import PierStorage
import Testing

/// What an operator sees in the database file, and the engine options that change the layout.
@Suite struct SQLiteStorageLayoutTests {
    private typealias F = ConformanceFixtures

    private func database(_ directory: ConformanceDirectory) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: directory.partition + "/partition.sqlite", configuration: configuration)
    }

    @Test func compressedBatchesAreStoredAsPlainRows() throws {
        let directory = ConformanceDirectory("sqlite-rows")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 3, compression: .zstd, label: "z-")], as: F.leader)
        let rows = try database(directory).read { db in
            try Row.fetchAll(db, sql: "SELECT \"offset\", CAST(key AS TEXT) AS key, CAST(value AS TEXT) AS value, headers, typeof(headers) AS kind FROM records ORDER BY 1")
        }
        #expect(rows.map { $0["key"] as String } == ["z-k0", "z-k1", "z-k2"])
        #expect((rows[1]["value"] as String).hasPrefix("z-v1-xxx"))
        #expect(rows.map { $0["kind"] as String } == ["text", "text", "text"])
        #expect(rows[2]["headers"] as String == #"[["h","2"]]"#)
        let view = try database(directory).read { try Row.fetchOne($0, sql: "SELECT time, key FROM records_text WHERE \"offset\" = 0") }
        #expect(view?["time"] as String? == "2023-11-14T22:13:20.000Z")
    }

    @Test(arguments: [1, 3, 4, 17, 63, 64, 65, 150])
    func batchesOfAnySizeAreStoredRowForRow(_ count: Int) throws {
        // Records go in several rows per INSERT (RecordRowsInsert): every chunk size and remainder.
        let directory = ConformanceDirectory("sqlite-rows-\(count)")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(wireBatchStorage: .rebuiltFromRecords))
        defer { try? log.close() }
        let records = (0..<count).map { index in
            NewRecord(key: index % 5 == 0 ? nil : ByteBuffer(string: "key-\(index)"),
                      value: index % 7 == 3 ? nil : ByteBuffer(repeating: UInt8(index % 251), count: index % 11),
                      headers: index % 3 == 0 ? [] : [RecordHeader(key: "h", value: index % 2 == 0 ? ByteBuffer(bytes: [0xFF, UInt8(index % 256)]) : ByteBuffer(string: "\(index)"))],
                      timestamp: 1_000 + Int64(index))
        }
        let sent = F.appendable(RecordBatch.make(records: records))
        _ = try log.append([F.batch(count: 2), sent], as: F.leader)
        #expect(try F.decode(log.read(from: 2, maxBytes: 1 << 20, upperBound: nil)).first?.records == sent.decoded.records)
        let stored = try database(directory).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM records WHERE batch_offset = 2") }
        #expect(stored == count)
    }

    @Test func binaryHeaderValuesFallBackToKafkaEncoding() throws {
        let directory = ConformanceDirectory("sqlite-headers")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(wireBatchStorage: .rebuiltFromRecords))
        defer { try? log.close() }
        let headers = [RecordHeader(key: "bin", value: ByteBuffer(bytes: [0xFF, 0x00, 0xC3])),
                       RecordHeader(key: "quote\"\\\n", value: ByteBuffer(string: "tab\tü😀"))]
        let sent = F.appendable(RecordBatch.make(records: [
            NewRecord(key: nil, value: ByteBuffer(string: "a"), headers: headers, timestamp: 5),
            NewRecord(key: nil, value: ByteBuffer(string: "b"), headers: [headers[1], RecordHeader(key: "n", value: nil)], timestamp: 6),
        ]))
        _ = try log.append([sent], as: F.leader)
        let kinds = try database(directory).read { try String.fetchAll($0, sql: "SELECT typeof(headers) FROM records ORDER BY 1") }
        #expect(kinds == ["blob", "text"])
        let json = try database(directory).read { try String.fetchOne($0, sql: "SELECT json_extract(headers, '$[0][1]') FROM records WHERE \"offset\" = 1") }
        #expect(json == "tab\tü😀")
        // Rebuilt from rows, byte for byte.
        #expect(try F.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)).first?.records == sent.decoded.records)
    }

    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func fetchRecompressesToTheTopicCodec(_ codec: CompressionCodec) throws {
        let directory = ConformanceDirectory("sqlite-topic-\(codec)")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(fetchCompression: codec))
        defer { try? log.close() }
        let sent = [F.batch(count: 50, valueSize: 300, producerId: 4, producerEpoch: 1, baseSequence: 10), F.batch(count: 5, compression: .gzip)]
        _ = try log.append(sent, as: .leader(leaderEpoch: 3, logAppendTime: nil))
        let result = try log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)
        let raw = try RecordBatchSequence(result.batches).rawBatches()
        #expect(raw.map(\.header.attributes.compression) == [codec, codec])
        for (stored, original) in zip(raw, sent) {
            try stored.verifyCRC()
            #expect(try stored.decode().records == original.decoded.records)
            #expect(stored.header.producerId == original.decoded.header.producerId)
            #expect(stored.header.baseSequence == original.decoded.header.baseSequence)
            #expect(stored.header.maxTimestamp == original.decoded.header.maxTimestamp)
            #expect(stored.header.partitionLeaderEpoch == 3)
        }
        // Compression paid off for the repetitive first batch.
        #expect(raw[0].bytes.readableBytes < sent[0].raw.readableBytes / 2)
    }

    @Test func retentionDeletesInChunksAndKeepsProducerState() throws {
        let directory = ConformanceDirectory("sqlite-chunks")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(deletionChunkRecords: 7))
        defer { try? log.close() }
        for index in 0..<40 {
            _ = try log.append([F.batch(count: 3, producerId: Int64(index % 3), producerEpoch: 0, baseSequence: Int32(index / 3 * 3))], as: F.leader)
        }
        let before = try (0..<3).map { try log.producerState(for: Int64($0)) }
        #expect(try log.deleteRecords(before: 100) == 100)
        let counts = try database(directory).read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM records")!, try Int.fetchOne(db, sql: "SELECT min(base_offset) FROM batches")!)
        }
        // 99 is the first offset of the batch holding offset 100: everything before it is gone.
        #expect(counts.0 == 120 - 99 && counts.1 == 99)
        #expect(try (0..<3).map { try log.producerState(for: Int64($0)) } == before)
    }

    @Test func anInterruptedDeletionFinishesOnOpen() throws {
        let directory = ConformanceDirectory("sqlite-resume")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        _ = try log.append((0..<10).map { _ in F.batch(count: 10) }, as: F.leader)
        try log.close()
        // As if a crash came after the log start moved but before any row went.
        let writable = try DatabaseQueue(path: directory.partition + "/partition.sqlite")
        try writable.write { try $0.execute(sql: "UPDATE partition_state SET value = 50 WHERE name = 'log_start_offset'") }
        try writable.close()
        let reopened = try SQLitePartitionLog(directory: directory.partition)
        defer { try? reopened.close() }
        #expect(reopened.logStartOffset == 50)
        #expect(try database(directory).read { try Int.fetchOne($0, sql: "SELECT min(\"offset\") FROM records") } == 50)
        #expect(try F.readAll(reopened).first?.offset == 50)
    }
}

@Suite struct SQLiteKeyLookupTests {
    @Test func offsetsOfAKeyComeFromTheIndexAndRespectTheLogStart() throws {
        let directory = ConformanceDirectory("sqlite-keys")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        for _ in 0..<4 { _ = try log.append([ConformanceFixtures.batch(count: 3)], as: ConformanceFixtures.leader) }
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1")) == [1, 4, 7, 10])
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1"), limit: 2) == [1, 4])
        try log.deleteRecords(before: 5)
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1")) == [7, 10])
        #expect(try log.offsets(ofKey: ByteBuffer(string: "nope")) == [])
    }

    private func keyIndexState(_ directory: ConformanceDirectory) throws -> (entries: Int, indexedUntil: Int64) {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: directory.partition + "/partition.sqlite", configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM record_keys")!,
             try Int64.fetchOne(db, sql: "SELECT value FROM partition_state WHERE name = 'keys_indexed_until'")!)
        }
    }

    @Test func appendsLeaveTheKeyIndexAloneAndALookupCatchesItUpInChunks() throws {
        let directory = ConformanceDirectory("sqlite-key-chunks")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(keyIndexingChunkRecords: 4))
        defer { try? log.close() }
        for _ in 0..<5 { _ = try log.append([ConformanceFixtures.batch(count: 6)], as: ConformanceFixtures.leader) }
        // A keyless record is not indexed but does not stop the catch-up either.
        _ = try log.append([ConformanceFixtures.appendable(RecordBatch.make(records: [NewRecord(key: nil, value: ByteBuffer(string: "x"), timestamp: 1)]))],
                           as: ConformanceFixtures.leader)
        #expect(try keyIndexState(directory) == (0, 0))
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k2")) == [2, 8, 14, 20, 26])
        #expect(try keyIndexState(directory) == (30, 31))
        // Records appended after the catch-up are found too (the next lookup indexes them).
        _ = try log.append([ConformanceFixtures.batch(count: 3)], as: ConformanceFixtures.leader)
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k2")) == [2, 8, 14, 20, 26, 33])
    }

    @Test func aPartitionFromBeforeTheLazyKeyIndexIsMigratedAndIndexedOnFirstLookup() throws {
        let directory = ConformanceDirectory("sqlite-key-migration")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.partition, withIntermediateDirectories: true)
        let path = directory.partition + "/partition.sqlite"
        // The schema as the first seven migrations left it (with the eager records_by_key index), as GRDB records it.
        var script = "PRAGMA journal_mode = WAL;\nCREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);\n"
        for file in try SQLiteCLISchemaTests.sqlFiles(SQLiteCLISchemaTests.schemaDirectory) where file.lastPathComponent < "008" {
            script += try String(contentsOf: file, encoding: .utf8) + "\n"
            script += "INSERT INTO grdb_migrations VALUES ('\(file.deletingPathExtension().lastPathComponent)');\n"
        }
        script += """
            INSERT INTO batches VALUES (0, 1, 0, 0, 5, 6, 6, -1, -1, -1, 2, 0, 100, NULL);
            INSERT INTO records VALUES (0, 0, 5, CAST('a' AS BLOB), CAST('x' AS BLOB), NULL), (1, 0, 6, CAST('b' AS BLOB), NULL, NULL);
            """
        let created = try SQLiteCLISchemaTests.run(path, script)
        try #require(created.status == 0, "\(created.output)")
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        #expect(log.logEndOffset == 2)
        #expect(try log.offsets(ofKey: ByteBuffer(string: "b")) == [1])
        #expect(try keyIndexState(directory) == (2, 2))
    }

    @Test func truncationAndRetentionTrimTheKeyIndex() throws {
        let directory = ConformanceDirectory("sqlite-key-trim")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        for _ in 0..<4 { _ = try log.append([ConformanceFixtures.batch(count: 3)], as: ConformanceFixtures.leader) }
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1")) == [1, 4, 7, 10])
        // Offsets 6... are appended again with other keys: the old entries must not answer.
        try log.truncate(to: 6)
        #expect(try keyIndexState(directory) == (6, 6))
        _ = try log.append([ConformanceFixtures.batch(count: 3, label: "new-")], as: ConformanceFixtures.leader)
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1")) == [1, 4])
        #expect(try log.offsets(ofKey: ByteBuffer(string: "new-k1")) == [7])
        try log.deleteRecords(before: 3)
        #expect(try log.offsets(ofKey: ByteBuffer(string: "k1")) == [4])
        #expect(try keyIndexState(directory) == (6, 9))
    }
}
