import Foundation
@testable import PierBroker
import PierCoordination
import PierProtocol
import Testing

@Suite struct PartitionLeadershipTests {
    let view = TopicView(
        name: "orders", topicID: UUID(),
        partitions: [
            0: .init(replicas: [1], state: PartitionState(leader: 1, leaderEpoch: 4, isr: [1], controllerEpoch: 1)),
            1: .init(replicas: [2], state: PartitionState(leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1)),
            2: .init(replicas: [1], state: nil),
        ],
        configuration: TopicConfiguration(overrides: [:], brokerDefaults: [:])
    )

    @Test func leaderGetsTheState() {
        #expect(view.leadership(of: 0, on: 1) == .leading(PartitionState(leader: 1, leaderEpoch: 4, isr: [1], controllerEpoch: 1)))
    }

    @Test func errorsClientsActOn() {
        #expect(view.leadership(of: 9, on: 1) == .refused(.unknownTopicOrPartition))
        #expect(view.leadership(of: 1, on: 1) == .refused(.notLeaderOrFollower))
        #expect(view.leadership(of: 2, on: 1) == .refused(.notLeaderOrFollower), "no leader elected yet")
        #expect(view.leadership(of: 0, on: 1, currentLeaderEpoch: 3) == .refused(.fencedLeaderEpoch))
        #expect(view.leadership(of: 0, on: 1, currentLeaderEpoch: 5) == .refused(.unknownLeaderEpoch))
        #expect(view.leadership(of: 0, on: 1, currentLeaderEpoch: 4) == .leading(PartitionState(leader: 1, leaderEpoch: 4, isr: [1], controllerEpoch: 1)))
    }
}
