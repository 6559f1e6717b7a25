import Foundation
import NIOCore
import PierRecords
import Testing
@testable import PierStorage

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct SegmentTestDirectory {
    let path: String

    init(_ label: String = "segments") {
        path = NSTemporaryDirectory() + "pier-\(label)-\(UUID().uuidString)"
    }

    /// The partition directory inside it, as the broker would name it.
    var partition: String { path + "/orders-0" }

    func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: partition)) ?? []).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum SegmentFixtures {
    static let baseTimestamp: Int64 = 1_700_000_000_000

    /// A batch of `count` records whose values name their position, timestamps from `timestamp`
    /// one millisecond apart (or as given).
    static func batch(count: Int, timestamp: Int64 = baseTimestamp, timestamps: [Int64]? = nil, valueSize: Int = 20,
                      baseOffset: Int64 = 0, producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
                      leaderEpoch: Int32 = -1, compression: CompressionCodec = .none) -> AppendableBatch {
        let records = (0..<count).map { index in
            NewRecord(key: "k\(index)", value: "v\(index)-" + String(repeating: "x", count: valueSize),
                      timestamp: timestamps?[index] ?? timestamp + Int64(index))
        }
        let decoded = RecordBatch.make(baseOffset: baseOffset, records: records, compression: compression,
                                       partitionLeaderEpoch: leaderEpoch, producerId: producerId,
                                       producerEpoch: producerEpoch, baseSequence: baseSequence)
        let raw = try! decoded.encoded()
        return AppendableBatch(raw: raw, decoded: decoded)
    }

    static func configuration(segmentBytes: Int64 = 1 << 30, indexIntervalBytes: Int = 4096,
                              flushPolicy: FlushPolicy = .operatingSystem,
                              fileIO: any SegmentFileIO = POSIXFileIO(),
                              clock: @escaping @Sendable () -> Int64 = { SegmentFixtures.baseTimestamp }) -> SegmentLogConfiguration {
        SegmentLogConfiguration(segmentBytes: segmentBytes, segmentMilliseconds: nil, indexIntervalBytes: indexIntervalBytes,
                                flushPolicy: flushPolicy, fileIO: fileIO, clock: clock)
    }

    /// All batches of a read result, decoded (CRC checked).
    static func decode(_ result: ReadResult) throws -> [RecordBatch] {
        try RecordBatchSequence(result.batches).decodeAll()
    }

    /// Offsets of all records in a read result.
    static func offsets(_ result: ReadResult) throws -> [Int64] {
        try decode(result).flatMap { batch in batch.records.map { batch.offset(of: $0) } }
    }
}

/// The storage error a call threw, or nil when it succeeded (any other error fails the test).
func storageError<T>(_ body: () throws -> T) -> StorageError? {
    do {
        _ = try body()
        return nil
    } catch let error as StorageError {
        return error
    } catch {
        Issue.record("expected a StorageError, got \(error)")
        return nil
    }
}
