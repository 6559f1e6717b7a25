import Foundation
import NIOCore
import PierCoordination
import PierProtocol
import PierStorage

/// Produce (v3+, record batches v2): each partition's batch is checked and appended to this
/// broker's log, when the replication state says this broker leads the partition, in one storage
/// call per partition; partitions of one request append in parallel. The append wakes the
/// followers' and consumers' fetches waiting on the partition. acks=1 is answered after the local
/// append; acks=all once the high watermark (moved by the followers' fetches) passes the batch.
struct ProduceHandler {
    let context: BrokerContext

    func response(to request: ProduceRequest, version: Int16) async -> ProduceResponse {
        let jobs = request.topicData.flatMap { topic in topic.partitionData.map { Job(topic: topic.name, data: $0) } }
        let results: [ProduceResponse.PartitionProduceResponse]
        if ![0, 1, -1].contains(request.acks) {
            let rejection = ProduceRejection(.invalidRequiredAcks, "acks must be 0, 1 or -1, not \(request.acks)")
            results = jobs.map { Self.failed($0.data.index, rejection, version: version) }
        } else if jobs.count == 1 {
            results = [await produce(jobs[0], acks: request.acks, timeoutMs: request.timeoutMs, version: version)]
        } else {
            results = await withTaskGroup(of: (Int, ProduceResponse.PartitionProduceResponse).self) { group in
                for (position, job) in jobs.enumerated() {
                    group.addTask { (position, await produce(job, acks: request.acks, timeoutMs: request.timeoutMs, version: version)) }
                }
                var ordered = [ProduceResponse.PartitionProduceResponse?](repeating: nil, count: jobs.count)
                for await (position, result) in group { ordered[position] = result }
                return ordered.map { $0! }
            }
        }
        var response = ProduceResponse()
        var next = results.makeIterator()
        response.responses = request.topicData.map { topic in
            ProduceResponse.TopicProduceResponse(name: topic.name, partitionResponses: topic.partitionData.map { _ in next.next()! })
        }
        if version >= 10 { response.nodeEndpoints = endpoints(of: results.map(\.currentLeader.leaderId)) }
        return response
    }

    /// The registered addresses of the leaders named in `current_leader` (v10+), so the client can go there at once.
    private func endpoints(of leaders: [Int32]) -> [ProduceResponse.NodeEndpoint] {
        Set(leaders.filter { $0 >= 0 }).sorted().compactMap { id in
            context.replicas.address(of: id).map { ProduceResponse.NodeEndpoint(nodeId: id, host: $0.host, port: $0.port, rack: $0.rack) }
        }
    }

    private struct Job: Sendable {
        var topic: String
        var data: ProduceRequest.PartitionProduceData
    }

    private func produce(_ job: Job, acks: Int16, timeoutMs: Int32, version: Int16) async -> ProduceResponse.PartitionProduceResponse {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(max(timeoutMs, 0)))
        var outcome: Result<Appended, ProduceRejection>
        do {
            outcome = try await context.blocking { append(job, acks: acks, version: version) }
        } catch {
            outcome = .failure(ProduceRejection(.unknownServerError, "\(error)"))
        }
        if acks == -1, case .success(let appended) = outcome {
            let partition = TopicPartition(job.topic, job.data.index)
            let code = await context.replicas.awaitCommit(of: partition, appended.wait, deadline: deadline)
            if code != .noError {
                outcome = .failure(ProduceRejection(code, "\(partition): offset \(appended.wait.requiredOffset - 1) not acknowledged by min.insync.replicas=\(appended.wait.minInSyncReplicas) in-sync replicas"))
            }
        }
        switch outcome {
        case .success(let appended):
            return appended.response
        case .failure(let rejection):
            context.logger.debug("produce refused", metadata: [
                "partition": "\(job.topic)-\(job.data.index)", "error": "\(rejection.errorCode)", "reason": "\(rejection.message)",
            ])
            return Self.failed(job.data.index, rejection, version: version)
        }
    }

    /// An appended (or already present) batch: its response, and what an acks=all produce waits for.
    private struct Appended: Sendable {
        var response: ProduceResponse.PartitionProduceResponse
        var wait: AcksAllWait
    }

    /// Runs on the storage threads: topic lookup, leadership and ISR checks, append.
    private func append(_ job: Job, acks: Int16, version: Int16) -> Result<Appended, ProduceRejection> {
        do throws(ProduceRejection) {
            let view: TopicView?
            do throws(TopicProblem) { view = try context.topics.view(job.topic) } catch { throw ProduceRejection(error.errorCode, error.message) }
            guard let view else { throw ProduceRejection(.unknownTopicOrPartition, "topic '\(job.topic)' does not exist") }
            // Kafka's answer to clients writing into an internal topic: only the group coordinators append there.
            if view.name == GroupShardJournal.topic {
                throw ProduceRejection(.invalidTopicException, "topic '\(job.topic)' is internal: only group coordinators append to it")
            }
            guard view.partitions[job.data.index] != nil else {
                throw ProduceRejection(.unknownTopicOrPartition, "topic '\(job.topic)' has no partition \(job.data.index)")
            }
            let partition = TopicPartition(job.topic, job.data.index)
            let configuration = view.configuration
            let leaderEpoch: Int32
            switch context.leadership(of: partition) {
            case let .leading(epoch, _, isrCount, _):
                leaderEpoch = epoch
                if acks == -1 && isrCount < configuration.minInSyncReplicas {
                    throw ProduceRejection(.notEnoughReplicas, "\(isrCount) in-sync replica(s), min.insync.replicas is \(configuration.minInSyncReplicas)")
                }
            case let .refused(code, leader, epoch):
                var rejection = ProduceRejection(code, "partition \(partition) is not led by broker \(context.nodeID) (leader \(leader), epoch \(epoch))")
                rejection.leaderID = leader
                rejection.leaderEpoch = epoch
                throw rejection
            }
            let batch = try ProducedBatch.parse(job.data.records, requestVersion: version, maxMessageBytes: configuration.maxMessageBytes)
            let appendTime: Int64? = configuration.usesLogAppendTime ? Int64(Date().timeIntervalSince1970 * 1000) : nil
            let header = batch.decoded.header
            let decision: AppendDecision
            do throws(StorageError) {
                let log = try context.registry.log(for: partition, configuration: configuration)
                let decided = try context.replicas.appendingAsLeader(partition, since: leaderEpoch) { currentEpoch throws(StorageError) -> AppendDecision in
                    if header.producerId >= 0 && header.baseSequence >= 0 {
                        let check = SequenceCheck.check(
                            producerID: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
                            lastSequence: SequenceCheck.lastSequence(base: header.baseSequence, lastOffsetDelta: header.lastOffsetDelta),
                            state: try log.producerState(for: header.producerId)
                        )
                        switch check {
                        case .append: break
                        case .duplicate(let baseOffset): return .duplicate(baseOffset: baseOffset, logStartOffset: log.logStartOffset)
                        case .reject(let code): return .rejected(code)
                        }
                    }
                    return .appended(try log.append([batch], as: .leader(leaderEpoch: currentEpoch, logAppendTime: appendTime)))
                }
                decision = decided ?? .rejected(.notLeaderOrFollower)
            } catch {
                throw ProduceRejection(error.errorCode, "\(partition): \(error)")
            }
            let result: AppendResult
            switch decision {
            case .appended(let appended):
                result = appended
            case let .duplicate(baseOffset, logStartOffset):
                // A retry of a batch already written: acknowledged with its original offset, not written twice,
                // once that batch is committed.
                return .success(Appended(
                    response: ProduceResponse.PartitionProduceResponse(
                        index: job.data.index, errorCode: ErrorCode.noError.rawValue, baseOffset: baseOffset, logAppendTimeMs: -1,
                        logStartOffset: logStartOffset
                    ),
                    wait: AcksAllWait(requiredOffset: baseOffset + Int64(header.lastOffsetDelta) + 1,
                                      minInSyncReplicas: configuration.minInSyncReplicas, leaderEpoch: leaderEpoch)
                ))
            case .rejected(let code):
                throw ProduceRejection(code, "producer \(header.producerId) epoch \(header.producerEpoch) sequence \(header.baseSequence) refused on \(partition)")
            }
            // Committed: followers' fetches waiting on the partition wake, and with an ISR of this
            // broker alone the high watermark moves (which wakes consumers).
            context.appends.appended(to: partition)
            context.replicas.appendCommitted(to: partition)
            context.metrics.appended(toTopic: job.topic, records: Int(header.recordCount), bytes: batch.raw.readableBytes)
            return .success(Appended(
                response: ProduceResponse.PartitionProduceResponse(
                    index: job.data.index, errorCode: ErrorCode.noError.rawValue, baseOffset: result.baseOffsets.first ?? -1,
                    logAppendTimeMs: result.logAppendTime ?? -1, logStartOffset: result.logStartOffset
                ),
                wait: AcksAllWait(requiredOffset: result.lastOffset + 1, minInSyncReplicas: configuration.minInSyncReplicas, leaderEpoch: leaderEpoch)
            ))
        } catch {
            return .failure(error)
        }
    }

    private enum AppendDecision {
        case appended(AppendResult)
        case duplicate(baseOffset: Int64, logStartOffset: Int64)
        case rejected(ErrorCode)
    }

    private static func failed(_ index: Int32, _ rejection: ProduceRejection, version: Int16) -> ProduceResponse.PartitionProduceResponse {
        var response = ProduceResponse.PartitionProduceResponse(
            index: index, errorCode: rejection.errorCode.rawValue, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
            errorMessage: version >= 8 ? rejection.message : nil
        )
        if version >= 10, rejection.leaderID >= 0 {
            response.currentLeader = ProduceResponse.LeaderIdAndEpoch(leaderId: rejection.leaderID, leaderEpoch: rejection.leaderEpoch)
        }
        return response
    }
}

extension ProduceResponse {
    /// Whether any partition failed: with acks=0 the broker then closes the connection, as Kafka
    /// does, since the producer reads no response and only a dropped connection tells it.
    var hasPartitionErrors: Bool {
        responses.contains { $0.partitionResponses.contains { $0.errorCode != ErrorCode.noError.rawValue } }
    }
}
