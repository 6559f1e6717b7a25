import PierStorage

/// The gauges that describe state rather than count events: each partition's offsets and sizes,
/// each consumer group's lag, the under-replicated count. They are read when metrics are collected
/// (on scrape), so they are current and nothing polls the logs in between.
struct StateGauges {
    let context: BrokerContext

    func samples() async throws -> [GaugeSample] {
        let partitions = try await context.blocking { try partitionSamples() }
        var samples = partitions.samples
        for listing in context.groups.listGroups() {
            let committed = try await context.groups.committedOffsets(groupID: listing.groupID)
            for offset in committed {
                guard let logEnd = partitions.logEndOffsets[TopicPartition(offset.topic, offset.partition)] else { continue }
                let labels: KeyValuePairs<String, String> = ["group": listing.groupID, "topic": offset.topic, "partition": String(offset.partition)]
                samples.append(GaugeSample(BrokerMetricNames.consumerGroupCommittedOffset, labels, offset.offset))
                samples.append(GaugeSample(BrokerMetricNames.consumerGroupLag, labels, max(logEnd - offset.offset, 0)))
            }
        }
        return samples
    }

    /// Runs on the storage threads: opens the logs of partitions not opened since start, as
    /// retention does, so a restarted broker reports every partition it holds.
    private func partitionSamples() throws -> (samples: [GaugeSample], logEndOffsets: [TopicPartition: Int64]) {
        var samples: [GaugeSample] = []
        var logEndOffsets: [TopicPartition: Int64] = [:]
        for name in try context.topics.topicNames() {
            guard let view = try context.topics.view(name) else { continue }
            for (index, details) in view.partitions.sorted(by: { $0.key < $1.key }) where details.replicas.contains(context.nodeID) {
                let partition = TopicPartition(name, index)
                let log: any PartitionLog
                do {
                    log = try context.registry.log(for: partition, configuration: view.configuration)
                } catch {
                    context.logger.warning("metrics: partition unreadable", metadata: ["partition": "\(partition)", "error": "\(error)"])
                    continue
                }
                let labels: KeyValuePairs<String, String> = ["topic": name, "partition": String(index)]
                let logEnd = log.logEndOffset
                logEndOffsets[partition] = logEnd
                samples.append(GaugeSample(BrokerMetricNames.logStartOffset, labels, log.logStartOffset))
                samples.append(GaugeSample(BrokerMetricNames.logEndOffset, labels, logEnd))
                samples.append(GaugeSample(BrokerMetricNames.highWatermark, labels, log.highWatermark))
                samples.append(GaugeSample(BrokerMetricNames.partitionSize, labels, log.sizeInBytes))
                if let sqlite = log as? SQLitePartitionLog {
                    samples.append(GaugeSample(BrokerMetricNames.walSize, labels, sqlite.writeAheadLogBytes))
                }
            }
        }
        // Led here with an ISR smaller than the replica set, as the replication state has it now.
        samples.append(GaugeSample(BrokerMetricNames.underReplicatedPartitions, [:], Int64(context.replicas.underReplicatedCount)))
        return (samples, logEndOffsets)
    }
}

extension Broker {
    /// Reads the state gauges (partition offsets and sizes, group lag, under-replicated partitions)
    /// into the metrics factory; call it before each scrape. Counters need no call: they move as
    /// requests are handled.
    public func collectMetrics() async {
        do {
            context.metrics.publish(try await StateGauges(context: context).samples())
        } catch {
            context.logger.warning("metrics: reading broker state failed", metadata: ["error": "\(error)"])
        }
    }
}
