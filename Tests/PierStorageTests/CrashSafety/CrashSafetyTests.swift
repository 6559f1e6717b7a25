import Foundation
import Testing
@testable import PierStorage

/// SIGKILLs a writer process at random moments and checks the log after each kill.
@Suite(.serialized) struct CrashSafetyTests {
    /// Opens a log for checking the way the writer opens it, by engine name.
    static func open(engine: String) -> (String) throws -> any PartitionLog {
        { directory in
            switch engine {
            case "segments":
                return try SegmentPartitionLog(directory: directory, configuration: SegmentLogConfiguration(
                    segmentBytes: 64 * 1024, indexIntervalBytes: 1024, flushPolicy: .everyAppend))
            case "sqlite":
                return try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(flushPolicy: .everyAppend))
            default:
                throw CrashHarness.Failure(description: "no engine named \(engine)")
            }
        }
    }

    static let engines = ["segments", "sqlite"]

    @Test(arguments: engines, ["every-append", "os"])
    func killedWriterLeavesAConsistentPrefixWithEveryAcknowledgedOffset(engine: String, flushPolicy: String) throws {
        let directory = SegmentTestDirectory("crash-\(engine)")
        defer { directory.remove() }
        let harness = CrashHarness(engine: engine, directory: directory.partition, flushPolicy: flushPolicy,
                                   open: Self.open(engine: engine))
        let started = Date()
        let report = try harness.run(iterations: 30, seed: 0xC0FFEE ^ UInt64(engine.utf8.count) ^ UInt64(flushPolicy.utf8.count))
        #expect(report.iterations == 30)
        // Half the kills wait for the first acknowledgement, so at least those check acknowledged data.
        #expect(report.killsAfterAcknowledgements >= 15, "only \(report.killsAfterAcknowledgements) of 30 kills came after an acknowledged append")
        #expect(report.finalLogEndOffset > 0)
        print("crash harness \(engine)/\(flushPolicy): \(report)")
        #expect(Date().timeIntervalSince(started) < 50)
    }
}
