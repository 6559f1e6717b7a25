import Crypto
import Foundation
import NIOCore
import PierClient
import PierRecords
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// `pier replay` against a real `pier serve` and its data directory.
    @Suite(.serialized) struct ReplayCommandTests {
        /// One million records produced straight through PierClient; the replay of the whole range
        /// gives the same SHA-256 online, offline and as computed here from what was sent, and raw
        /// output is the values byte for byte.
        @Test func aMillionRecordRangeMatchesWhatWasProduced() async throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit"], broker: broker)
            let count = 1_000_000
            let baseTimestamp: Int64 = 1_764_000_000_000
            var expected = IndependentDigest()
            var expectedValues: [[UInt8]] = []
            expectedValues.reserveCapacity(count)
            let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.port)
            var pending: [PendingResponse<Int64?>] = []
            for batchStart in stride(from: 0, to: count, by: 10_000) {
                var records: [NewRecord] = []
                records.reserveCapacity(10_000)
                for index in batchStart..<(batchStart + 10_000) {
                    let key: String? = index % 7 == 0 ? nil : "key-\(index % 100)"
                    let value = "value-\(index)"
                    let headers: [(String, String?)] = index % 1000 == 0 ? [("trace", "t\(index)"), ("empty", nil)] : []
                    let timestamp = baseTimestamp + Int64(index / 100)
                    records.append(NewRecord(key: key, value: value, headers: headers, timestamp: timestamp))
                    expected.add(offset: Int64(index), timestamp: timestamp, key: key.map { Array($0.utf8) }, value: Array(value.utf8),
                                 headers: headers.map { ($0.0, $0.1.map { Array($0.utf8) }) })
                    expectedValues.append(Array(value.utf8) + [10])
                }
                pending.append(try connection.startProduce(topic: "audit", partition: 0, records: try RecordBatch.make(records: records).encoded(), acks: -1))
                if pending.count >= 8 { _ = try await pending.removeFirst().value }
            }
            for response in pending { _ = try await response.value }
            await connection.close()
            let digest = expected.finish()

            let range = ["--partition", "0", "--from-offset", "0", "--to-offset", String(count - 1)]
            let online = try pierSucceeds(["replay", "audit"] + range + ["--verify"], broker: broker)
            #expect(online.hasSuffix("sha256 \(digest) records \(count) offsets 0..\(count - 1)\n"), "\(online.suffix(300))")
            #expect(online.split(separator: "\n").count == count / 100_000 + 1)
            let offline = try PierBinary.run(["replay", "audit"] + range + ["--verify", "--data-dir", broker.dataDirectory.path])
            #expect(offline.status == 0, "\(offline.stderr)")
            #expect(offline.stdout == online, "offline and online replays differ")
            // Piped stderr: no progress bar.
            #expect(offline.stderr.isEmpty)

            // Raw output of a 100,000-record slice is its values byte for byte (the whole range would only add time).
            let raw = try PierBinary.run(["replay", "audit", "--partition", "0", "--from-offset", "450000", "--to-offset", "549999",
                                          "--bootstrap-server", broker.bootstrap])
            #expect(raw.status == 0)
            #expect(raw.stdoutData == Data(expectedValues[450_000..<550_000].joined()))
            #expect(broker.stop() == 0)
        }

        @Test func subRangesTimesResumeAndFailures() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit", "--partitions", "2"], broker: broker)
            try pierSucceeds(["produce", "audit", "--partition", "0"], broker: broker, input: (0..<50).map { "v\($0)\n" }.joined())
            Thread.sleep(forTimeInterval: 0.05)
            let middle = Int64(Date().timeIntervalSince1970 * 1000)
            Thread.sleep(forTimeInterval: 0.05)
            try pierSucceeds(["produce", "audit", "--partition", "0"], broker: broker, input: (50..<100).map { "v\($0)\n" }.joined())

            #expect(try pierSucceeds(["replay", "audit", "--partition", "0", "--from-offset", "10", "--to-offset", "12"], broker: broker) == "v10\nv11\nv12\n")
            #expect(try pierSucceeds(["replay", "audit", "--partition", "0", "--from-offset", "48", "--to-time", String(middle)], broker: broker) == "v48\nv49\n")
            #expect(try pierSucceeds(["replay", "audit", "--partition", "0", "--from-time", String(middle), "--to-offset", "51", "--format", "json",
                                      "--data-dir", broker.dataDirectory.path]).contains(#""offset":51,"#))
            // Online and offline agree on a sub-range's digest.
            let sub = ["replay", "audit", "--partition", "0", "--from-offset", "20", "--to-offset", "79", "--verify", "--verify-every", "25"]
            let onlineSub = try pierSucceeds(sub, broker: broker)
            #expect(onlineSub.split(separator: "\n").count == 3)
            #expect(try pierSucceeds(sub + ["--data-dir", broker.dataDirectory.path]) == onlineSub)

            // A resume file from a finished replay continues with nothing; one saying 90 continues at 90.
            let resume = FileManager.default.temporaryDirectory.appendingPathComponent("pier-resume-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: resume) }
            let whole = ["replay", "audit", "--partition", "0", "--from-offset", "0", "--to-offset", "99", "--resume-file", resume]
            #expect(try pierSucceeds(whole, broker: broker).split(separator: "\n").count == 100)
            #expect(try String(contentsOfFile: resume, encoding: .utf8) == "partition=audit-0\nfrom=0\nend=100\nnext=100\n")
            #expect(try pierSucceeds(whole, broker: broker) == "")
            try "partition=audit-0\nfrom=0\nend=100\nnext=90\n".write(toFile: resume, atomically: true, encoding: .utf8)
            #expect(try pierSucceeds(whole, broker: broker) == (90..<100).map { "v\($0)\n" }.joined())
            #expect(try pierFails(["replay", "audit", "--partition", "0", "--from-offset", "5", "--to-offset", "9", "--resume-file", resume], broker: broker)
                == "Error: resume file \(resume) belongs to a replay of audit-0 offsets 0..<100, not of audit-0 offsets 5..<10")

            #expect(try pierFails(["replay", "audit", "--partition", "0", "--from-offset", "10", "--to-offset", "100"], broker: broker)
                == "Error: bad offset range: --to-offset 100 is at or past the log end offset 100 of audit-0")
            #expect(try pierFails(["replay", "audit", "--partition", "0", "--from-offset", "10", "--to-offset", "5"], broker: broker)
                == "Error: bad offset range: --from-offset 10 is after --to-offset 5")
            #expect(try pierFails(["replay", "audit", "--partition", "0", "--from-offset", "10", "--to-offset", "100", "--data-dir", broker.dataDirectory.path])
                == "Error: bad offset range: --to-offset 100 is at or past the log end offset 100 of audit-0")
            #expect(try pierFails(["replay", "audit", "--partition", "9"], broker: broker) == "Error: topic 'audit' has no partition 9 (it has 2)")
            #expect(try pierFails(["replay", "nope", "--partition", "0"], broker: broker) == "Error: unknown topic 'nope'")
            #expect(try pierFails(["replay", "nope", "--partition", "0", "--data-dir", broker.dataDirectory.path])
                == "Error: unknown topic or partition nope-0 in \(broker.dataDirectory.path)")
            #expect(broker.stop() == 0)
        }

        /// Under a terminal (a pseudo-terminal from script(1)) the progress bar is drawn on stderr;
        /// piped, it is not (see the million-record test).
        @Test(.enabled(if: ExternalTool.mustRun("script")))
        func aTerminalGetsAProgressBar() throws {
            let broker = try BrokerProcess()
            try pierSucceeds(["topic", "create", "audit"], broker: broker)
            try pierSucceeds(["produce", "audit"], broker: broker, input: (0..<100).map { "v\($0)\n" }.joined())
            let command = [PierBinary.url.path, "replay", "audit", "--partition", "0", "--verify", "--bootstrap-server", broker.bootstrap]
                .joined(separator: " ")
            let terminal = try ExternalTool.run("script", arguments: ["-qec", command, "/dev/null"])
            #expect(terminal.contains("] 100%  100/100 records  "), "\(terminal)")
            #expect(terminal.contains("  done"))
            #expect(terminal.contains("sha256 ") && terminal.contains(" records 100 offsets 0..99"))
            #expect(broker.stop() == 0)
        }

        @Test func segmentEngineReplaysOfflineLikeOnline() throws {
            let broker = try BrokerProcess(arguments: ["--engine", "segments"])
            try pierSucceeds(["topic", "create", "seg"], broker: broker)
            for chunk in 0..<5 {
                try pierSucceeds(["produce", "seg", "--key-separator", "=", "--header", "chunk=\(chunk)"], broker: broker,
                                 input: (0..<200).map { "k\($0 % 3)=value \(chunk)-\($0)\n" }.joined())
            }
            let verify = ["replay", "seg", "--partition", "0", "--from-offset", "150", "--to-offset", "849", "--verify"]
            let online = try pierSucceeds(verify, broker: broker)
            #expect(online.hasSuffix("records 700 offsets 150..849\n"))
            #expect(try pierSucceeds(verify + ["--data-dir", broker.dataDirectory.path]) == online)
            #expect(broker.stop() == 0)
            // And with the broker stopped (segments closed, indexes written).
            #expect(try pierSucceeds(verify + ["--data-dir", broker.dataDirectory.path]) == online)
        }
    }
}

/// The replay checksum computed from its definition (docs/cli.md), independently of PierTools.
private struct IndependentDigest {
    var hasher = SHA256()
    var bytes: [UInt8] = []

    mutating func add(offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8]?)]) {
        int64(offset)
        int64(timestamp)
        lengthPrefixed(key)
        lengthPrefixed(value)
        int32(Int32(headers.count))
        for (name, headerValue) in headers {
            lengthPrefixed(Array(name.utf8))
            lengthPrefixed(headerValue)
        }
        if bytes.count > 1 << 16 {
            hasher.update(data: bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    mutating func finish() -> String {
        hasher.update(data: bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private mutating func int64(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    private mutating func int32(_ value: Int32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    private mutating func lengthPrefixed(_ field: [UInt8]?) {
        guard let field else { int32(-1); return }
        int32(Int32(field.count))
        bytes.append(contentsOf: field)
    }
}
