import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PierClient
import PierRecords

/// A load generator like Kafka's kafka-producer-perf-test: sends `records` records of
/// `recordSize` random bytes to one partition, batched as a producer batches them (a batch goes
/// when it holds `batchBytes` or its first record has waited `linger`), at most `inFlight`
/// requests awaiting acknowledgement, optionally capped at `recordsPerSecond`. The latency of
/// each produce request is measured from the moment it is written to the moment its
/// acknowledgement is read.
public struct ProducePerf: Sendable {
    public struct Options: Sendable {
        public var bootstrap: String
        public var topic: String
        public var partition: Int32 = 0
        public var records: Int
        public var recordSize: Int = 100
        public var batchBytes: Int = 1_048_576
        public var linger: Duration = .milliseconds(5)
        public var acks: Int16 = 1
        /// nil: unlimited.
        public var recordsPerSecond: Int?
        public var inFlight: Int = 5
        public var reportInterval: Duration = .seconds(5)

        public init(bootstrap: String, topic: String, records: Int) {
            self.bootstrap = bootstrap
            self.topic = topic
            self.records = records
        }

        /// The first problem with these options, as a line for a person; nil when they are usable.
        public var problem: String? {
            if records <= 0 { return "--records must be positive" }
            if recordSize < 0 { return "--record-size cannot be negative" }
            if batchBytes <= 0 { return "--batch-bytes must be positive" }
            if linger < .zero { return "--linger-ms cannot be negative" }
            if ![-1, 0, 1].contains(acks) { return "--acks must be -1 (all), 0 or 1" }
            if partition < 0 { return "--partition cannot be negative" }
            if let recordsPerSecond, recordsPerSecond <= 0 { return "--throughput must be positive, or -1 for unlimited" }
            if inFlight <= 0 { return "--in-flight must be positive" }
            return nil
        }
    }

    public let options: Options

    public init(options: Options) throws {
        if let problem = options.problem { throw PerfFailure(problem) }
        self.options = options
    }

    /// Runs to the end, handing each progress line to `report`, and returns the whole run's figures.
    public func run(report: @escaping @Sendable (String) -> Void) async throws -> Summary {
        let connection = try await PartitionLeader.connect(bootstrap: options.bootstrap, topic: options.topic,
                                                           partition: options.partition, clientID: "pier-perf-producer")
        do {
            let summary = try await produce(on: connection, report: report)
            await connection.close()
            return summary
        } catch {
            await connection.close()
            throw error
        }
    }

    private func produce(on connection: KafkaConnection, report: @escaping @Sendable (String) -> Void) async throws -> Summary {
        let payload = Self.randomPayload(size: options.recordSize)
        let recordsPerBatch = BatchSizing.recordsPerBatch(valueSize: options.recordSize, batchBytes: options.batchBytes)
        let pacer = ThroughputPacer(recordsPerSecond: options.recordsPerSecond)
        let statistics = NIOLockedValueBox(TransferStatistics())
        let clock = ContinuousClock()
        let start = clock.now
        let reporter = ProgressReporter.start(every: options.reportInterval, clock: clock) { elapsed in
            report(PerfReport.produceProgress(statistics.withLockedValue { $0.closeWindow(elapsed: elapsed) }))
        }
        defer { reporter.cancel() }

        // Requests awaiting acknowledgement, oldest first; the broker answers in order.
        var awaiting = CircularBuffer<PendingResponse<Int64?>>()
        var sent = 0, appended = 0, batched = 0
        var batchOpened = start
        func send(_ count: Int) async throws {
            if awaiting.count == options.inFlight { _ = try await awaiting.removeFirst().value }
            let batch = try Self.encodeBatch(count: count, payload: payload, timestamp: Self.epochMilliseconds())
            let sentAt = clock.now
            let pending = try connection.startProduce(topic: options.topic, partition: options.partition, records: batch, acks: options.acks)
            let (acknowledged, bytes) = (options.acks != 0, count * options.recordSize)
            pending.whenComplete { result in
                guard case .success = result else { return }
                let latency = acknowledged ? clock.now - sentAt : nil
                statistics.withLockedValue { $0.add(records: count, bytes: bytes, latency: latency) }
            }
            awaiting.append(pending)
            sent += count
        }

        while sent < options.records {
            let now = clock.now
            let due = min(options.records, pacer.recordsDue(after: now - start))
            while appended < due {
                if batched == 0 { batchOpened = now }
                let added = min(due - appended, recordsPerBatch - batched)
                appended += added
                batched += added
                if batched == recordsPerBatch {
                    try await send(batched)
                    batched = 0
                }
            }
            // The last records go at once: there is nothing left to wait for (a producer's flush).
            if batched > 0, appended == options.records || clock.now - batchOpened >= options.linger {
                try await send(batched)
                batched = 0
            }
            guard sent < options.records else { break }
            var wake = start + pacer.dueTime(ofRecord: appended)
            if batched > 0 { wake = min(wake, batchOpened + options.linger) }
            if wake > clock.now { try await Task.sleep(until: wake, clock: clock) }
        }
        while let oldest = awaiting.popFirst() { _ = try await oldest.value }
        let elapsed = clock.now - start
        return statistics.withLockedValue { $0.summary(elapsed: elapsed) }
    }

    /// One batch of `count` records, each with a null key and `payload` as its value.
    static func encodeBatch(count: Int, payload: ByteBuffer, timestamp: Int64) throws -> ByteBuffer {
        let records = [NewRecord](repeating: NewRecord(key: nil, value: payload, timestamp: timestamp), count: count)
        return try RecordBatch.make(records: records).encoded()
    }

    /// Random upper-case letters, as kafka-producer-perf-test fills its records.
    static func randomPayload(size: Int) -> ByteBuffer {
        var generator = SystemRandomNumberGenerator()
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        for _ in 0..<size { buffer.writeInteger(UInt8(ascii: "A") + UInt8.random(in: 0..<26, using: &generator)) }
        return buffer
    }

    static func epochMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
