import PierProtocol
import PierStorage

/// DeleteRecords: moves partitions' log start forward, so records before the given offset can no
/// longer be read and their space is reclaimed. Offset -1 means the high watermark; anything past
/// it is OFFSET_OUT_OF_RANGE. The answer is each partition's new log start (low watermark).
struct DeleteRecordsHandler {
    let context: BrokerContext

    /// Kafka's low watermark for a partition that failed.
    static let unknownLowWatermark: Int64 = -1

    func response(to request: DeleteRecordsRequest, version: Int16) async throws -> DeleteRecordsResponse {
        var response = DeleteRecordsResponse()
        for topic in request.topics {
            var result = DeleteRecordsResponse.DeleteRecordsTopicResult(name: topic.name)
            let view = try await context.blocking { Result { () throws(TopicProblem) in try context.topics.view(topic.name) } }
            for partition in topic.partitions {
                var outcome = DeleteRecordsResponse.DeleteRecordsPartitionResult(
                    partitionIndex: partition.partitionIndex, lowWatermark: Self.unknownLowWatermark
                )
                do {
                    guard case .success(let found?) = view, let details = found.partitions[partition.partitionIndex] else {
                        throw TopicProblem(.unknownTopicOrPartition, "\(topic.name)-\(partition.partitionIndex) does not exist")
                    }
                    guard details.state?.leader == context.nodeID else {
                        throw TopicProblem(.notLeaderOrFollower, "broker \(context.nodeID) does not lead \(topic.name)-\(partition.partitionIndex)")
                    }
                    let target = TopicPartition(topic.name, partition.partitionIndex)
                    outcome.lowWatermark = try await context.blocking {
                        try deleteRecords(of: target, before: partition.offset, configuration: found.configuration).get()
                    }
                } catch let problem as TopicProblem {
                    outcome.errorCode = problem.errorCode.rawValue
                }
                result.partitions.append(outcome)
            }
            response.topics.append(result)
        }
        return response
    }

    private func deleteRecords(of partition: TopicPartition, before requested: Int64, configuration: TopicConfiguration) -> Result<Int64, TopicProblem> {
        Result { () throws(TopicProblem) in
            let log: any PartitionLog
            do throws(StorageError) { log = try context.registry.log(for: partition, configuration: configuration) } catch { throw Self.problem(error, partition: partition) }
            let highWatermark = log.highWatermark
            let offset = requested == -1 ? highWatermark : requested
            guard offset >= 0, offset <= highWatermark else {
                throw TopicProblem(.offsetOutOfRange, "offset \(requested) is beyond \(partition)'s high watermark \(highWatermark)")
            }
            do throws(StorageError) { return try log.deleteRecords(before: offset) } catch { throw Self.problem(error, partition: partition) }
        }
    }

    private static func problem(_ error: StorageError, partition: TopicPartition) -> TopicProblem {
        switch error {
        case .offsetOutOfRange: TopicProblem(.offsetOutOfRange, "\(error)")
        // Closed: the partition was deleted meanwhile.
        case .closed: TopicProblem(.unknownTopicOrPartition, "\(partition) was deleted")
        default: TopicProblem(.kafkaStorageError, "\(partition): \(error)")
        }
    }
}
