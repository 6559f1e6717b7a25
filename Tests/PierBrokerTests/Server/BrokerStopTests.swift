import Foundation
@testable import PierBroker
import PierClient
import PierProtocol
import Testing

/// What a stopping broker does with its connections: it answers the requests it has begun and
/// takes no new one, so a stop is not held up by clients that keep asking.
@Suite struct BrokerStopTests {
    static func longPoll(_ topic: String, maxWaitMs: Int32) -> FetchRequest {
        FetchRequest(replicaId: -1, maxWaitMs: maxWaitMs, minBytes: 1, topics: [
            .init(topic: topic, partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)]),
        ])
    }

    @Test func aStopAnswersWhatItBeganAndIsNotHeldByLongPollsThatKeepComing() async throws {
        let harness = try await InProcessBroker()
        let broker = harness.broker
        try broker.context.topics.create(TopicManager.Creation(name: "quiet", assignments: [0: [broker.nodeID]], configs: [:]))
        let begun = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.boundPort)
        let repeating = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.boundPort)

        // One long-poll begun before the stop, and a client that long-polls again as each one ends
        // (as followers and consumers do): before, the drain waited for its 10 s limit.
        let inFlight = try begun.start(Self.longPoll("quiet", maxWaitMs: 2_000), version: 12)
        let polls = Task { () -> Int in
            var answered = 0
            while true {
                do {
                    _ = try await repeating.send(Self.longPoll("quiet", maxWaitMs: 300), version: 12)
                    answered += 1
                } catch {
                    return answered
                }
            }
        }
        try await Task.sleep(for: .milliseconds(400))
        let stopped = ContinuousClock.now
        await harness.stop()
        let took = stopped.duration(to: .now)

        let answer = try await inFlight.value
        #expect(answer.responses.first?.partitions.first?.errorCode == ErrorCode.noError.rawValue,
                "the long-poll in flight when the stop began is answered")
        #expect(await polls.value >= 1)
        #expect(took < .seconds(6), "the stop took \(took); its drain waits at most \(Broker.drainTimeout) for requests in flight")
        await #expect(throws: KafkaClientError.self) {
            _ = try await begun.send(Self.longPoll("quiet", maxWaitMs: 0), version: 12)
        }
    }
}
