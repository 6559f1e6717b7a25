import Foundation
import NIOCore
import PierRecords
import PierStorage
import Testing

/// Batches, directories and assertions shared by every conformance behaviour, engine-agnostic.
enum ConformanceFixtures {
    static let baseTimestamp: Int64 = 1_700_000_000_000

    /// A batch of `count` records whose keys and values name their position (`k<i>`, `v<i>-xxx…`),
    /// timestamps from `timestamp` one millisecond apart unless `timestamps` says otherwise.
    static func batch(count: Int, timestamp: Int64 = baseTimestamp, timestamps: [Int64]? = nil, valueSize: Int = 20,
                      baseOffset: Int64 = 0, producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
                      leaderEpoch: Int32 = -1, compression: CompressionCodec = .none, isTransactional: Bool = false,
                      label: String = "") -> AppendableBatch {
        let records = (0..<count).map { index in
            NewRecord(key: "\(label)k\(index)", value: "\(label)v\(index)-" + String(repeating: "x", count: valueSize),
                      headers: [("h", "\(index)")], timestamp: timestamps?[index] ?? timestamp + Int64(index))
        }
        return appendable(RecordBatch.make(baseOffset: baseOffset, records: records, compression: compression,
                                           partitionLeaderEpoch: leaderEpoch, producerId: producerId,
                                           producerEpoch: producerEpoch, baseSequence: baseSequence,
                                           isTransactional: isTransactional))
    }

    /// Encodes `decoded` and pairs the bytes with the batch as the broker would hand it over.
    static func appendable(_ decoded: RecordBatch) -> AppendableBatch {
        let raw = try! decoded.encoded()
        // The decoded form the broker passes is the one parsed from the wire (compressed records decompressed).
        var copy = raw
        let parsed = try! RecordBatch(decoding: &copy)
        return AppendableBatch(raw: raw, decoded: parsed)
    }

    static let leader = AppendRole.leader(leaderEpoch: 0, logAppendTime: nil)

    /// All batches of a read result, decoded; decoding checks every CRC.
    static func decode(_ result: ReadResult) throws -> [RecordBatch] {
        try RecordBatchSequence(result.batches).decodeAll()
    }

    static func offsets(_ result: ReadResult) throws -> [Int64] {
        try decode(result).flatMap { batch in batch.records.map { batch.offset(of: $0) } }
    }

    /// Every record from `from` to the log end, reading in small steps as a consumer would.
    static func readAll(_ log: any PartitionLog, from: Int64? = nil) throws -> [(offset: Int64, timestamp: Int64, record: Record)] {
        var next = from ?? log.logStartOffset
        var all: [(Int64, Int64, Record)] = []
        while next < log.logEndOffset {
            let result = try log.read(from: next, maxBytes: 1, upperBound: nil)
            let batches = try decode(result)
            guard let last = batches.last else { break }
            for batch in batches {
                for record in batch.records where batch.offset(of: record) >= next {
                    all.append((batch.offset(of: record), batch.timestamp(of: record), record))
                }
            }
            next = last.header.nextOffset
        }
        return all
    }

    /// The storage error a call threw, or nil when it succeeded (any other error fails the test).
    static func storageError<T>(_ body: () throws -> T) -> StorageError? {
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
}

/// A fresh temporary data directory; `partition` is the directory an engine is opened on.
struct ConformanceDirectory {
    let root: String

    init(_ label: String) {
        root = NSTemporaryDirectory() + "pier-conformance-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    var partition: String { root + "/orders-0" }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
