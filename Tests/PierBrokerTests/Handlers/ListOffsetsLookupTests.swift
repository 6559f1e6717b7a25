import Foundation
@testable import PierBroker
import PierRecords
import PierStorage
import Testing

@Suite struct ListOffsetsLookupTests {
    enum Engine: String, CaseIterable { case sqlite, segments }

    /// Offsets 0-5 with timestamps 100, 200, ..., 600 (the largest at offset 3: 900), high watermark 5;
    /// leader epoch 0 wrote offsets 0-1, epoch 2 offsets 2-5.
    static func log(_ engine: Engine) throws -> (any PartitionLog, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-list-offsets-\(UUID().uuidString)")
        let log: any PartitionLog = switch engine {
        case .sqlite: try SQLitePartitionLog(directory: directory.path, options: SQLitePartitionLogOptions())
        case .segments: try SegmentPartitionLog(directory: directory.path, configuration: SegmentLogConfiguration())
        }
        for (timestamps, epoch) in [([100, 200], Int32(0)), ([300, 900], 2), ([500, 600], 2)] {
            let batch = RecordBatch.make(records: timestamps.map { NewRecord(key: "k", value: "v", timestamp: Int64($0)) })
            _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: epoch, logAppendTime: nil))
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

    /// The epoch a client validates a ListOffsets answer with, as Kafka gives it: the current epoch
    /// for "latest", the epoch in force at the offset otherwise, -1 when nothing was found.
    @Test(arguments: Engine.allCases)
    func reportsTheEpochClientsValidateWith(_ engine: Engine) throws {
        let (log, directory) = try Self.log(engine)
        defer { try? log.close(); try? FileManager.default.removeItem(at: directory) }
        func epoch(_ timestamp: Int64) throws -> Int32 {
            let query = ListOffsetsHandler.Query(timestamp: timestamp)
            return ListOffsetsHandler.epoch(of: try ListOffsetsHandler.lookUp(query, in: log), for: query, in: log, leaderEpoch: 7)
        }
        #expect(try epoch(-1) == 7, "latest: the epoch the leader leads in now")
        #expect(try epoch(-2) == 0)
        #expect(try epoch(-3) == 2, "the max timestamp is at offset 3, written in epoch 2")
        #expect(try epoch(150) == 0, "offset 1")
        #expect(try epoch(250) == 2, "offset 2")
        #expect(try epoch(901) == -1)
        #expect(try epoch(-5) == -1)
    }
}
