import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// `pier serve --admin-listen`: /metrics scraped and parsed while `pier perf produce` drives load,
    /// /health and /ready, and /ready going dark on SIGTERM; JSON log lines.
    @Suite(.serialized) struct ObservabilityTests {
        static let records = 200_000

        @Test(.enabled(if: ExternalTool.mustRun("kcat")))
        func metricsFollowTheLoadAndReadyTurnsOffOnShutdown() throws {
            let broker = try BrokerProcess(arguments: ["--admin-listen", "127.0.0.1:0", "--log-format", "json"])
            let admin = try #require(broker.adminPort, "no admin line: \(broker.log)")
            #expect(try AdminHTTP.get(port: admin, path: "/health").status == 200)
            #expect(try AdminHTTP.get(port: admin, path: "/ready").status == 200)
            #expect(try AdminHTTP.get(port: admin, path: "/nowhere").status == 404)

            // Paced, so the load lasts seconds and scrapes land in the middle of it.
            let load = Process()
            load.executableURL = PierBinary.url
            load.arguments = ["perf", "produce", "--bootstrap", broker.bootstrap, "--topic", "metered", "--records", String(Self.records),
                              "--record-size", "100", "--batch-bytes", "16384", "--throughput", "50000", "--report-interval-ms", "60000"]
            let loadOutput = Pipe()
            load.standardOutput = loadOutput
            load.standardError = loadOutput
            try load.run()
            var seenDuringLoad: [Double] = []
            while load.isRunning {
                let scrape = try PrometheusText(try AdminHTTP.get(port: admin, path: "/metrics").body)
                if let recordsIn = scrape.value("pier_topic_records_in_total", ["topic": "metered"]) { seenDuringLoad.append(recordsIn) }
                usleep(100_000)
            }
            load.waitUntilExit()
            let loadText = String(decoding: loadOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(load.terminationStatus == 0, "\(loadText)\n\(broker.log)")
            #expect(seenDuringLoad == seenDuringLoad.sorted(), "a counter went backwards: \(seenDuringLoad)")
            #expect(seenDuringLoad.contains { $0 > 0 && $0 < Double(Self.records) }, "no scrape saw the load in progress: \(seenDuringLoad)")

            let produced = try scrape(admin)
            #expect(produced.value("pier_topic_records_in_total", ["topic": "metered"]) == Double(Self.records))
            #expect(try #require(produced.value("pier_topic_bytes_in_total", ["topic": "metered"])) > Double(Self.records * 100))
            #expect(produced.value("pier_partition_log_end_offset", ["topic": "metered", "partition": "0"]) == Double(Self.records))
            #expect(produced.value("pier_partition_high_watermark", ["topic": "metered", "partition": "0"]) == Double(Self.records))
            #expect(try #require(produced.value("pier_partition_size_bytes", ["topic": "metered", "partition": "0"])) > Double(Self.records * 100))
            #expect(try #require(produced.value("pier_sqlite_wal_size_bytes", ["topic": "metered", "partition": "0"])) > 0)
            let produceRequests = try #require(produced.value("pier_requests_total", ["api": "Produce"]))
            // 200,000 records of about 110 bytes in 16 KiB batches: well over a thousand requests.
            #expect(produceRequests >= 1_000)
            #expect(produced.value("pier_request_duration_seconds_count", ["api": "Produce"]) == produceRequests)
            #expect(try #require(produced.value("pier_request_duration_seconds_sum", ["api": "Produce"])) > 0)
            #expect(produced.value("pier_request_duration_seconds_bucket", ["api": "Produce", "le": "+Inf"]) == produceRequests)
            #expect(produced.value("pier_under_replicated_partitions") == 0)
            #expect(produced.value("pier_isr_shrinks_total") == 0)
            #expect(produced.value("pier_isr_expands_total") == 0)

            // A group that reads part of the topic lags by the rest.
            _ = try ExternalTool.run("kcat", arguments: ["-b", broker.bootstrap, "-G", "auditors", "-o", "beginning", "-c", "1000", "-e", "-q", "metered"])
            let consumed = try scrape(admin)
            let committed = try #require(consumed.value("pier_consumer_group_committed_offset", ["group": "auditors", "topic": "metered", "partition": "0"]),
                                         "no committed offset for the group")
            #expect(committed >= 1000)
            #expect(consumed.value("pier_consumer_group_lag", ["group": "auditors", "topic": "metered", "partition": "0"]) == Double(Self.records) - committed)
            #expect(try #require(consumed.value("pier_topic_records_out_total", ["topic": "metered"])) >= 1000)
            #expect(try #require(consumed.value("pier_topic_bytes_out_total", ["topic": "metered"])) > 1000 * 100)
            #expect(try #require(consumed.value("pier_requests_total", ["api": "JoinGroup"])) >= 1)

            // Every log line is one JSON object. "broker started" need not come first: the controller's
            // election is logged from its own queue and may land before it.
            let objects = try broker.log.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            }
            let started = try #require(objects.first { $0["message"] as? String == "broker started" }, "no 'broker started' line")
            #expect(started["level"] as? String == "info")

            // SIGTERM: /ready stops answering 200 (503 while draining, then the listener closes).
            broker.requestStop()
            let deadline = Date().addingTimeInterval(20)
            var lastAnswer = "200"
            while Date() < deadline {
                do {
                    let status = try AdminHTTP.get(port: admin, path: "/ready").status
                    lastAnswer = String(status)
                    if status == 503 { break }
                } catch AdminHTTP.Failure.connectionRefused {
                    lastAnswer = "refused"
                    break
                }
                usleep(10_000)
            }
            #expect(lastAnswer == "503" || lastAnswer == "refused")
            #expect(broker.stop() == 0, "\(broker.log)")
            #expect(throws: AdminHTTP.Failure.self) { try AdminHTTP.get(port: admin, path: "/health") }
        }

        @Test func logLevelFiltersAndBadFlagsAreOneLine() throws {
            let quiet = try BrokerProcess(arguments: ["--log-level", "warning"])
            #expect(quiet.stop() == 0)
            #expect(!quiet.log.contains("broker started"), "\(quiet.log)")
            let chatty = try BrokerProcess(arguments: ["--log-level", "info"])
            #expect(chatty.stop() == 0)
            #expect(chatty.log.contains("broker started"), "\(chatty.log)")

            let badAddress = try PierBinary.run(["serve", "--admin-listen", "nowhere", "--data-dir", NSTemporaryDirectory() + "pier-bad-\(UUID().uuidString)"])
            #expect(badAddress.status != 0)
            #expect(badAddress.stderr == "Error: invalid --admin-listen 'nowhere': expected HOST:PORT\n")
            let badLevel = try PierBinary.run(["serve", "--log-level", "loud"])
            #expect(badLevel.status != 0)
            #expect(badLevel.stderr.contains("--log-level"), "\(badLevel.stderr)")
        }

        private func scrape(_ port: Int) throws -> PrometheusText {
            let response = try AdminHTTP.get(port: port, path: "/metrics")
            #expect(response.status == 200)
            return try PrometheusText(response.body)
        }
    }
}
