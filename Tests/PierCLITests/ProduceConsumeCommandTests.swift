import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// `pier produce` and `pier consume` against a real `pier serve`.
    @Suite(.serialized) struct ProduceConsumeCommandTests {
        @Test func textWithKeysAndHeadersComesBackAsJSONLines() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit"], broker: broker)
            let produced = try PierBinary.run(["produce", "audit", "--key-separator", ":", "--header", "source=test", "--header", "v=1",
                                               "--bootstrap-server", broker.bootstrap], input: Data("alice:login\nbob:logout\n".utf8))
            #expect(produced.status == 0, "\(produced.stderr)")
            #expect(produced.stderr == "Produced 2 records: audit-0 from offset 0 (2)\n")

            let consumed = try pierSucceeds(["consume", "audit", "--from-beginning", "--format", "json", "--max-records", "2"], broker: broker)
            let lines = consumed.split(separator: "\n")
            #expect(lines.count == 2)
            let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(first["partition"] as? Int == 0)
            #expect(first["offset"] as? Int == 0)
            #expect(first["key"] as? String == "alice")
            #expect(first["value"] as? String == "login")
            #expect((first["headers"] as? [[String]]) == [["source", "test"], ["v", "1"]])
            let timestamp = try #require(first["timestamp"] as? Int64)
            #expect(abs(timestamp - Int64(Date().timeIntervalSince1970 * 1000)) < 120_000)

            #expect(try pierSucceeds(["consume", "audit", "--from-beginning", "--print-key", "--max-records", "2"], broker: broker)
                == "alice\tlogin\nbob\tlogout\n")
            #expect(try pierSucceeds(["consume", "audit", "--offset", "1", "--max-records", "1"], broker: broker) == "logout\n")

            // --file instead of stdin; a last line without a newline and a Windows line end both count.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("pier-produce-\(UUID().uuidString).txt")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data("carol:open\r\ndave:close".utf8).write(to: file)
            try pierSucceeds(["produce", "audit", "--key-separator", ":", "--file", file.path], broker: broker)
            #expect(try pierSucceeds(["consume", "audit", "--offset", "2", "--print-key", "--max-records", "2"], broker: broker) == "carol\topen\ndave\tclose\n")
            #expect(try pierFails(["produce", "audit", "--file", "/nonexistent/input"], broker: broker) == "Error: cannot read /nonexistent/input")
            #expect(broker.stop() == 0)
        }

        /// Producing a file and consuming a known number of records into a file draw a progress bar on a
        /// terminal (a pseudo-terminal from script(1)); piped, stderr carries only the summary.
        @Test(.enabled(if: ExternalTool.mustRun("script")))
        func longWorkShowsProgressOnATerminalOnly() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "bulk"], broker: broker)
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("pier-progress-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let input = work.appendingPathComponent("in.txt")
            let lines = (0..<20_000).map { "record \($0)\n" }.joined()
            try Data(lines.utf8).write(to: input)
            let pier = PierBinary.url.path
            let produced = try ExternalTool.run("script", arguments: [
                "-qec", "\(pier) produce bulk --file \(input.path) --bootstrap-server \(broker.bootstrap)", "/dev/null"])
            #expect(produced.contains("] 100%  \(lines.utf8.count)/\(lines.utf8.count) bytes  "), "\(produced)")
            #expect(produced.contains("Produced 20000 records"))

            let output = work.appendingPathComponent("out.txt")
            let consumed = try ExternalTool.run("script", arguments: [
                "-qec", "\(pier) consume bulk --from-beginning --max-records 20000 --bootstrap-server \(broker.bootstrap) > \(output.path)", "/dev/null"])
            #expect(consumed.contains("] 100%  20000/20000 records  "), "\(consumed)")
            #expect(try String(contentsOf: output, encoding: .utf8) == lines)

            let piped = try PierBinary.run(["produce", "bulk", "--file", input.path, "--bootstrap-server", broker.bootstrap])
            #expect(piped.stderr == "Produced 20000 records: bulk-0 from offset 20000 (20000)\n")
            #expect(broker.stop() == 0)
        }

        @Test func jsonInputKeepsBinaryBytesAndPartitionsExactly() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "blobs", "--partitions", "3"], broker: broker)
            // base64 "AP8=" is [0x00, 0xFF] and "/w==" [0xFF]: not UTF-8. "AQ==" is [0x01]: UTF-8, so it comes back as a string.
            let input = """
                {"key": "k", "value": {"base64": "AP8="}, "partition": 2, "headers": [["h", {"base64": "/w=="}], ["n", null], ["c", {"base64": "AQ=="}]]}
                {"key": null, "value": "plain", "partition": 2}
                {"value": "line\\nbreak", "partition": 1}

                """
            try pierSucceeds(["produce", "blobs", "--format", "json"], broker: broker, input: input)
            let partition2 = try pierSucceeds(["consume", "blobs", "--partition", "2", "--from-beginning", "--format", "json", "--max-records", "2"], broker: broker)
            let lines = partition2.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines[0].hasSuffix(#","key":"k","value":{"base64":"AP8="},"headers":[["h",{"base64":"/w=="}],["n",null],["c","\u0001"]]}"#), "\(lines[0])")
            #expect(lines[1].hasSuffix(#","key":null,"value":"plain","headers":[]}"#), "\(lines[1])")

            // Raw writes the value's bytes exactly, each followed by the delimiter.
            let raw = try PierBinary.run(["consume", "blobs", "--partition", "2", "--from-beginning", "--format", "raw", "--delimiter", "|",
                                          "--max-records", "2", "--bootstrap-server", broker.bootstrap])
            #expect(raw.stdoutData == Data([0x00, 0xFF, UInt8(ascii: "|")] + Array("plain|".utf8)))
            #expect(try pierSucceeds(["consume", "blobs", "--partition", "1", "--from-beginning", "--max-records", "1"], broker: broker) == "line\nbreak\n")
            #expect(broker.stop() == 0)
        }

        @Test func keysGoWhereKafkasPartitionerPutsThem() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "keyed", "--partitions", "4"], broker: broker)
            // murmur2 & 0x7fffffff: alice 1951417749 % 4 = 1, bob 99338958 % 4 = 2 (values from kafka-python's murmur2).
            try pierSucceeds(["produce", "keyed", "--key-separator", "="], broker: broker, input: "alice=1\nbob=2\nalice=3\n")
            #expect(try pierSucceeds(["consume", "keyed", "--partition", "1", "--from-beginning", "--max-records", "2"], broker: broker) == "1\n3\n")
            #expect(try pierSucceeds(["consume", "keyed", "--partition", "2", "--from-beginning", "--max-records", "1"], broker: broker) == "2\n")
            #expect(broker.stop() == 0)
        }

        @Test func fromTimeAndGroupOffsets() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "events"], broker: broker)
            try pierSucceeds(["produce", "events"], broker: broker, input: "one\ntwo\n")
            Thread.sleep(forTimeInterval: 0.05)
            let between = Int64(Date().timeIntervalSince1970 * 1000)
            Thread.sleep(forTimeInterval: 0.05)
            try pierSucceeds(["produce", "events"], broker: broker, input: "three\n")
            #expect(try pierSucceeds(["consume", "events", "--from-time", String(between), "--max-records", "1"], broker: broker) == "three\n")
            // An empty topic end: nothing arrives, and the timeout ends the wait cleanly.
            #expect(try pierSucceeds(["consume", "events", "--from-end", "--timeout-ms", "300"], broker: broker) == "")

            // A group starts where it left off.
            #expect(try pierSucceeds(["consume", "events", "--group", "readers", "--from-beginning", "--max-records", "2"], broker: broker) == "one\ntwo\n")
            #expect(try pierSucceeds(["consume", "events", "--group", "readers", "--from-beginning", "--max-records", "1"], broker: broker) == "three\n")
            #expect(try pierSucceeds(["consume", "events", "--group", "readers", "--timeout-ms", "300"], broker: broker) == "")
            #expect(broker.stop() == 0)
        }

        @Test func failuresAreOneClearLine() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit", "--partitions", "2"], broker: broker)
            #expect(try pierFails(["produce", "nope"], broker: broker, input: "x\n") == "Error: unknown topic 'nope'")
            #expect(try pierFails(["consume", "nope", "--max-records", "1"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(try pierFails(["produce", "audit", "--partition", "7"], broker: broker, input: "x\n") == "Error: topic 'audit' has no partition 7 (it has 2)")
            #expect(try pierFails(["produce", "audit", "--key-separator", ":"], broker: broker, input: "a:b\nno separator\n")
                == "Error: line 2 has no key separator ':'")
            #expect(try pierFails(["produce", "audit", "--format", "json"], broker: broker, input: "{not json\n") == "Error: line 1 is not JSON")
            #expect(try pierFails(["consume", "audit", "--offset", "5", "--max-records", "1"], broker: broker)
                == "Error: offset 5 is outside audit-0, which holds offsets 0 to -1")
            #expect(try pierFails(["consume", "audit", "--from-time", "yesterday"], broker: broker).hasPrefix("Error: --from-time 'yesterday' is neither"))
            #expect(broker.stop() == 0)
        }
    }
}
