import Foundation
import Logging
import PierStorage
import ServiceLifecycle

/// Applies each topic's `retention.ms` and `retention.bytes` to this broker's partitions every
/// `log.retention.check.interval.ms`, as Kafka's log manager does. Deletions are logged and counted
/// (`BrokerMetricNames.retentionDeletedRecords`, per topic).
struct RetentionService: Service {
    let context: BrokerContext
    let interval: Duration

    func run() async throws {
        await repeatEvery(interval) { await runOnce() }
    }

    /// One pass over every partition this broker holds a replica of.
    func runOnce(now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async {
        let topics: [TopicView]
        do {
            topics = try await context.blocking {
                try context.topics.topicNames().compactMap { try context.topics.view($0) }
            }
        } catch {
            context.logger.error("retention: reading topics failed", metadata: ["error": "\(error)"])
            return
        }
        for topic in topics {
            let policy = RetentionPolicy(maxAgeMilliseconds: topic.configuration.retentionMilliseconds,
                                         maxBytes: topic.configuration.retentionBytes)
            guard policy.maxAgeMilliseconds != nil || policy.maxBytes != nil else { continue }
            for (partition, details) in topic.partitions where details.replicas.contains(context.nodeID) {
                await apply(policy, to: TopicPartition(topic.name, partition), configuration: topic.configuration, now: now)
            }
        }
    }

    private func apply(_ policy: RetentionPolicy, to partition: TopicPartition, configuration: TopicConfiguration, now: Int64) async {
        do {
            let outcome = try await context.blocking {
                try context.registry.log(for: partition, configuration: configuration).applyRetention(policy, now: now)
            }
            guard outcome.deletedRecords > 0 else { return }
            context.metrics.retentionDeleted(fromTopic: partition.topic, records: outcome.deletedRecords)
            context.logger.info("retention deleted records", metadata: [
                "partition": "\(partition)", "records": "\(outcome.deletedRecords)", "logStartOffset": "\(outcome.newLogStartOffset)",
            ])
        } catch {
            context.logger.error("retention failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }
}
