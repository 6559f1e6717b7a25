import Foundation
import Logging
import PierStorage
import Synchronization

/// The open partition logs of this broker, by topic partition.
///
/// Logs open lazily on first use and stay open; a partition directory found on disk is reopened
/// with the engine whose files it holds, so switching `--engine` never misreads old partitions.
final class PartitionRegistry: Sendable {
    let dataDirectory: String
    let engine: StorageEngine
    let flushPolicy: FlushPolicy
    private let metrics: BrokerMetrics
    private let logger: Logger
    private let logs = Mutex<[TopicPartition: any PartitionLog]>([:])
    private let appendGates = Mutex<[TopicPartition: OpeningGate]>([:])
    /// The topic's effective settings, for logs opened without them (set once topics are known).
    private let topicConfiguration = Mutex<(@Sendable (String) -> TopicConfiguration?)?>(nil)

    func lookUpTopicConfigurations(with provider: @escaping @Sendable (String) -> TopicConfiguration?) {
        topicConfiguration.withLock { $0 = provider }
    }
    private let openingGates = Mutex<[TopicPartition: OpeningGate]>([:])

    init(dataDirectory: String, engine: StorageEngine, flushPolicy: FlushPolicy, metrics: BrokerMetrics = .disabled, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.engine = engine
        self.flushPolicy = flushPolicy
        self.metrics = metrics
        self.logger = logger
    }

    func directory(of partition: TopicPartition) -> String {
        dataDirectory + "/" + partition.description
    }

    /// The partition's log, opened (and created when absent) on first use. Blocking: call it off the event loop.
    /// `configuration` supplies the segment engine's `segment.bytes` / `segment.ms` when the log is opened.
    func log(for partition: TopicPartition, configuration: TopicConfiguration? = nil) throws(StorageError) -> any PartitionLog {
        if let open = logs.withLock({ $0[partition] }) { return open }
        // Opening runs recovery and may take a while: it holds only this partition's gate, so other
        // partitions stay usable. One opener at a time per partition: two SQLite connections
        // setting up the same new file at once fail with SQLITE_BUSY.
        let gate = openingGates.withLock { gates in
            if let gate = gates[partition] { return gate }
            let gate = OpeningGate()
            gates[partition] = gate
            return gate
        }
        return try gate.lock.withLock { _ throws(StorageError) -> any PartitionLog in
            if let open = logs.withLock({ $0[partition] }) { return open }
            let provider = topicConfiguration.withLock { $0 }
            let opened = try open(partition, configuration: configuration ?? provider?(partition.topic))
            logs.withLock { $0[partition] = opened }
            return opened
        }
    }

    private final class OpeningGate: Sendable {
        let lock = Mutex(())
    }

    /// Runs `body` while no other caller runs it for the same partition: the idempotent producer's
    /// check of its last sequence and the append that follows must not interleave with another's.
    func serializingAppends<Result>(to partition: TopicPartition, _ body: () throws(StorageError) -> Result) throws(StorageError) -> Result {
        let gate = appendGates.withLock { gates in
            if let gate = gates[partition] { return gate }
            let gate = OpeningGate()
            gates[partition] = gate
            return gate
        }
        return try gate.lock.withLock { _ throws(StorageError) -> Result in try body() }
    }

    /// Hands a topic's changed settings to its open logs: the segment engine rolls by
    /// `segment.bytes` / `segment.ms`, which it was given when it opened.
    func apply(_ configuration: TopicConfiguration, toTopic topic: String) {
        let open = logs.withLock { logs in logs.filter { $0.key.topic == topic }.map(\.value) }
        for case let segments as SegmentPartitionLog in open {
            segments.updateRolling(segmentBytes: configuration.segmentBytes, segmentMilliseconds: configuration.segmentMilliseconds)
        }
    }

    /// The log when it is open already; never touches the disk.
    func openLog(for partition: TopicPartition) -> (any PartitionLog)? {
        logs.withLock { $0[partition] }
    }

    var openPartitions: [TopicPartition: any PartitionLog] {
        logs.withLock { $0 }
    }

    /// Which engine the partition's files belong to, or nil when it has none yet.
    func engineOnDisk(for partition: TopicPartition) -> StorageEngine? {
        let directory = directory(of: partition)
        if FileManager.default.fileExists(atPath: directory + "/partition.sqlite") { return .sqlite }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0.hasSuffix(".log") } ? .segments : nil
    }

    private func open(_ partition: TopicPartition, configuration: TopicConfiguration?) throws(StorageError) -> any PartitionLog {
        let chosen = engineOnDisk(for: partition) ?? engine
        let log: any PartitionLog
        switch chosen {
        case .sqlite:
            let metrics = metrics
            let options = SQLitePartitionLogOptions(flushPolicy: flushPolicy, checkpointObserver: { [topic = partition.topic] duration in
                metrics.checkpointed(topic: topic, duration: duration)
            })
            log = try SQLitePartitionLog(directory: directory(of: partition), options: options)
        case .segments:
            var segments = SegmentLogConfiguration(flushPolicy: flushPolicy)
            if let configuration {
                segments.segmentBytes = configuration.segmentBytes
                segments.segmentMilliseconds = configuration.segmentMilliseconds
            }
            log = try SegmentPartitionLog(directory: directory(of: partition), configuration: segments)
        }
        logger.debug("partition opened", metadata: ["partition": "\(partition)", "engine": "\(chosen.rawValue)"])
        return log
    }

    /// Closes and deletes the partition's files (DeleteTopics).
    func remove(_ partition: TopicPartition) {
        let log = logs.withLock { $0.removeValue(forKey: partition) }
        do { try log?.close() } catch { logger.warning("closing a deleted partition failed", metadata: ["partition": "\(partition)", "error": "\(error)"]) }
        do {
            if FileManager.default.fileExists(atPath: directory(of: partition)) {
                try FileManager.default.removeItem(atPath: directory(of: partition))
            }
        } catch {
            logger.error("deleting a partition's files failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }

    /// Flushes and closes every open log (shutdown).
    func closeAll() {
        let all = logs.withLock { logs in
            defer { logs.removeAll() }
            return logs
        }
        for (partition, log) in all {
            do {
                try log.flush()
                try log.close()
            } catch {
                logger.error("closing a partition failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
    }
}
