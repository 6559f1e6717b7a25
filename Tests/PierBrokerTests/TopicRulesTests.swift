@testable import PierBroker
import Testing

@Suite struct TopicNameTests {
    @Test(arguments: ["orders", "a.b_c-D9", String(repeating: "x", count: 249)])
    func acceptsKafkaNames(_ name: String) {
        #expect(TopicName.problem(with: name) == nil)
    }

    @Test(arguments: ["", ".", "..", "with space", "slash/name", "ünïcode", String(repeating: "x", count: 250)])
    func refusesOthers(_ name: String) {
        #expect(TopicName.problem(with: name) != nil)
    }
}

@Suite struct ReplicaAssignmentTests {
    @Test func singleBrokerGetsEverything() throws {
        let assignment = try ReplicaAssignment.assign(partitions: 3, replicationFactor: 1, brokers: [7], startIndex: 0, shiftStart: 0)
        #expect(assignment == [0: [7], 1: [7], 2: [7]])
    }

    @Test func replicasAreDistinctAndLeadersSpreadEvenly() throws {
        let brokers: [Int32] = [1, 2, 3, 4, 5]
        for start in 0..<5 {
            let assignment = try ReplicaAssignment.assign(partitions: 20, replicationFactor: 3, brokers: brokers, startIndex: start, shiftStart: start)
            #expect(assignment.count == 20)
            for replicas in assignment.values {
                #expect(replicas.count == 3 && Set(replicas).count == 3)
            }
            let leaders = Dictionary(grouping: assignment.values.map { $0[0] }, by: { $0 }).mapValues(\.count)
            #expect(leaders.values.allSatisfy { $0 == 4 }, "20 partitions over 5 brokers: 4 leaderships each")
            let replicaLoad = Dictionary(grouping: assignment.values.flatMap { $0 }, by: { $0 }).mapValues(\.count)
            #expect(replicaLoad.values.allSatisfy { $0 == 12 }, "60 replicas over 5 brokers")
        }
    }

    @Test func newPartitionsContinueNumbering() throws {
        let assignment = try ReplicaAssignment.assign(partitions: 2, replicationFactor: 1, brokers: [1, 2], firstPartition: 4, startIndex: 0, shiftStart: 0)
        #expect(assignment.keys.sorted() == [4, 5])
    }

    @Test func impossibleRequestsAreNamed() {
        #expect(throws: ReplicaAssignment.Problem.replicationFactorExceedsBrokers(factor: 3, brokers: 2)) {
            try ReplicaAssignment.assign(partitions: 1, replicationFactor: 3, brokers: [1, 2], startIndex: 0, shiftStart: 0)
        }
        #expect(throws: ReplicaAssignment.Problem.invalidPartitionCount(0)) {
            try ReplicaAssignment.assign(partitions: 0, replicationFactor: 1, brokers: [1], startIndex: 0, shiftStart: 0)
        }
    }
}
