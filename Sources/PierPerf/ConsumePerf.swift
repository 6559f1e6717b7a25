import NIOConcurrencyHelpers
import NIOCore
import PierClient
import PierRecords

/// A load reader like Kafka's kafka-consumer-perf-test: fetches `records` records of one
/// partition from an offset on, one fetch at a time as a consumer does for a partition, decodes
/// every batch (checking its CRC) and counts key and value bytes.
public struct ConsumePerf: Sendable {
    public enum StartOffset: Sendable, Equatable {
        case earliest
        case offset(Int64)
    }

    public struct Options: Sendable {
        public var bootstrap: String
        public var topic: String
        public var partition: Int32 = 0
        public var records: Int
        public var from: StartOffset = .earliest
        public var fetchBytes: Int32 = 1_048_576
        public var maxWait: Duration = .milliseconds(500)
        /// Give up when no record has arrived for this long.
        public var timeout: Duration = .seconds(10)
        public var reportInterval: Duration = .seconds(5)

        public init(bootstrap: String, topic: String, records: Int) {
            self.bootstrap = bootstrap
            self.topic = topic
            self.records = records
        }

        public var problem: String? {
            if records <= 0 { return "--records must be positive" }
            if partition < 0 { return "--partition cannot be negative" }
            if case .offset(let offset) = from, offset < 0 { return "--offset cannot be negative" }
            if fetchBytes <= 0 { return "--fetch-bytes must be positive" }
            if maxWait < .zero { return "--max-wait-ms cannot be negative" }
            if timeout <= .zero { return "--timeout-ms must be positive" }
            return nil
        }
    }

    public let options: Options

    public init(options: Options) throws {
        if let problem = options.problem { throw PerfFailure(problem) }
        self.options = options
    }

    public func run(report: @escaping @Sendable (String) -> Void) async throws -> Summary {
        let connection = try await PartitionLeader.connect(bootstrap: options.bootstrap, topic: options.topic,
                                                           partition: options.partition, clientID: "pier-perf-consumer")
        do {
            let summary = try await consume(on: connection, report: report)
            await connection.close()
            return summary
        } catch {
            await connection.close()
            throw error
        }
    }

    private func consume(on connection: KafkaConnection, report: @escaping @Sendable (String) -> Void) async throws -> Summary {
        var next: Int64
        switch options.from {
        case .earliest: next = try await connection.listOffsets(topic: options.topic, partition: options.partition, .earliest)
        case .offset(let offset): next = offset
        }
        let statistics = NIOLockedValueBox(TransferStatistics())
        let clock = ContinuousClock()
        let start = clock.now
        let reporter = ProgressReporter.start(every: options.reportInterval, clock: clock) { elapsed in
            report(PerfReport.consumeProgress(statistics.withLockedValue { $0.closeWindow(elapsed: elapsed) }))
        }
        defer { reporter.cancel() }

        var received = 0
        var lastProgress = start
        while received < options.records {
            let fetched = try await connection.fetch(topic: options.topic, partition: options.partition, offset: next,
                                                     maxWait: options.maxWait, minBytes: 1, maxBytes: options.fetchBytes)
            let counted = try Self.count(fetched.records, from: next, limit: options.records - received)
            statistics.withLockedValue { $0.add(records: counted.records, bytes: counted.bytes, latency: nil) }
            received += counted.records
            if counted.nextOffset > next {
                next = counted.nextOffset
                lastProgress = clock.now
            } else if clock.now - lastProgress >= options.timeout {
                throw PerfFailure("received \(received) of \(options.records) records: none arrived at offset \(next) for \(options.timeout) "
                    + "(the partition's high watermark is \(fetched.highWatermark))")
            }
        }
        let elapsed = clock.now - start
        return statistics.withLockedValue { $0.summary(elapsed: elapsed) }
    }

    struct Counted: Equatable {
        var records: Int
        var bytes: Int
        /// The offset to fetch next: past the last whole batch read.
        var nextOffset: Int64
    }

    /// Counts the records at or after `offset` in fetched batches (a fetch may begin with a batch
    /// that starts before the offset asked for), at most `limit` of them.
    static func count(_ records: ByteBuffer, from offset: Int64, limit: Int) throws -> Counted {
        var counted = Counted(records: 0, bytes: 0, nextOffset: offset)
        var batches = RecordBatchSequence(records, allowsTruncatedFinalBatch: true).makeIterator()
        while counted.records < limit, let raw = try batches.next() {
            let lastOffset = raw.header.baseOffset + Int64(raw.header.lastOffsetDelta)
            guard lastOffset >= counted.nextOffset else { continue }
            let batch = try raw.decode()
            for record in batch.records where counted.records < limit {
                let recordOffset = batch.offset(of: record)
                guard recordOffset >= counted.nextOffset else { continue }
                counted.records += 1
                counted.bytes += (record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0)
                counted.nextOffset = recordOffset + 1
            }
            if counted.records < limit { counted.nextOffset = max(counted.nextOffset, lastOffset + 1) }
        }
        return counted
    }
}
