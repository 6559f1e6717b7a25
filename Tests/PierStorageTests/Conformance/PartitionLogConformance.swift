import NIOCore
import PierRecords
import PierStorage
import Testing

/// Every behaviour the broker and replication rely on, run against any `PartitionLog` engine.
///
/// An engine's test file instantiates it with a factory that opens (creating or reopening) the
/// engine on a partition directory, then runs each `Behaviour` (one Swift Testing case each):
///
///     @Test(arguments: PartitionLogConformance.Behaviour.allCases)
///     func conforms(_ behaviour: PartitionLogConformance.Behaviour) throws {
///         try PartitionLogConformance(engine: "sqlite") { try SQLitePartitionLog(directory: $0) }.run(behaviour)
///     }
///
/// Retention by size expects the engine to be able to free space before the last batch, so a
/// segment engine's factory should use small segments (a few KiB).
struct PartitionLogConformance {
    typealias Open = @Sendable (_ directory: String) throws -> any PartitionLog

    let engine: String
    let open: Open

    init(engine: String, open: @escaping Open) {
        self.engine = engine
        self.open = open
    }

    enum Behaviour: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case leaderAppendAssignsOffsets
        case severalBatchesInOneAppend
        case followerAppendKeepsOffsets
        case followerOffsetMismatchIsRejected
        case corruptBatchIsRejected
        case readReturnsWholeBatchesWithinMaxBytes
        case readReturnsAtLeastOneBatch
        case readStopsBeforeUpperBound
        case readOutOfRangeIsRejected
        case readBackBatchesKeepHeadersAndVerifyCRC
        case payloadsAreByteExact
        case compressedInputBatches
        case logAppendTimeIsStamped
        case reopenKeepsEverything
        case highWatermarkIsClampedAndPersisted
        case offsetForTimestamp
        case offsetOfMaxTimestamp
        case truncateRemovesTheTail
        case truncateFullyStartsAnEmptyLogLater
        case deleteRecordsMovesLogStart
        case retentionByTime
        case retentionBySize
        case leaderEpochCacheAnswers
        case producerStateKeepsLastFiveBatches
        case closedLogRefusesCalls
        case concurrentAppendsStayContiguous
        case truncateRollsBackProducerState
        case reopenWithoutCloseKeepsAcknowledgedAppends
        case flushSucceedsAndKeepsEverything

        var testDescription: String { rawValue }
    }

    func run(_ behaviour: Behaviour) throws {
        let directory = ConformanceDirectory("\(engine)-\(behaviour.rawValue)")
        defer { directory.remove() }
        switch behaviour {
        case .leaderAppendAssignsOffsets: try leaderAppendAssignsOffsets(directory)
        case .severalBatchesInOneAppend: try severalBatchesInOneAppend(directory)
        case .followerAppendKeepsOffsets: try followerAppendKeepsOffsets(directory)
        case .followerOffsetMismatchIsRejected: try followerOffsetMismatchIsRejected(directory)
        case .corruptBatchIsRejected: try corruptBatchIsRejected(directory)
        case .readReturnsWholeBatchesWithinMaxBytes: try readReturnsWholeBatchesWithinMaxBytes(directory)
        case .readReturnsAtLeastOneBatch: try readReturnsAtLeastOneBatch(directory)
        case .readStopsBeforeUpperBound: try readStopsBeforeUpperBound(directory)
        case .readOutOfRangeIsRejected: try readOutOfRangeIsRejected(directory)
        case .readBackBatchesKeepHeadersAndVerifyCRC: try readBackBatchesKeepHeadersAndVerifyCRC(directory)
        case .payloadsAreByteExact: try payloadsAreByteExact(directory)
        case .compressedInputBatches: try compressedInputBatches(directory)
        case .logAppendTimeIsStamped: try logAppendTimeIsStamped(directory)
        case .reopenKeepsEverything: try reopenKeepsEverything(directory)
        case .highWatermarkIsClampedAndPersisted: try highWatermarkIsClampedAndPersisted(directory)
        case .offsetForTimestamp: try offsetForTimestamp(directory)
        case .offsetOfMaxTimestamp: try offsetOfMaxTimestamp(directory)
        case .truncateRemovesTheTail: try truncateRemovesTheTail(directory)
        case .truncateFullyStartsAnEmptyLogLater: try truncateFullyStartsAnEmptyLogLater(directory)
        case .deleteRecordsMovesLogStart: try deleteRecordsMovesLogStart(directory)
        case .retentionByTime: try retentionByTime(directory)
        case .retentionBySize: try retentionBySize(directory)
        case .leaderEpochCacheAnswers: try leaderEpochCacheAnswers(directory)
        case .producerStateKeepsLastFiveBatches: try producerStateKeepsLastFiveBatches(directory)
        case .closedLogRefusesCalls: try closedLogRefusesCalls(directory)
        case .concurrentAppendsStayContiguous: try concurrentAppendsStayContiguous(directory)
        case .truncateRollsBackProducerState: try truncateRollsBackProducerState(directory)
        case .reopenWithoutCloseKeepsAcknowledgedAppends: try reopenWithoutCloseKeepsAcknowledgedAppends(directory)
        case .flushSucceedsAndKeepsEverything: try flushSucceedsAndKeepsEverything(directory)
        }
    }

    private typealias F = ConformanceFixtures

    /// Closes `log` and opens the same partition again, as a broker restart does.
    private func reopen(_ log: any PartitionLog, _ directory: ConformanceDirectory) throws -> any PartitionLog {
        try log.close()
        return try open(directory.partition)
    }

    // MARK: Append

    func leaderAppendAssignsOffsets(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        #expect(log.logStartOffset == 0 && log.logEndOffset == 0 && log.highWatermark == 0)
        // The producer's base offset (here 42) means nothing to a leader.
        let first = try log.append([F.batch(count: 3, baseOffset: 42)], as: F.leader)
        #expect(first.baseOffsets == [0] && first.lastOffset == 2 && first.logStartOffset == 0)
        let second = try log.append([F.batch(count: 2, baseOffset: 7)], as: F.leader)
        #expect(second.baseOffsets == [3] && second.lastOffset == 4)
        #expect(log.logEndOffset == 5)
        #expect(try F.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1, 2, 3, 4])
        #expect(log.sizeInBytes > 0)
    }

    func severalBatchesInOneAppend(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let result = try log.append([F.batch(count: 2), F.batch(count: 1), F.batch(count: 4)], as: F.leader)
        #expect(result.baseOffsets == [0, 2, 3] && result.lastOffset == 6)
        let batches = try F.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(batches.map(\.header.baseOffset) == [0, 2, 3])
        #expect(batches.map(\.records.count) == [2, 1, 4])
        // An empty append changes nothing.
        let empty = try log.append([], as: F.leader)
        #expect(empty.baseOffsets.isEmpty && log.logEndOffset == 7)
    }

    func followerAppendKeepsOffsets(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let result = try log.append([F.batch(count: 3, baseOffset: 0, leaderEpoch: 4), F.batch(count: 2, baseOffset: 3, leaderEpoch: 4)],
                                    as: .follower)
        #expect(result.baseOffsets == [0, 3] && result.lastOffset == 4)
        let batches = try F.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(batches.map(\.header.partitionLeaderEpoch) == [4, 4])
        #expect(log.logEndOffset == 5)
    }

    func followerOffsetMismatchIsRejected(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 3, baseOffset: 0)], as: .follower)
        #expect(F.storageError { try log.append([F.batch(count: 1, baseOffset: 5)], as: .follower) }
                == .offsetMismatch(expected: 3, got: 5))
        #expect(F.storageError { try log.append([F.batch(count: 1, baseOffset: 1)], as: .follower) }
                == .offsetMismatch(expected: 3, got: 1))
        // A mismatch in the second batch of a call rolls back the first: appends are all or nothing.
        #expect(F.storageError { try log.append([F.batch(count: 1, baseOffset: 3), F.batch(count: 1, baseOffset: 9)], as: .follower) }
                == .offsetMismatch(expected: 4, got: 9))
        #expect(log.logEndOffset == 3)
        #expect(try F.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1, 2])
    }

    func corruptBatchIsRejected(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 2)], as: F.leader)
        var damaged = F.batch(count: 2)
        // Flip a byte inside a record value: the CRC no longer matches.
        let index = damaged.raw.readerIndex + damaged.raw.readableBytes - 5
        damaged.raw.setInteger(damaged.raw.getInteger(at: index, as: UInt8.self)! ^ 0xFF, at: index)
        guard case .corruptBatch = F.storageError({ try log.append([damaged], as: F.leader) }) else {
            Issue.record("a batch with a bad CRC was accepted")
            return
        }
        var truncated = F.batch(count: 2)
        truncated.raw = truncated.raw.getSlice(at: truncated.raw.readerIndex, length: truncated.raw.readableBytes - 3)!
        guard case .corruptBatch = F.storageError({ try log.append([truncated], as: F.leader) }) else {
            Issue.record("a truncated batch was accepted")
            return
        }
        #expect(log.logEndOffset == 2)
        #expect(try F.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1])
    }

    // MARK: Read

    func readReturnsWholeBatchesWithinMaxBytes(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let batches = (0..<10).map { _ in F.batch(count: 5, valueSize: 100) }
        _ = try log.append(batches, as: F.leader)
        let batchSize = batches[0].raw.readableBytes
        // Room for three and a half batches: three come back, never a partial one.
        let result = try log.read(from: 0, maxBytes: batchSize * 7 / 2, upperBound: nil)
        #expect(result.batches.readableBytes == 3 * batchSize)
        #expect(try F.decode(result).map(\.header.baseOffset) == [0, 5, 10])
        #expect(result.logEndOffset == 50 && result.logStartOffset == 0)
        // From an offset inside a batch: that whole batch first.
        let inside = try log.read(from: 12, maxBytes: batchSize * 2, upperBound: nil)
        #expect(try F.decode(inside).map(\.header.baseOffset) == [10, 15])
        // At the log end: nothing, and no error.
        #expect(try log.read(from: 50, maxBytes: 1 << 20, upperBound: nil).batches.readableBytes == 0)
    }

    func readReturnsAtLeastOneBatch(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 10, valueSize: 1000), F.batch(count: 1)], as: F.leader)
        let result = try log.read(from: 3, maxBytes: 10, upperBound: nil)
        let batches = try F.decode(result)
        #expect(batches.count == 1)
        #expect(batches.first?.header.baseOffset == 0 && batches.first?.records.count == 10)
    }

    func readStopsBeforeUpperBound(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 2), F.batch(count: 2), F.batch(count: 2)], as: F.leader)
        try log.updateHighWatermark(4)
        let upToHighWatermark = try log.read(from: 0, maxBytes: 1 << 20, upperBound: log.highWatermark)
        #expect(try F.offsets(upToHighWatermark) == [0, 1, 2, 3])
        #expect(upToHighWatermark.highWatermark == 4)
        // A bound inside a batch excludes that batch.
        #expect(try F.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: 3)) == [0, 1])
        #expect(try log.read(from: 4, maxBytes: 1 << 20, upperBound: 4).batches.readableBytes == 0)
    }

    func readOutOfRangeIsRejected(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 3)], as: F.leader)
        #expect(F.storageError { try log.read(from: 4, maxBytes: 100, upperBound: nil) }
                == .offsetOutOfRange(requested: 4, logStartOffset: 0, logEndOffset: 3))
        #expect(F.storageError { try log.read(from: -1, maxBytes: 100, upperBound: nil) }
                == .offsetOutOfRange(requested: -1, logStartOffset: 0, logEndOffset: 3))
        _ = try log.append([F.batch(count: 3)], as: F.leader)
        try log.deleteRecords(before: 3)
        #expect(F.storageError { try log.read(from: 2, maxBytes: 100, upperBound: nil) }
                == .offsetOutOfRange(requested: 2, logStartOffset: 3, logEndOffset: 6))
    }

    func readBackBatchesKeepHeadersAndVerifyCRC(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let sent = [
            F.batch(count: 3, producerId: 1000, producerEpoch: 2, baseSequence: 17),
            F.batch(count: 1, timestamps: [F.baseTimestamp - 5_000]),
            F.batch(count: 4, producerId: 1001, producerEpoch: 0, baseSequence: 0, isTransactional: true),
        ]
        _ = try log.append(sent, as: .leader(leaderEpoch: 7, logAppendTime: nil))
        let raw = try RecordBatchSequence(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil).batches).rawBatches()
        #expect(raw.count == 3)
        var expectedBase: Int64 = 0
        for (stored, original) in zip(raw, sent) {
            try stored.verifyCRC()
            // What a fresh encoding of the decoded records gives must be what was stored.
            let decoded = try stored.decode()
            #expect(try decoded.encoded() == stored.bytes)
            var expectedHeader = original.decoded.header
            expectedHeader.baseOffset = expectedBase
            expectedHeader.partitionLeaderEpoch = 7
            #expect(stored.header == expectedHeader)
            // The CRC does not cover base offset and leader epoch, so the producer's CRC still holds.
            #expect(stored.header.crc == original.decoded.header.crc)
            #expect(decoded.records == original.decoded.records)
            expectedBase = stored.header.nextOffset
        }
    }

    func payloadsAreByteExact(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let binary = ByteBuffer(bytes: (0..<256).map { UInt8($0) })
        let invalidUTF8 = ByteBuffer(bytes: [0xC3, 0x28, 0x00, 0xFF, 0xFE])
        let records = [
            NewRecord(key: binary, value: invalidUTF8, headers: [RecordHeader(key: "bin", value: binary)], timestamp: 1),
            NewRecord(key: nil, value: nil, headers: [RecordHeader(key: "null", value: nil), RecordHeader(key: "", value: ByteBuffer())],
                      timestamp: 2),
            NewRecord(key: ByteBuffer(), value: ByteBuffer(), headers: [], timestamp: 3),
            NewRecord(key: ByteBuffer(string: "ключ ✓"), value: ByteBuffer(repeating: 0x41, count: 300_000),
                      headers: [RecordHeader(key: "dup", value: ByteBuffer(string: "1")), RecordHeader(key: "dup", value: ByteBuffer(string: "2"))],
                      timestamp: 4),
        ]
        let sent = F.appendable(RecordBatch.make(records: records))
        _ = try log.append([sent], as: F.leader)
        let log2 = try reopen(log, directory)
        defer { try? log2.close() }
        let read = try F.decode(log2.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(read.count == 1)
        #expect(read.first?.records == sent.decoded.records)
    }

    func compressedInputBatches(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let codecs = CompressionCodec.allCases
        let sent = codecs.map { F.batch(count: 20, valueSize: 200, compression: $0, label: "\($0)-") }
        _ = try log.append(sent, as: F.leader)
        let read = try F.decode(log.read(from: 0, maxBytes: 1 << 24, upperBound: nil))
        #expect(read.map(\.header.baseOffset) == [0, 20, 40, 60, 80])
        for (batch, original) in zip(read, sent) {
            #expect(batch.records == original.decoded.records)
            #expect(batch.header.maxTimestamp == original.decoded.header.maxTimestamp)
            #expect(batch.header.recordCount == 20)
        }
        // Records inside a compressed batch are found by timestamp like any other.
        #expect(try log.offset(forTimestamp: F.baseTimestamp + 5)?.offset == 5)
    }

    func logAppendTimeIsStamped(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let appendTime = F.baseTimestamp + 60_000
        let result = try log.append([F.batch(count: 3), F.batch(count: 2, compression: .lz4)],
                                    as: .leader(leaderEpoch: 0, logAppendTime: appendTime))
        #expect(result.logAppendTime == appendTime)
        let read = try F.decode(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil))
        #expect(read.count == 2)
        for batch in read {
            #expect(batch.header.attributes.timestampType == .logAppendTime)
            #expect(batch.header.maxTimestamp == appendTime)
            #expect(batch.records.allSatisfy { batch.timestamp(of: $0) == appendTime })
        }
        #expect(try log.offsetOfMaxTimestamp()?.timestamp == appendTime)
    }

    // MARK: Persistence

    func reopenKeepsEverything(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        _ = try log.append([F.batch(count: 3, producerId: 9, producerEpoch: 1, baseSequence: 0)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        _ = try log.append([F.batch(count: 3, producerId: 9, producerEpoch: 1, baseSequence: 3)], as: .leader(leaderEpoch: 2, logAppendTime: nil))
        _ = try log.append([F.batch(count: 4, timestamp: F.baseTimestamp + 100)], as: .leader(leaderEpoch: 2, logAppendTime: nil))
        try log.updateHighWatermark(6)
        try log.deleteRecords(before: 2)
        let before = try F.readAll(log)
        let producerBefore = try log.producerState(for: 9)
        log = try reopen(log, directory)
        defer { try? log.close() }
        #expect(log.logStartOffset == 2 && log.logEndOffset == 10 && log.highWatermark == 6)
        let after = try F.readAll(log)
        #expect(after.map(\.offset) == before.map(\.offset))
        #expect(after.map(\.record) == before.map(\.record))
        #expect(after.map(\.timestamp) == before.map(\.timestamp))
        #expect(try log.endOffset(forLeaderEpoch: 1) == EpochEndOffset(epoch: 1, endOffset: 3))
        #expect(try log.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 2, endOffset: 10))
        #expect(producerBefore != nil)
        #expect(try log.producerState(for: 9) == producerBefore)
        #expect(try log.offset(forTimestamp: F.baseTimestamp + 100) == TimestampAndOffset(timestamp: F.baseTimestamp + 100, offset: 6))
        // Appending after a reopen continues where the log ended.
        #expect(try log.append([F.batch(count: 1)], as: F.leader).baseOffsets == [10])
    }

    func highWatermarkIsClampedAndPersisted(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        _ = try log.append([F.batch(count: 5)], as: F.leader)
        try log.updateHighWatermark(3)
        #expect(log.highWatermark == 3)
        try log.updateHighWatermark(50)
        #expect(log.highWatermark == 5)
        try log.updateHighWatermark(2)
        #expect(log.highWatermark == 2)
        log = try reopen(log, directory)
        defer { try? log.close() }
        #expect(log.highWatermark == 2)
    }

    // MARK: Timestamps

    func offsetForTimestamp(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let t = F.baseTimestamp
        // Timestamps are not monotonic in Kafka: the earliest *offset* with timestamp ≥ T wins.
        _ = try log.append([F.batch(count: 3, timestamps: [t, t + 10, t + 5])], as: F.leader)
        _ = try log.append([F.batch(count: 3, timestamps: [t + 20, t + 8, t + 30])], as: F.leader)
        #expect(try log.offset(forTimestamp: t - 100) == TimestampAndOffset(timestamp: t, offset: 0))
        #expect(try log.offset(forTimestamp: t + 6) == TimestampAndOffset(timestamp: t + 10, offset: 1))
        #expect(try log.offset(forTimestamp: t + 11) == TimestampAndOffset(timestamp: t + 20, offset: 3))
        #expect(try log.offset(forTimestamp: t + 30) == TimestampAndOffset(timestamp: t + 30, offset: 5))
        #expect(try log.offset(forTimestamp: t + 31) == nil)
        // Records below the log start are not answers.
        try log.deleteRecords(before: 4)
        #expect(try log.offset(forTimestamp: t - 100)?.offset == 4)
    }

    func offsetOfMaxTimestamp(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        #expect(try log.offsetOfMaxTimestamp() == nil)
        let t = F.baseTimestamp
        _ = try log.append([F.batch(count: 3, timestamps: [t, t + 50, t + 5])], as: F.leader)
        _ = try log.append([F.batch(count: 3, timestamps: [t + 20, t + 8, t + 30])], as: F.leader)
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: t + 50, offset: 1))
        _ = try log.append([F.batch(count: 2, timestamps: [t + 90, t + 90])], as: F.leader)
        #expect(try log.offsetOfMaxTimestamp() == TimestampAndOffset(timestamp: t + 90, offset: 6))
    }

    // MARK: Truncation, deletion, retention

    func truncateRemovesTheTail(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        _ = try log.append([F.batch(count: 3), F.batch(count: 3), F.batch(count: 3, timestamp: F.baseTimestamp + 1000)], as: F.leader)
        try log.updateHighWatermark(9)
        try log.truncate(to: 6)
        #expect(log.logEndOffset == 6 && log.highWatermark == 6)
        #expect(try F.offsets(log.read(from: 0, maxBytes: 1 << 20, upperBound: nil)) == [0, 1, 2, 3, 4, 5])
        #expect(try log.offset(forTimestamp: F.baseTimestamp + 1000) == nil)
        // Truncating at or past the end changes nothing.
        try log.truncate(to: 6)
        try log.truncate(to: 100)
        #expect(log.logEndOffset == 6)
        // The follower then appends what the leader has at those offsets.
        _ = try log.append([F.batch(count: 2, baseOffset: 6, label: "new-")], as: .follower)
        log = try reopen(log, directory)
        defer { try? log.close() }
        #expect(log.logEndOffset == 8)
        let tail = try F.readAll(log, from: 6)
        #expect(tail.map { String(buffer: $0.record.key!) } == ["new-k0", "new-k1"])
    }

    func deleteRecordsMovesLogStart(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 5), F.batch(count: 5)], as: F.leader)
        #expect(try log.deleteRecords(before: 2) == 2)
        #expect(log.logStartOffset == 2)
        // Below the current start: nothing changes.
        #expect(try log.deleteRecords(before: 1) == 2)
        // The batch holding the new start comes back whole; its earlier records are the reader's to skip.
        let first = try F.decode(log.read(from: 2, maxBytes: 1, upperBound: nil))
        #expect(first.first?.header.baseOffset == 0)
        #expect(try log.deleteRecords(before: 7) == 7)
        #expect(try F.readAll(log).filter { $0.offset >= 7 }.map(\.offset) == [7, 8, 9])
        #expect(log.highWatermark >= 7)
        #expect(F.storageError { try log.deleteRecords(before: 11) } == .offsetOutOfRange(requested: 11, logStartOffset: 7, logEndOffset: 10))
        // Deleting everything leaves an empty log that keeps counting.
        #expect(try log.deleteRecords(before: 10) == 10)
        #expect(log.logStartOffset == 10 && log.logEndOffset == 10)
        #expect(try log.append([F.batch(count: 1)], as: F.leader).baseOffsets == [10])
        #expect(try F.offsets(log.read(from: 10, maxBytes: 1 << 20, upperBound: nil)) == [10])
    }

    func retentionByTime(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        let day: Int64 = 86_400_000
        let now = F.baseTimestamp + 10 * day
        for age in stride(from: 9, through: 0, by: -1) {
            _ = try log.append([F.batch(count: 10, timestamp: now - Int64(age) * day - 1000, valueSize: 400)], as: F.leader)
        }
        let keepYoungerThan = 3 * day
        let outcome = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: keepYoungerThan, maxBytes: nil), now: now)
        #expect(outcome.newLogStartOffset == log.logStartOffset)
        #expect(outcome.deletedRecords > 0)
        // Nothing younger than retention.ms goes: the batches of ages 2, 1, 0 days start at offset 70.
        #expect(log.logStartOffset <= 70)
        let remaining = try F.readAll(log)
        #expect(remaining.filter { $0.timestamp >= now - keepYoungerThan }.count == 30)
        // When everything is old, everything goes.
        let later = now + 10 * day
        _ = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: keepYoungerThan, maxBytes: nil), now: later)
        #expect(log.logStartOffset == 100)
        #expect(try log.read(from: 100, maxBytes: 1 << 20, upperBound: nil).batches.readableBytes == 0)
        #expect(try log.offset(forTimestamp: 0) == nil)
    }

    func retentionBySize(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        defer { try? log.close() }
        for _ in 0..<100 {
            _ = try log.append([F.batch(count: 4, valueSize: 250)], as: F.leader)
        }
        let fullSize = log.sizeInBytes
        let limit = fullSize / 4
        #expect(try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: nil), now: F.baseTimestamp).deletedRecords == 0)
        let outcome = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: limit), now: F.baseTimestamp)
        #expect(outcome.deletedRecords > 0)
        #expect(log.logStartOffset == outcome.newLogStartOffset && log.logStartOffset > 0)
        // The oldest records went, the newest stayed.
        #expect(log.sizeInBytes < fullSize)
        #expect(try F.offsets(log.read(from: 396, maxBytes: 1 << 20, upperBound: nil)) == [396, 397, 398, 399])
        #expect(F.storageError { try log.read(from: 0, maxBytes: 100, upperBound: nil) } != nil)
        // A second pass under the same limit has little or nothing left to do.
        let again = try log.applyRetention(RetentionPolicy(maxAgeMilliseconds: nil, maxBytes: limit), now: F.baseTimestamp)
        #expect(again.deletedRecords < outcome.deletedRecords)
    }

    /// A follower whose log ends below the leader's log start empties its log and starts it at the
    /// leader's log start; what it appends next sits there, and all of it survives reopening.
    func truncateFullyStartsAnEmptyLogLater(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        _ = try log.append([F.batch(count: 3, producerId: 9, producerEpoch: 0, baseSequence: 0)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        _ = try log.append([F.batch(count: 2)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        try log.updateHighWatermark(4)
        try log.truncateFully(startingAt: 40)
        #expect(log.logStartOffset == 40)
        #expect(log.logEndOffset == 40)
        #expect(log.highWatermark == 40)
        #expect(try F.readAll(log, from: 40).isEmpty)
        #expect(try log.endOffset(forLeaderEpoch: 1) == nil)
        #expect(try log.producerState(for: 9) == nil)
        #expect(try log.offset(forTimestamp: 0) == nil)
        #expect(F.storageError { try log.read(from: 0, maxBytes: 100, upperBound: nil) } != nil, "offset 0 is below the log start now")
        _ = try log.append([F.batch(count: 2, baseOffset: 40, leaderEpoch: 3)], as: .follower)
        try log.updateHighWatermark(42)
        log = try reopen(log, directory)
        defer { try? log.close() }
        #expect(log.logStartOffset == 40)
        #expect(log.logEndOffset == 42)
        #expect(log.highWatermark == 42)
        #expect(try F.readAll(log).map(\.offset) == [40, 41])
        #expect(try log.endOffset(forLeaderEpoch: 3) == EpochEndOffset(epoch: 3, endOffset: 42))
        #expect(try log.append([F.batch(count: 1)], as: F.leader).baseOffsets == [42])
    }

    // MARK: Leader epochs and producers

    func leaderEpochCacheAnswers(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        #expect(try log.endOffset(forLeaderEpoch: 0) == nil)
        #expect(log.leaderEpoch(at: 0) == nil)
        _ = try log.append([F.batch(count: 3)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        _ = try log.append([F.batch(count: 2)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        _ = try log.append([F.batch(count: 4)], as: .leader(leaderEpoch: 3, logAppendTime: nil))
        #expect(try log.endOffset(forLeaderEpoch: 0) == nil)
        #expect(try log.endOffset(forLeaderEpoch: 1) == EpochEndOffset(epoch: 1, endOffset: 5))
        #expect(try log.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 1, endOffset: 5))
        #expect(try log.endOffset(forLeaderEpoch: 3) == EpochEndOffset(epoch: 3, endOffset: 9))
        #expect(try log.endOffset(forLeaderEpoch: 8) == EpochEndOffset(epoch: 3, endOffset: 9))
        #expect([0, 4, 5, 8, 9].map { log.leaderEpoch(at: $0) } == [1, 1, 3, 3, 3])
        // A new leader records its epoch before it appends anything.
        try log.assignLeaderEpoch(5, startOffset: 9)
        #expect(try log.endOffset(forLeaderEpoch: 3) == EpochEndOffset(epoch: 3, endOffset: 9))
        #expect(try log.endOffset(forLeaderEpoch: 5) == EpochEndOffset(epoch: 5, endOffset: 9))
        // Follower appends carry the leader's epoch in the batches; epoch 5 wrote nothing, so
        // epoch 6 starting at the same offset replaces it (as Kafka's cache does).
        _ = try log.append([F.batch(count: 1, baseOffset: 9, leaderEpoch: 6)], as: .follower)
        #expect(try log.endOffset(forLeaderEpoch: 5) == EpochEndOffset(epoch: 3, endOffset: 9))
        #expect(try log.endOffset(forLeaderEpoch: 6) == EpochEndOffset(epoch: 6, endOffset: 10))
        log = try reopen(log, directory)
        defer { try? log.close() }
        #expect(try log.endOffset(forLeaderEpoch: 4) == EpochEndOffset(epoch: 3, endOffset: 9))
        #expect(try log.endOffset(forLeaderEpoch: 6) == EpochEndOffset(epoch: 6, endOffset: 10))
        #expect([8, 9, 50].map { log.leaderEpoch(at: $0) } == [3, 6, 6])
        // Truncation forgets epochs that started in the removed tail.
        try log.truncate(to: 5)
        #expect(try log.endOffset(forLeaderEpoch: 6) == EpochEndOffset(epoch: 1, endOffset: 5))
        // An epoch that starts at the log end and wrote nothing goes with a truncation to the log end,
        // which cuts no record (a follower asking about it again would never fetch).
        try log.assignLeaderEpoch(7, startOffset: 5)
        #expect(try log.endOffset(forLeaderEpoch: 7) == EpochEndOffset(epoch: 7, endOffset: 5))
        try log.truncate(to: 5)
        #expect(try log.endOffset(forLeaderEpoch: 7) == EpochEndOffset(epoch: 1, endOffset: 5))
        #expect(log.logEndOffset == 5)
    }

    func producerStateKeepsLastFiveBatches(_ directory: ConformanceDirectory) throws {
        var log = try open(directory.partition)
        #expect(try log.producerState(for: 77) == nil)
        var sequence: Int32 = 0
        for index in 0..<7 {
            _ = try log.append([F.batch(count: 2, timestamp: F.baseTimestamp + Int64(index), producerId: 77, producerEpoch: 3, baseSequence: sequence),
                                F.batch(count: 1)], as: F.leader)
            sequence += 2
        }
        let state = try #require(try log.producerState(for: 77))
        #expect(state.producerId == 77 && state.producerEpoch == 3)
        #expect(state.recentBatches.map(\.firstSequence) == [4, 6, 8, 10, 12])
        #expect(state.recentBatches.map(\.lastSequence) == [5, 7, 9, 11, 13])
        #expect(state.recentBatches.map(\.firstOffset) == [6, 9, 12, 15, 18])
        #expect(state.recentBatches.map(\.lastOffset) == [7, 10, 13, 16, 19])
        #expect(state.recentBatches.last?.timestamp == F.baseTimestamp + 6 + 1)
        // Survives a restart and the retention of the batches it describes.
        log = try reopen(log, directory)
        defer { try? log.close() }
        try log.deleteRecords(before: log.logEndOffset)
        #expect(try log.producerState(for: 77) == state)
        // A new producer epoch starts afresh.
        _ = try log.append([F.batch(count: 1, producerId: 77, producerEpoch: 4, baseSequence: 0)], as: F.leader)
        let bumped = try #require(try log.producerState(for: 77))
        #expect(bumped.producerEpoch == 4 && bumped.recentBatches.map(\.firstSequence) == [0])
        #expect(try log.producerState(for: 78) == nil)
    }

    func closedLogRefusesCalls(_ directory: ConformanceDirectory) throws {
        let log = try open(directory.partition)
        _ = try log.append([F.batch(count: 1)], as: F.leader)
        try log.close()
        #expect(F.storageError { try log.append([F.batch(count: 1)], as: F.leader) } == .closed)
        #expect(F.storageError { try log.read(from: 0, maxBytes: 100, upperBound: nil) } == .closed)
        // Closing twice is harmless.
        try log.close()
    }
}
