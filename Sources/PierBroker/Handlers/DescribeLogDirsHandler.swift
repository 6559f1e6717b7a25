import Foundation
import PierProtocol
import PierStorage

/// DescribeLogDirs (`kafka-log-dirs.sh --describe`, AdminClient describe_log_dirs): this broker's one
/// log directory (`log.dirs`), each replica it holds with its size on disk (`PartitionDiskUsage`)
/// and its offset lag, and from v4 the file system's total and usable bytes. Null topics means every
/// replica here; named partitions this broker holds no replica of are left out, as Kafka does.
struct DescribeLogDirsHandler {
    let context: BrokerContext

    typealias Topic = DescribeLogDirsResponse.DescribeLogDirsTopic
    typealias Partition = DescribeLogDirsResponse.DescribeLogDirsPartition

    func response(to request: DescribeLogDirsRequest, version: Int16) async throws -> DescribeLogDirsResponse {
        try await context.blocking { try respond(to: request) }
    }

    private func respond(to request: DescribeLogDirsRequest) throws -> DescribeLogDirsResponse {
        let wanted: [String: Set<Int32>]? = request.topics.map { topics in
            Dictionary(topics.map { ($0.topic, Set($0.partitions)) }, uniquingKeysWith: { $0.union($1) })
        }
        var topics: [Topic] = []
        for name in try wanted.map({ $0.keys.sorted() }) ?? context.topics.topicNames() {
            guard let view = try context.topics.view(name) else { continue }
            let partitions = view.partitions.keys.sorted().compactMap { index -> Partition? in
                guard wanted?[name]?.contains(index) ?? true, view.partitions[index]?.replicas.contains(context.nodeID) == true else { return nil }
                let partition = TopicPartition(name, index)
                guard let size = PartitionDiskUsage.bytes(ofPartitionDirectory: context.registry.directory(of: partition)) else { return nil }
                return Partition(partitionIndex: index, partitionSize: size, offsetLag: offsetLag(partition), isFutureKey: false)
            }
            if !partitions.isEmpty { topics.append(Topic(name: name, partitions: partitions)) }
        }
        let directory = URL(fileURLWithPath: context.configuration.dataDirectory).standardizedFileURL.path
        var result = DescribeLogDirsResponse.DescribeLogDirsResult(logDir: directory, topics: topics)
        if let capacity = PartitionDiskUsage.capacity(ofDirectory: directory) {
            result.totalBytes = capacity.total
            result.usableBytes = capacity.usable
        }
        return DescribeLogDirsResponse(results: [result])
    }

    /// Kafka's lag of a current (not future) replica: how far its log end is behind the high
    /// watermark it knows, never negative; 0 for a log not open here yet.
    private func offsetLag(_ partition: TopicPartition) -> Int64 {
        guard let log = context.registry.openLog(for: partition) else { return 0 }
        return max(0, log.highWatermark - log.logEndOffset)
    }
}
