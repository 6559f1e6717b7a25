import Metrics
import NIOCore
import PierProtocol
import PierRecords
import PierSecurity
import Synchronization

/// The broker's metrics, recorded through swift-metrics into the factory the broker was started
/// with (`pier serve` gives it a Prometheus registry; tests may give their own; the default records
/// nothing). Handlers are made once per topic, API or gauge series and kept, so the hot paths
/// only increment.
public final class BrokerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let topics = Mutex<[String: TopicMetrics]>([:])
    private let apis: [ApiKey: ApiMetrics]
    private let gauges = Mutex<[GaugeSample.Series: Gauge]>([:])
    /// Created up front so they are exported at zero; the leader increments them as its ISR writes succeed.
    let isrShrinks: Counter
    let isrExpands: Counter
    let groupOffsetsExpired: Counter
    private let authenticationFailureCounters: [String: Counter]

    public init(factory: any MetricsFactory) {
        self.factory = factory
        apis = Dictionary(uniqueKeysWithValues: SupportedApis.versions.keys.map { api in
            let dimensions = [("api", api.name)]
            return (api, ApiMetrics(
                requests: Counter(label: BrokerMetricNames.requests, dimensions: dimensions, factory: factory),
                duration: Timer(label: BrokerMetricNames.requestDuration, dimensions: dimensions, factory: factory)
            ))
        })
        isrShrinks = Counter(label: BrokerMetricNames.isrShrinks, dimensions: [], factory: factory)
        isrExpands = Counter(label: BrokerMetricNames.isrExpands, dimensions: [], factory: factory)
        groupOffsetsExpired = Counter(label: BrokerMetricNames.groupOffsetsExpired, dimensions: [], factory: factory)
        authenticationFailureCounters = Dictionary(uniqueKeysWithValues: (SASLMechanism.allCases.map(\.rawValue) + ["none"]).map { mechanism in
            (mechanism, Counter(label: BrokerMetricNames.authenticationFailures, dimensions: [("mechanism", mechanism)], factory: factory))
        })
    }

    /// A SASL authentication failed (`mechanism` nil: before one was chosen).
    func authenticationFailed(mechanism: String?) {
        authenticationFailureCounters[mechanism ?? "none"]?.increment()
    }

    /// Records nothing: for brokers started without a metrics backend.
    public static let disabled = BrokerMetrics(factory: NOOPMetricsHandler.instance)

    struct ApiMetrics: Sendable {
        let requests: Counter
        let duration: Timer
    }

    struct TopicMetrics: Sendable {
        let bytesIn: Counter
        let recordsIn: Counter
        let bytesOut: Counter
        let recordsOut: Counter
        let retentionDeletedRecords: Counter
        let checkpointDuration: Timer
    }

    private func topic(_ name: String) -> TopicMetrics {
        if let known = topics.withLock({ $0[name] }) { return known }
        let dimensions = [("topic", name)]
        let made = TopicMetrics(
            bytesIn: Counter(label: BrokerMetricNames.bytesIn, dimensions: dimensions, factory: factory),
            recordsIn: Counter(label: BrokerMetricNames.recordsIn, dimensions: dimensions, factory: factory),
            bytesOut: Counter(label: BrokerMetricNames.bytesOut, dimensions: dimensions, factory: factory),
            recordsOut: Counter(label: BrokerMetricNames.recordsOut, dimensions: dimensions, factory: factory),
            retentionDeletedRecords: Counter(label: BrokerMetricNames.retentionDeletedRecords, dimensions: dimensions, factory: factory),
            checkpointDuration: Timer(label: BrokerMetricNames.checkpointDuration, dimensions: dimensions, factory: factory)
        )
        return topics.withLock { topics in
            if let raced = topics[name] { return raced }
            topics[name] = made
            return made
        }
    }

    // MARK: Events

    func requestHandled(_ api: ApiKey, duration: Duration) {
        guard let metrics = apis[api] else { return }
        metrics.requests.increment()
        metrics.duration.recordNanoseconds(duration.nanoseconds)
    }

    func appended(toTopic name: String, records: Int, bytes: Int) {
        let metrics = topic(name)
        metrics.recordsIn.increment(by: records)
        metrics.bytesIn.increment(by: bytes)
    }

    /// Counts what a fetch response carries for one partition: whole batches, each counted with all
    /// its records (a batch may start before the fetch offset, as in Kafka).
    func fetched(fromTopic name: String, batches: ByteBuffer) {
        guard batches.readableBytes > 0 else { return }
        var records = 0
        var iterator = RecordBatchSequence(batches, allowsTruncatedFinalBatch: true).makeIterator()
        while let batch = try? iterator.next() { records += Int(batch.header.recordCount) }
        let metrics = topic(name)
        metrics.recordsOut.increment(by: records)
        metrics.bytesOut.increment(by: batches.readableBytes)
    }

    func retentionDeleted(fromTopic name: String, records: Int64) {
        topic(name).retentionDeletedRecords.increment(by: Int(records))
    }

    func offsetsExpired(_ count: Int) {
        groupOffsetsExpired.increment(by: count)
    }

    func checkpointed(topic name: String, duration: Duration) {
        topic(name).checkpointDuration.recordNanoseconds(duration.nanoseconds)
    }

    // MARK: Gauges read from state

    /// Sets every gauge in `samples` and removes the series of earlier calls that are not in it
    /// (a deleted topic, a deleted group), so a scrape never shows a partition that is gone.
    func publish(_ samples: [GaugeSample]) {
        gauges.withLock { gauges in
            var current: [GaugeSample.Series: Gauge] = [:]
            for sample in samples {
                let gauge = gauges.removeValue(forKey: sample.series) ?? current[sample.series]
                    ?? Gauge(label: sample.series.name, dimensions: sample.series.labels, factory: factory)
                gauge.record(sample.value)
                current[sample.series] = gauge
            }
            for stale in gauges.values { stale.destroy() }
            gauges = current
        }
    }
}

/// One value of a gauge series, as collected from the broker's state.
struct GaugeSample: Sendable, Equatable {
    struct Series: Hashable, Sendable {
        var name: String
        var labelPairs: [LabelPair]
        var labels: [(String, String)] { labelPairs.map { ($0.name, $0.value) } }
    }

    struct LabelPair: Hashable, Sendable {
        var name: String
        var value: String
    }

    var series: Series
    var value: Int64

    init(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int64) {
        series = Series(name: name, labelPairs: labels.map { LabelPair(name: $0.key, value: $0.value) })
        self.value = value
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
