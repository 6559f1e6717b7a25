import Foundation
import NIOCore
import PierCoordination
import PierProtocol
import PierStorage

/// Produce (v3+, record batches v2): each partition's batch is checked and appended to this
/// broker's log as leader, in one storage call per partition; partitions of one request append
/// in parallel. With the in-sync replicas just this broker, the high watermark follows the log end
/// at once, and fetches waiting on the partition wake.
struct ProduceHandler {
    let context: BrokerContext

    func response(to request: ProduceRequest, version: Int16) async -> ProduceResponse {
        let jobs = request.topicData.flatMap { topic in topic.partitionData.map { Job(topic: topic.name, data: $0) } }
        let results: [ProduceResponse.PartitionProduceResponse]
        if ![0, 1, -1].contains(request.acks) {
            let rejection = ProduceRejection(.invalidRequiredAcks, "acks must be 0, 1 or -1, not \(request.acks)")
            results = jobs.map { Self.failed($0.data.index, rejection, version: version) }
        } else if jobs.count == 1 {
            results = [await produce(jobs[0], acks: request.acks, version: version)]
        } else {
            results = await withTaskGroup(of: (Int, ProduceResponse.PartitionProduceResponse).self) { group in
                for (position, job) in jobs.enumerated() {
                    group.addTask { (position, await produce(job, acks: request.acks, version: version)) }
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
        return response
    }

    private struct Job: Sendable {
        var topic: String
        var data: ProduceRequest.PartitionProduceData
    }

    private func produce(_ job: Job, acks: Int16, version: Int16) async -> ProduceResponse.PartitionProduceResponse {
        let outcome: Result<ProduceResponse.PartitionProduceResponse, ProduceRejection>
        do {
            outcome = try await context.blocking { append(job, acks: acks, version: version) }
        } catch {
            outcome = .failure(ProduceRejection(.unknownServerError, "\(error)"))
        }
        switch outcome {
        case .success(let response):
            return response
        case .failure(let rejection):
            context.logger.debug("produce refused", metadata: [
                "partition": "\(job.topic)-\(job.data.index)", "error": "\(rejection.errorCode)", "reason": "\(rejection.message)",
            ])
            return Self.failed(job.data.index, rejection, version: version)
        }
    }

    /// Runs on the storage threads: topic lookup, checks, append and high watermark.
    private func append(_ job: Job, acks: Int16, version: Int16) -> Result<ProduceResponse.PartitionProduceResponse, ProduceRejection> {
        do throws(ProduceRejection) {
            let view: TopicView?
            do throws(TopicProblem) { view = try context.topics.view(job.topic) } catch { throw ProduceRejection(error.errorCode, error.message) }
            guard let view else { throw ProduceRejection(.unknownTopicOrPartition, "topic '\(job.topic)' does not exist") }
            let state: PartitionState
            switch view.leadership(of: job.data.index, on: context.nodeID) {
            case .leading(let leading): state = leading
            case .refused(let code): throw ProduceRejection(code, "partition \(job.topic)-\(job.data.index) is not led by broker \(context.nodeID)")
            }
            let configuration = view.configuration
            if acks == -1 && state.isr.count < configuration.minInSyncReplicas {
                throw ProduceRejection(.notEnoughReplicas, "\(state.isr.count) in-sync replica(s), min.insync.replicas is \(configuration.minInSyncReplicas)")
            }
            let batch = try ProducedBatch.parse(job.data.records, requestVersion: version, maxMessageBytes: configuration.maxMessageBytes)
            let partition = TopicPartition(job.topic, job.data.index)
            let appendTime: Int64? = configuration.usesLogAppendTime ? Int64(Date().timeIntervalSince1970 * 1000) : nil
            let header = batch.decoded.header
            let decision: AppendDecision
            do throws(StorageError) {
                let log = try context.registry.log(for: partition, configuration: configuration)
                decision = try context.registry.serializingAppends(to: partition) { () throws(StorageError) -> AppendDecision in
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
                    let result = try log.append([batch], as: .leader(leaderEpoch: state.leaderEpoch, logAppendTime: appendTime))
                    // The high watermark is the offset every in-sync replica has; when that is only this
                    // broker, it is the log end. Other replicas move it as they fetch (replication).
                    if state.isr == [context.nodeID] { try log.advanceHighWatermarkToLogEnd() }
                    return .appended(result)
                }
            } catch {
                throw ProduceRejection(error.errorCode, "\(partition): \(error)")
            }
            let result: AppendResult
            switch decision {
            case .appended(let appended):
                result = appended
            case let .duplicate(baseOffset, logStartOffset):
                // A retry of a batch already written: acknowledged with its original offset, not written twice.
                return .success(ProduceResponse.PartitionProduceResponse(
                    index: job.data.index, errorCode: ErrorCode.noError.rawValue, baseOffset: baseOffset, logAppendTimeMs: -1,
                    logStartOffset: logStartOffset
                ))
            case .rejected(let code):
                throw ProduceRejection(code, "producer \(header.producerId) epoch \(header.producerEpoch) sequence \(header.baseSequence) refused on \(partition)")
            }
            context.appends.appended(to: partition)
            context.metrics.appended(toTopic: job.topic, records: Int(header.recordCount), bytes: batch.raw.readableBytes)
            return .success(ProduceResponse.PartitionProduceResponse(
                index: job.data.index, errorCode: ErrorCode.noError.rawValue, baseOffset: result.baseOffsets.first ?? -1,
                logAppendTimeMs: result.logAppendTime ?? -1, logStartOffset: result.logStartOffset
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
        ProduceResponse.PartitionProduceResponse(
            index: index, errorCode: rejection.errorCode.rawValue, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
            errorMessage: version >= 8 ? rejection.message : nil
        )
    }
}

extension ProduceResponse {
    /// Whether any partition failed: with acks=0 the broker then closes the connection, as Kafka
    /// does, since the producer reads no response and only a dropped connection tells it.
    var hasPartitionErrors: Bool {
        responses.contains { $0.partitionResponses.contains { $0.errorCode != ErrorCode.noError.rawValue } }
    }
}
