import Foundation
import PierCoordination
import Testing

@Suite final class ClusterMetadataTests {
    let fixture: StoreFixture
    let store: SQLiteZnodeStore
    let cluster: ClusterMetadata

    init() throws {
        fixture = try StoreFixture()
        store = try fixture.open()
        cluster = ClusterMetadata(store: store)
        try cluster.ensureSkeleton()
    }

    deinit {
        store.close()
        fixture.remove()
    }

    func text(_ path: String) throws -> String {
        String(decoding: try store.getData(path).data, as: UTF8.self)
    }

    @Test func skeletonAndClusterIDAreCreatedOnce() throws {
        try cluster.ensureSkeleton()
        #expect(try store.getChildren("/brokers").sorted() == ["ids", "topics"])
        let first = try cluster.clusterID { "abc" }
        let second = try cluster.clusterID { "other" }
        #expect(first == "abc" && second == "abc")
        #expect(try text("/cluster/id") == #"{"id":"abc","version":"1"}"#)
    }

    @Test func brokersRegisterEphemerallyOnce() throws {
        let session = try store.openSession(timeoutMilliseconds: 6_000, description: "broker 1")
        let registration = BrokerRegistration(host: "127.0.0.1", port: 9092, registeredAtMilliseconds: 1_700_000_000_000)
        try cluster.registerBroker(1, registration, session: session)
        #expect(throws: ClusterMetadataError.brokerAlreadyRegistered(1)) { try cluster.registerBroker(1, registration, session: session) }
        #expect(try cluster.liveBrokers() == [1: registration])
        #expect(try text("/brokers/ids/1").contains(#""endpoints":["PLAINTEXT://127.0.0.1:9092"]"#))
        try store.closeSession(session)
        #expect(try cluster.liveBrokers().isEmpty)
    }

    @Test func topicCreationWritesKafkasLayoutAtomically() throws {
        let id = UUID()
        let assignment = TopicAssignment(topicID: id, replicas: [0: [1, 2], 1: [2, 1]])
        try cluster.createTopic("orders", assignment: assignment, config: ["retention.ms": "1000"], controllerEpoch: 3)

        #expect(try cluster.topicNames() == ["orders"])
        #expect(try cluster.topic("orders")?.topicUUID == id)
        #expect(try cluster.topicConfig("orders") == ["retention.ms": "1000"])
        #expect(try store.getChildren("/brokers/topics/orders/partitions") == ["0", "1"])
        #expect(try text("/brokers/topics/orders/partitions/1/state") == #"{"controller_epoch":3,"isr":[2,1],"leader":2,"leader_epoch":0,"version":1}"#)
        #expect(try text("/config/topics/orders") == #"{"config":{"retention.ms":"1000"},"version":1}"#)

        // A second creation fails whole: nothing about the topic changes.
        #expect(throws: ClusterMetadataError.topicAlreadyExists("orders")) {
            try cluster.createTopic("orders", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [9]]), config: [:])
        }
        #expect(try cluster.topic("orders")?.topicUUID == id)
        #expect(try cluster.topicConfig("orders") == ["retention.ms": "1000"])
    }

    @Test func partitionStateIsCompareAndSet() throws {
        try cluster.createTopic("t", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [1, 2]]), config: [:])
        let (state, version) = try #require(try cluster.partitionState("t", 0))
        #expect(state.leader == 1 && state.isr == [1, 2])

        var moved = state
        moved.leader = 2
        moved.leaderEpoch += 1
        moved.isr = [2]
        let newVersion = try cluster.updatePartitionState("t", 0, moved, expectedVersion: version)
        #expect(newVersion == version + 1)
        // A broker still holding the old version loses.
        #expect(throws: ClusterMetadataError.concurrentModification("/brokers/topics/t/partitions/0/state")) {
            try cluster.updatePartitionState("t", 0, state, expectedVersion: version)
        }
        #expect(try cluster.partitionState("t", 0)?.state == moved)
    }

    @Test func addPartitionsAndDeleteTopic() throws {
        try cluster.createTopic("t", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [1]]), config: ["a": "b"])
        try cluster.addPartitions("t", [1: [1], 2: [1]])
        #expect(try cluster.topic("t")?.replicasByPartition.map(\.partition) == [0, 1, 2])
        #expect(try cluster.partitionState("t", 2)?.state.leader == 1)

        try cluster.deleteTopic("t")
        #expect(try cluster.topicNames().isEmpty)
        #expect(try store.exists("/config/topics/t") == nil)
        #expect(throws: ClusterMetadataError.unknownTopic("t")) { try cluster.deleteTopic("t") }
        #expect(throws: ClusterMetadataError.unknownTopic("t")) { try cluster.addPartitions("t", [3: [1]]) }
    }

    @Test func oneControllerAtATimeWithRisingEpochs() throws {
        let first = try store.openSession(timeoutMilliseconds: 6_000, description: "1")
        let second = try store.openSession(timeoutMilliseconds: 6_000, description: "2")
        let won = try cluster.electController(1, session: first, nowMilliseconds: 1)
        #expect(won.elected && won.epoch == 1)
        let lost = try cluster.electController(2, session: second, nowMilliseconds: 2)
        #expect(!lost.elected && lost.epoch == 1)
        #expect(try cluster.controller() == 1)

        try store.closeSession(first)
        #expect(try cluster.controller() == nil)
        let next = try cluster.electController(2, session: second, nowMilliseconds: 3)
        #expect(next.elected && next.epoch == 2)
        #expect(try text("/controller_epoch") == "2")
    }

    @Test func aDeposedControllersWritesAreFencedByTheControllerEpoch() throws {
        try cluster.createTopic("t", assignment: TopicAssignment(topicID: UUID(), replicas: [0: [1, 2]]), config: [:])
        let first = try store.openSession(timeoutMilliseconds: 6_000, description: "1")
        let second = try store.openSession(timeoutMilliseconds: 6_000, description: "2")
        let old = try cluster.electController(1, session: first, nowMilliseconds: 1)
        let (state, version) = try #require(try cluster.partitionState("t", 0))
        var moved = state
        moved.leader = 2
        moved.leaderEpoch += 1
        let versions = try cluster.updatePartitionStates(
            [PartitionStateUpdate(topic: "t", partition: 0, state: moved, expectedVersion: version)], fencedBy: old.epochZnodeVersion)
        #expect(versions == [version + 1])

        // Controller 1 loses its session without noticing; controller 2 is elected.
        try store.closeSession(first)
        let new = try cluster.electController(2, session: second, nowMilliseconds: 2)
        #expect(new.elected && new.epochZnodeVersion != old.epochZnodeVersion)
        var stale = moved
        stale.leader = 1
        #expect(throws: ClusterMetadataError.controllerFenced) {
            try cluster.updatePartitionStates([PartitionStateUpdate(topic: "t", partition: 0, state: stale, expectedVersion: version + 1)],
                                              fencedBy: old.epochZnodeVersion)
        }
        #expect(try cluster.partitionState("t", 0)?.state.leader == 2)
        // The new controller's write still needs the state's version: a stale read loses.
        #expect(throws: ClusterMetadataError.concurrentModification("/brokers/topics/t/partitions/0/state")) {
            try cluster.updatePartitionStates([PartitionStateUpdate(topic: "t", partition: 0, state: stale, expectedVersion: version)],
                                              fencedBy: new.epochZnodeVersion)
        }
    }

    @Test func corruptNodesAreReportedNotMisread() throws {
        try store.create("/brokers/topics/broken", data: Array("not json".utf8))
        #expect(throws: ClusterMetadataError.corruptNode("/brokers/topics/broken")) { try cluster.topic("broken") }
    }
}
