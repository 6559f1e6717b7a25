import Testing
@testable import PierPerf

@Suite struct TransferStatisticsTests {
    @Test func percentilesComeFromEveryRequestsLatency() throws {
        var statistics = TransferStatistics()
        for millisecond in 1...1000 {
            statistics.add(records: 10, bytes: 1_000, latency: .milliseconds(millisecond))
        }
        let summary = statistics.summary(elapsed: .seconds(2))
        #expect(summary.rates.records == 10_000)
        #expect(summary.requests == 1000)
        #expect(summary.rates.recordsPerSecond == 5_000)
        let latency = try #require(summary.latency)
        // Three significant digits: within 0.1 % of the exact order statistic.
        #expect(abs(latency.p50.milliseconds - 500) <= 0.5)
        #expect(abs(latency.p95.milliseconds - 950) <= 1)
        #expect(abs(latency.p99.milliseconds - 990) <= 1)
        #expect(abs(latency.p999.milliseconds - 999) <= 1)
        #expect(abs(latency.maximum.milliseconds - 1000) <= 1)
        #expect(abs(latency.average.milliseconds - 500.5) <= 0.5)
    }

    @Test func windowsCountSinceTheLastReportAndStartAfresh() {
        var statistics = TransferStatistics()
        statistics.add(records: 100, bytes: 1_048_576, latency: .milliseconds(4))
        statistics.add(records: 100, bytes: 1_048_576, latency: .milliseconds(8))
        let window = statistics.closeWindow(elapsed: .seconds(1))
        #expect(window.records == 200)
        #expect(window.megabytesPerSecond == 2)
        #expect(window.averageLatency == .milliseconds(6))
        #expect(window.maximumLatency == .milliseconds(8))
        let empty = statistics.closeWindow(elapsed: .seconds(1))
        #expect(empty.records == 0 && empty.averageLatency == nil)
        #expect(statistics.records == 200)
    }

    @Test func unacknowledgedRequestsHaveNoLatency() {
        var statistics = TransferStatistics()
        statistics.add(records: 5, bytes: 500, latency: nil)
        #expect(statistics.summary(elapsed: .seconds(1)).latency == nil)
        #expect(PerfReport.produceSummary(statistics.summary(elapsed: .seconds(1)))
            == "5 records sent in 1.00 s, 5.0 records/s (0.00 MB/s), 1 produce requests, latency not measured (acks=0)")
    }

    @Test func reportLinesReadLikeKafkasPerfTools() {
        let rates = Rates(records: 20_000, bytes: 2_000_000, elapsed: .milliseconds(1_250),
                          averageLatency: .microseconds(2_345), maximumLatency: .microseconds(9_870))
        #expect(PerfReport.produceProgress(rates) == "20000 records sent, 16000.0 records/s (1.53 MB/s), 2.3 ms avg latency, 9.9 ms max latency")
        #expect(PerfReport.consumeSummary(Summary(rates: rates, requests: 4, latency: nil))
            == "20000 records received in 1.25 s, 16000.0 records/s (1.53 MB/s), 4 fetch requests")
        #expect(PerfReport.format(0.005, 2) == "0.01")
        #expect(PerfReport.format(12.3456, 3) == "12.346")
        #expect(PerfReport.format(-1.5, 1) == "-1.5")
        #expect(PerfReport.format(7, 0) == "7")
    }
}
