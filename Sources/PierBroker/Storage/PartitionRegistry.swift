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
    private let logger: Logger
    private let logs = Mutex<[TopicPartition: any PartitionLog]>([:])

    init(dataDirectory: String, engine: StorageEngine, flushPolicy: FlushPolicy, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.engine = engine
        self.flushPolicy = flushPolicy
        self.logger = logger
    }

    func directory(of partition: TopicPartition) -> String {
        dataDirectory + "/" + partition.description
    }

    /// The partition's log, opened (and created when absent) on first use. Blocking: call it off the event loop.
    /// `configuration` supplies the segment engine's `segment.bytes` / `segment.ms` when the log is opened.
    func log(for partition: TopicPartition, configuration: TopicConfiguration? = nil) throws(StorageError) -> any PartitionLog {
        if let open = logs.withLock({ $0[partition] }) { return open }
        // Opening runs recovery and may take a while: do it outside the lock, then keep the first one opened.
        let opened = try open(partition, configuration: configuration)
        let (winner, loser) = logs.withLock { logs -> (any PartitionLog, (any PartitionLog)?) in
            if let existing = logs[partition] { return (existing, opened) }
            logs[partition] = opened
            return (opened, nil)
        }
        try? loser?.close()
        return winner
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
            log = try SQLitePartitionLog(directory: directory(of: partition), options: SQLitePartitionLogOptions(flushPolicy: flushPolicy))
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
