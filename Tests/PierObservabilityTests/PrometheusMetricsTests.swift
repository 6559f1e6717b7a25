import Metrics
import PierObservability
import Testing

@Suite struct PrometheusMetricsTests {
    @Test func timersBecomeHistogramsWithSubMillisecondBuckets() {
        let metrics = PrometheusMetrics()
        let timer = Timer(label: "pier_request_duration_seconds", dimensions: [("api", "Produce")], factory: metrics.factory)
        timer.recordNanoseconds(300_000)  // 0.3 ms
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"pier_request_duration_seconds_bucket{api="Produce",le="0.00025"} 0"#), "\(text)")
        #expect(text.contains(#"pier_request_duration_seconds_bucket{api="Produce",le="0.0005"} 1"#), "\(text)")
        #expect(text.contains(#"pier_request_duration_seconds_count{api="Produce"} 1"#), "\(text)")
    }

    @Test func countersAndGaugesAreExposedWithTheirLabels() {
        let metrics = PrometheusMetrics()
        Counter(label: "pier_topic_records_in_total", dimensions: [("topic", "orders")], factory: metrics.factory).increment(by: 42)
        Gauge(label: "pier_partition_log_end_offset", dimensions: [("topic", "orders"), ("partition", "0")], factory: metrics.factory).record(42)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("# TYPE pier_topic_records_in_total counter\npier_topic_records_in_total{topic=\"orders\"} 42\n"), "\(text)")
        #expect(text.contains("pier_partition_log_end_offset{topic=\"orders\",partition=\"0\"} 42"), "\(text)")
    }
}
