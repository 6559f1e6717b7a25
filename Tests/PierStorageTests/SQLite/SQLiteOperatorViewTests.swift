import Foundation
import GRDB
import NIOCore
import PierRecords
import PierStorage
import Testing

/// The example partition docs/storage.md queries with `sqlite3`: three hours of orders from a few
/// users, some gzip-compressed, some with headers. The test checks the views an operator reads.
/// With PIER_EXAMPLE_PARTITION_DIR set, the partition is left there for the docs' sessions.
@Suite struct SQLiteOperatorViewTests {
    /// 2024-03-01T09:00:00Z.
    static let start: Int64 = 1_709_283_600_000

    static func buildExample(in directory: String) throws {
        let log = try SQLitePartitionLog(directory: directory)
        defer { try? log.close() }
        let users = ["alice", "bob", "carol", "dave"]
        var index = 0
        for batchIndex in 0..<12 {
            var records: [NewRecord] = []
            for _ in 0..<(batchIndex % 3 + 2) {
                let user = users[index % users.count]
                // Every 15 minutes a batch: hours 09, 10 and 11 get four batches each.
                let timestamp = start + Int64(batchIndex) * 15 * 60_000 + Int64(records.count) * 1_250
                let value = #"{"order":\#(1000 + index),"user":"\#(user)","total":\#(Double(index * 7 % 50) + 0.5)}"#
                records.append(NewRecord(key: ByteBuffer(string: user), value: ByteBuffer(string: value),
                                         headers: [RecordHeader(key: "source", value: ByteBuffer(string: index % 2 == 0 ? "web" : "app")),
                                                   RecordHeader(key: "trace", value: ByteBuffer(string: String(format: "%08x", index * 2654435761 % 4294967296)))],
                                         timestamp: timestamp))
                index += 1
            }
            let batch = RecordBatch.make(records: records, compression: batchIndex % 4 == 3 ? .gzip : .none,
                                         producerId: 7001, producerEpoch: 0, baseSequence: Int32(index - records.count))
            _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: 1, logAppendTime: nil))
        }
        try log.updateHighWatermark(log.logEndOffset)
    }

    @Test func viewsShowTextTimesAndHeaders() throws {
        let keep = ProcessInfo.processInfo.environment["PIER_EXAMPLE_PARTITION_DIR"]
        let root = keep ?? NSTemporaryDirectory() + "pier-example-\(UUID().uuidString)"
        let directory = root + "/orders-0"
        if keep != nil { try? FileManager.default.removeItem(atPath: directory) }
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: root) } }
        try Self.buildExample(in: directory)

        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: directory + "/partition.sqlite", configuration: configuration)
        defer { try? database.close() }
        let first = try #require(try database.read { try Row.fetchOne($0, sql: "SELECT * FROM records_text WHERE \"offset\" = 0") })
        #expect(first["time"] as String == "2024-03-01T09:00:00.000Z")
        #expect(first["key"] as String == "alice")
        #expect(first["value"] as String == #"{"order":1000,"user":"alice","total":0.5}"#)
        #expect(first["headers"] as String == #"[["source","web"],["trace","00000000"]]"#)
        let perHour = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT strftime('%H', timestamp / 1000, 'unixepoch') AS hour, count(*) AS n FROM records GROUP BY hour ORDER BY hour")
        }
        #expect(perHour.map { $0["hour"] as String } == ["09", "10", "11"])
        #expect(perHour.map { $0["n"] as Int }.reduce(0, +) == 36)
        let gzip = try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM batches_text WHERE compression = 'gzip'") }
        #expect(gzip == 3)
    }
}
