import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// The broker under abuse and restarts, driven by real clients.
    @Suite(.serialized) struct RobustnessTests {
        /// 10,000 malformed frames from four threads while confluent-kafka produces with acks=all: every
        /// record arrives, every frame is sent (the broker keeps accepting), and it still stops cleanly.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func malformedFramesDoNotDisturbAProducer() throws {
            let broker = try BrokerProcess()
            let output = try ClientScripts.runPython("abuse.py", [broker.bootstrap, "abused", "10000", "3000"], timeoutSeconds: 300)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            #expect(report["framesSent"] as? Int == 10_000)
            #expect(report["delivered"] as? Int == 3_000)
            #expect(report["endOffset"] as? Int == 3_000)
            // ApiVersions v99 and corrupt produce batches are answered (with errors) rather than cut off.
            let sent = try #require(report["sent"] as? [String: Int])
            let answered = try #require(report["answered"] as? [String: Int])
            #expect(answered["api-versions-v99"] == sent["api-versions-v99"])
            #expect(answered["corrupt-crc-produce"] == sent["corrupt-crc-produce"])
            #expect(Set(answered.keys) == ["api-versions-v99", "corrupt-crc-produce"])
            #expect(broker.isRunning)
            #expect(broker.stop() == 0)
        }

        /// Topics, their configs and every record survive a stop and a start on the same data directory,
        /// for both engines.
        @Test(.enabled(if: ExternalTool.mustRun("kcat")), arguments: ["sqlite", "segments"])
        func restartKeepsTopicsConfigsAndRecords(engine: String) throws {
            let first = try BrokerProcess(arguments: ["--engine", engine])
            let lines = (0..<5_000).map { "key-\($0 % 17):value-\($0)" }
            _ = try ExternalTool.run("kcat", arguments: ["-P", "-b", first.bootstrap, "-t", "kept", "-K:", "-p", "0"],
                                     input: lines.joined(separator: "\n") + "\n")
            _ = try ClientScripts.runPython("alter_topic_config.py", [first.bootstrap, "kept", "retention.ms", "86400000"])

            let (second, exitStatus) = try first.restarted()
            #expect(exitStatus == 0)
            let consumed = try ExternalTool.run("kcat", arguments: ["-C", "-b", second.bootstrap, "-t", "kept", "-p", "0", "-o", "beginning",
                                                                    "-e", "-f", "%o %k:%s\\n"])
            let expected = lines.enumerated().map { "\($0.offset) \($0.element)" }
            #expect(consumed.split(separator: "\n").map(String.init) == expected)
            let config = try ClientScripts.runPython("describe_topic_config.py", [second.bootstrap, "kept", "retention.ms"])
            #expect(config.trimmingCharacters(in: .whitespacesAndNewlines) == "86400000")
            #expect(second.stop() == 0)
        }
    }
}

extension RealBrokerSuites {
    /// Retention seen by clients: `retention.ms` small, the background check frequent.
    @Suite(.serialized) struct RetentionClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3")), arguments: ["sqlite", "segments"])
        func oldRecordsGoAndConsumersBelowTheLogStartReset(engine: String) throws {
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("pier-retention-\(UUID().uuidString).properties")
            try "log.retention.check.interval.ms=300\n".write(to: config, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: config) }
            let broker = try BrokerProcess(arguments: ["--engine", engine, "--config", config.path])
            let output = try ClientScripts.runPython("retention.py", [broker.bootstrap, "short-lived"], timeoutSeconds: 120)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            #expect((report["before"] as? [Int])?.last == 55)
            let after = try #require(report["after"] as? [Int])
            // SQLite deletes batch by batch; segments go whole, and with segment.bytes=100 every batch
            // has its own, so both engines end at the first fresh record.
            #expect(after == [50, 55])
            let earliest = try #require(report["earliest"] as? [String: Any])
            #expect(earliest["offset"] as? Int == after[0])
            let error = try #require(report["error"] as? [String: Any])
            #expect(error["error"] as? String == "_AUTO_OFFSET_RESET")
            #expect(broker.log.contains("retention deleted records"))
            #expect(broker.stop() == 0)
        }
    }
}
