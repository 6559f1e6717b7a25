import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// DeleteRecords from confluent-kafka's AdminClient on a partition holding records produced with kcat.
    /// (A real `pier serve` rather than an in-process broker: the test pool's cooperative threads are
    /// busy waiting on other tests' subprocesses and would starve a broker living in this process.)
    @Suite struct DeleteRecordsClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("kcat")), arguments: ["sqlite", "segments"])
        func confluentDeleteRecordsReportsTheNewLowWatermark(engine: String) throws {
            let broker = try BrokerProcess(arguments: ["--engine", engine])
            _ = try ExternalTool.run("kcat", arguments: ["-P", "-b", broker.bootstrap, "-t", "trimmed", "-p", "0"],
                                     input: (0..<5).map { "record-\($0)" }.joined(separator: "\n") + "\n")
            let output = try ClientScripts.runPython("admin_delete_records.py", [broker.bootstrap, "trimmed"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            #expect(report["before_2"] as? Int == 2)
            #expect(report["beyond"] as? String == "OFFSET_OUT_OF_RANGE")
            #expect(report["to_high_watermark"] as? Int == 5)
            let remaining = try ExternalTool.run("kcat", arguments: ["-C", "-b", broker.bootstrap, "-t", "trimmed", "-p", "0", "-o", "beginning", "-e"])
            #expect(remaining.isEmpty)
            #expect(broker.stop() == 0)
        }
    }
}
