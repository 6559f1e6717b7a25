import Foundation
@testable import PierBroker
import PierRecords
import PierStorage
import Testing

@Suite struct ListOffsetsLookupTests {
    enum Engine: String, CaseIterable { case sqlite, segments }

    /// Offsets 0-5 with timestamps 100, 200, ..., 600 (the largest at offset 3: 900), high watermark 5.
    static func log(_ engine: Engine) throws -> (any PartitionLog, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-list-offsets-\(UUID().uuidString)")
        let log: any PartitionLog = switch engine {
        case .sqlite: try SQLitePartitionLog(directory: directory.path, options: SQLitePartitionLogOptions())
        case .segments: try SegmentPartitionLog(directory: directory.path, configuration: SegmentLogConfiguration())
        }
        for timestamps in [[100, 200], [300, 900], [500, 600]] {
            let batch = RecordBatch.make(records: timestamps.map { NewRecord(key: "k", value: "v", timestamp: Int64($0)) })
            _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        }
        try log.updateHighWatermark(5)
        return (log, directory)
    }

    @Test(arguments: Engine.allCases)
    func answersKafkasQueries(_ engine: Engine) throws {
        let (log, directory) = try Self.log(engine)
        defer { try? log.close(); try? FileManager.default.removeItem(at: directory) }
        func lookUp(_ timestamp: Int64) throws -> [Int64] {
            let found = try ListOffsetsHandler.lookUp(.init(timestamp: timestamp), in: log)
            return [found.offset, found.timestamp]
        }
        #expect(try lookUp(-2) == [0, -1])
        #expect(try lookUp(-4) == [0, -1])
        #expect(try lookUp(-1) == [5, -1], "latest is the high watermark, not the log end (6)")
        #expect(try lookUp(-3) == [3, 900])
        #expect(try lookUp(-5) == [-1, -1])
        #expect(try lookUp(250) == [2, 300])
        #expect(try lookUp(100) == [0, 100])
        #expect(try lookUp(600) == [3, 900], "the first record at or after 600 is offset 3 (900)")
        #expect(try lookUp(901) == [-1, -1])
    }
}
