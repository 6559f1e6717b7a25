import Foundation
import Testing

extension RealBrokerSuites {
    /// `pier perf` against a real `pier serve`, as a user runs it.
    @Suite(.serialized) struct PerfCommandTests {
        @Test func producesAndConsumesTwentyThousandRecords() throws {
            let broker = try BrokerProcess()
            // Small batches, so the run takes many pipelined produce requests, not one or two.
            let produced = try PierBinary.run(["perf", "produce", "--bootstrap", broker.bootstrap, "--topic", "perf",
                                               "--records", "20000", "--record-size", "100", "--batch-bytes", "65536",
                                               "--in-flight", "4", "--report-interval-ms", "200"])
            #expect(produced.status == 0, "\(produced.stderr)\n\(broker.log)")
            let produceSummary = try #require(produced.stdout.split(separator: "\n").last.map(String.init))
            #expect(produceSummary.hasPrefix("20000 records sent in "), "\(produced.stdout)")
            #expect(produceSummary.contains("p50 ") && produceSummary.contains("p99.9 ") && produceSummary.contains("max "))
            // 20,000 records of about 110 bytes in 64 KiB batches: at least 34 requests.
            let requests = try #require(Self.number(before: " produce requests", in: produceSummary))
            #expect(requests >= 34)

            let consumed = try PierBinary.run(["perf", "consume", "--bootstrap", broker.bootstrap, "--topic", "perf",
                                               "--records", "20000", "--fetch-bytes", "65536"])
            #expect(consumed.status == 0, "\(consumed.stderr)\n\(broker.log)")
            let consumeSummary = try #require(consumed.stdout.split(separator: "\n").last.map(String.init))
            #expect(consumeSummary.hasPrefix("20000 records received in "), "\(consumed.stdout)")

            // Asking for more than is there stops after --timeout-ms with one line, not a hang.
            let tooMany = try PierBinary.run(["perf", "consume", "--bootstrap", broker.bootstrap, "--topic", "perf",
                                              "--records", "20001", "--max-wait-ms", "100", "--timeout-ms", "1000"])
            #expect(tooMany.status != 0)
            #expect(tooMany.stderr.hasPrefix("Error: received 20000 of 20001 records"), "\(tooMany.stderr)")
            #expect(broker.stop() == 0)
        }

        @Test func anUnreachableBrokerIsOneLineAndAFailure() throws {
            let port = try ClosedPort.loopback()
            for command in ["produce", "consume"] {
                let outcome = try PierBinary.run(["perf", command, "--bootstrap", "127.0.0.1:\(port)", "--topic", "t", "--records", "10"])
                #expect(outcome.status != 0)
                #expect(outcome.stdout.isEmpty)
                #expect(outcome.stderr == "Error: broker unreachable at 127.0.0.1:\(port) (connection refused)\n")
            }
        }

        @Test func badOptionsAreRejectedBeforeConnecting() throws {
            let outcome = try PierBinary.run(["perf", "produce", "--bootstrap", "nowhere", "--topic", "t", "--records", "10"])
            #expect(outcome.status != 0)
            #expect(outcome.stderr == "Error: invalid bootstrap address 'nowhere': expected HOST:PORT\n")
        }

        /// The number just before `suffix` in `line`.
        private static func number(before suffix: String, in line: String) -> Int? {
            guard let range = line.range(of: suffix) else { return nil }
            return Int(line[..<range.lowerBound].split(separator: " ").last ?? "")
        }
    }
}
