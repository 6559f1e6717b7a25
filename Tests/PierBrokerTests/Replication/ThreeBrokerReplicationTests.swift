import Foundation
import NIOCore
@testable import PierBroker
import PierCoordination
import PierProtocol
import PierRecords
import PierStorage
import Testing

/// Three in-process brokers sharing one coordination file, a topic with three replicas: acks=all
/// is answered once all in-sync replicas have the batch, and after the leader goes, the broker the
/// controller elects serves every acknowledged record and takes acks=all produces itself.
@Suite(.serialized) struct ThreeBrokerReplicationTests {
    typealias Cluster = ControllerFailoverTests.Cluster

    static func produce(_ context: BrokerContext, topic: String, _ values: [String]) async throws -> ProduceResponse.PartitionProduceResponse {
        let batch = try RecordBatch.make(records: values.map { NewRecord(key: nil, value: ByteBuffer(string: $0), timestamp: 1) }).encoded()
        let request = ProduceRequest(acks: -1, timeoutMs: 10_000, topicData: [.init(name: topic, partitionData: [.init(index: 0, records: batch)])])
        return try #require(await ProduceHandler(context: context).response(to: request, version: 9).responses.first?.partitionResponses.first)
    }

    static func consume(_ context: BrokerContext, topic: String) async throws -> (code: Int16, values: [String]) {
        let request = FetchRequest(replicaId: -1, maxWaitMs: 0, minBytes: 0, topics: [
            .init(topic: topic, partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)]),
        ])
        let data = try #require(try await FetchHandler(context: context).response(to: request, version: 12).responses.first?.partitions.first)
        let batches = try RecordBatchSequence(data.records ?? ByteBuffer()).decodeAll()
        return (data.errorCode, batches.flatMap(\.records).map { String(buffer: $0.value ?? ByteBuffer()) })
    }

    static func leader(of topic: String, in cluster: Cluster) -> Int32? {
        cluster.brokers.values.lazy.compactMap { $0.broker.watcher.snapshot.topics[topic]?.partitions[0]?.state.leader }.first
    }

    @Test func acknowledgedRecordsSurviveTheLeader() async throws {
        let cluster = try await Cluster(size: 3, settings: ["replica.fetch.wait.max.ms": "100", "replica.fetch.backoff.ms": "50"])
        do {
            let topic = "kept"
            try cluster.brokers[1]!.context.topics.create(
                TopicManager.Creation(name: topic, partitions: 1, replicationFactor: 3, configs: ["min.insync.replicas": "2"]))
            #expect(try await ControllerFailoverTests.eventually {
                cluster.brokers.values.allSatisfy { $0.broker.watcher.snapshot.topics[topic]?.partitions[0] != nil }
            })
            let first = try #require(Self.leader(of: topic, in: cluster))
            let leading = try #require(cluster.brokers[first]).context
            var acknowledged: [String] = []
            for round in 0..<10 {
                let values = ["r\(round)-a", "r\(round)-b"]
                let answer = try await Self.produce(leading, topic: topic, values)
                #expect(answer.errorCode == ErrorCode.noError.rawValue, "round \(round)")
                if answer.errorCode == ErrorCode.noError.rawValue { acknowledged += values }
            }
            #expect(acknowledged.count == 20)
            // acks=all answered: every replica in the ISR (all three) has every record.
            let isr = try #require(leading.replicas.state(of: TopicPartition(topic, 0))?.isr)
            #expect(Set(isr) == [1, 2, 3])
            for (id, broker) in cluster.brokers {
                let log = try #require(broker.context.registry.openLog(for: TopicPartition(topic, 0)), "broker \(id)")
                #expect(log.logEndOffset == 20, "broker \(id)")
            }

            await cluster.stop(first)
            #expect(try await ControllerFailoverTests.eventually {
                guard let next = Self.leader(of: topic, in: cluster) else { return false }
                return next != first && next >= 0 && cluster.brokers[next]?.context.replicas.state(of: TopicPartition(topic, 0))?.isLeader == true
            })
            let next = try #require(Self.leader(of: topic, in: cluster))
            let successor = try #require(cluster.brokers[next]).context
            // The new leader's high watermark covers what the old one acknowledged once the other
            // survivor has fetched in the new epoch.
            #expect(try await ControllerFailoverTests.eventually {
                (successor.replicas.state(of: TopicPartition(topic, 0))?.highWatermark ?? 0) >= 20
            })
            let consumed = try await Self.consume(successor, topic: topic)
            #expect(consumed.code == ErrorCode.noError.rawValue)
            #expect(consumed.values == acknowledged)
            // Two in-sync replicas remain: acks=all with min.insync.replicas=2 still goes through.
            let after = try await Self.produce(successor, topic: topic, ["after"])
            #expect(after.errorCode == ErrorCode.noError.rawValue)
            #expect(after.baseOffset == 20)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}
