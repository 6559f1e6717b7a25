import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Offset expiry and OffsetDelete against a real `pier serve`, driven by kafka-python: an OffsetCommit
    /// v2-v4 `retention_time_ms` of 1 s expires within a 500 ms check interval and the group leaves
    /// ListGroups, while a default-retention commit stays; OffsetDelete keeps subscribed topics' positions.
    @Suite struct GroupOffsetExpiryClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func kafkaPythonSeesExpiryAndOffsetDelete() throws {
            let config = try DataPathClientTests.configFile([
                "offsets.retention.check.interval.ms": "500", "group.initial.rebalance.delay.ms": "100",
            ])
            let broker = try BrokerProcess(arguments: ["--config", config])
            let output = try ClientScripts.runPython("group_offset_expiry.py", [broker.bootstrap, "expiry-events"], timeoutSeconds: 60)
            let report = try DataPathClientTests.json(output)
            #expect(report["commit_errors"] as? [Int] == [0])
            let before = try #require(report["before"] as? [String: Any])
            #expect(before["expiring"] as? [String: Int] == ["0": 11])
            #expect((before["groups"] as? [String])?.contains("expiring") == true)
            let after = try #require(report["after"] as? [String: Any])
            #expect(after["expiring"] as? [String: Int] == [:])
            #expect(after["kept"] as? [String: Int] == ["0": 12])
            #expect(after["groups"] as? [String] == ["kept"])
            #expect((report["expired_after_s"] as? Double ?? 99) < 10)

            #expect(report["delete_while_subscribed"] as? [String: String] == ["0": "GroupSubscribedToTopicError"])
            #expect(report["readers_while_subscribed"] as? [String: Int] == ["0": 20, "1": 21])
            #expect(report["delete_when_empty"] as? [String: String] == ["0": "NoError"])
            #expect(report["readers_when_empty"] as? [String: Int] == ["1": 21])
            #expect(report["delete_unknown_group"] as? String == "GroupIdNotFoundError")
            #expect(broker.log.contains("offset expiry"))
            #expect(broker.stop() == 0)
        }
    }
}
