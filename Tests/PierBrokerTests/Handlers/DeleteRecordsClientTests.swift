import Dispatch
import Foundation
@testable import PierBroker
import PierTestSupport
import Testing

/// DeleteRecords from confluent-kafka's AdminClient on a partition holding records. The records
/// are appended straight to the log of an in-process broker, so this does not depend on Produce.
@Suite struct DeleteRecordsClientTests {
    @Test(.enabled(if: ExternalTool.mustRun("python3")))
    func confluentDeleteRecordsReportsTheNewLowWatermark() async throws {
        try await InProcessBroker.run { broker in
            try broker.context.topics.create(TopicManager.Creation(name: "trimmed", partitions: 1, configs: [:]))
            try AdminTestRecords.append(count: 5, to: TopicPartition("trimmed", 0), in: broker.context)
            let bootstrap = "127.0.0.1:\(broker.boundPort)"
            // The client blocks for a while; keep it off the cooperative threads the broker's handlers run on.
            let output: String = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try ClientScripts.runPython("admin_delete_records.py", [bootstrap, "trimmed"]) })
                }
            }
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            #expect(report["before_2"] as? Int == 2)
            #expect(report["beyond"] as? String == "OFFSET_OUT_OF_RANGE")
            #expect(report["to_high_watermark"] as? Int == 5)
            #expect(try broker.context.registry.log(for: TopicPartition("trimmed", 0)).logStartOffset == 5)
        }
    }
}
