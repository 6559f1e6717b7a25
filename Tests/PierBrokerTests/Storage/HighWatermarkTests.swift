import Foundation
@testable import PierBroker
import PierRecords
import PierStorage
import Testing

@Suite struct HighWatermarkTests {
    /// Producers racing on one partition: whoever finishes last leaves the high watermark at the log end.
    @Test func concurrentAppendsLeaveTheHighWatermarkAtTheLogEnd() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-hw-\(UUID().uuidString)")
        let log = try SQLitePartitionLog(directory: directory.path, options: SQLitePartitionLogOptions())
        defer { try? log.close(); try? FileManager.default.removeItem(at: directory) }
        let batch = RecordBatch.make(records: [NewRecord(key: "k", value: "v", timestamp: 1)])
        let appendable = AppendableBatch(raw: try batch.encoded(), decoded: batch)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        _ = try log.append([appendable], as: .leader(leaderEpoch: 0, logAppendTime: nil))
                        try log.advanceHighWatermarkToLogEnd()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(log.logEndOffset == 200)
        #expect(log.highWatermark == 200)
    }
}
