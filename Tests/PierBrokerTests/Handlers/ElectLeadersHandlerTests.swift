import Foundation
@testable import PierBroker
import PierProtocol
import Testing

/// ElectLeaders on a broker that is its own controller: Kafka's per-partition answers, every
/// partition when none are named (leaving out those that need no election), and the whole request
/// refused for an unknown election type.
@Suite struct ElectLeadersHandlerTests {
    private func waitUntilController(_ broker: Broker) async throws {
        let deadline = Date().addingTimeInterval(20)
        while case .candidate = broker.controller.role {
            guard Date() < deadline else { throw ControllerNotElected() }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct ControllerNotElected: Error {}

    private func errors(_ response: ElectLeadersResponse) -> [String: String] {
        var errors: [String: String] = [:]
        for topic in response.replicaElectionResults {
            for partition in topic.partitionResult {
                errors["\(topic.topic)-\(partition.partitionId)"] = ErrorCode(rawValue: partition.errorCode)?.name ?? "\(partition.errorCode)"
            }
        }
        return errors
    }

    @Test func answersPerPartitionAsKafkasControllerDoes() async throws {
        try await InProcessBroker.run { broker in
            try await waitUntilController(broker)
            let context = broker.context
            let created = try await CreateTopicsHandler(context: context).response(to: CreateTopicsRequest(topics: [
                .init(name: "led", numPartitions: 2, replicationFactor: 1),
            ]), version: 7)
            try #require(created.topics.map(\.errorCode) == [0])
            let handler = ElectLeadersHandler(context: context)

            for type: Int8 in [0, 1] {
                let named = try await handler.response(to: ElectLeadersRequest(electionType: type, topicPartitions: [
                    .init(topic: "led", partitions: [0, 5]), .init(topic: "absent", partitions: [0]),
                ]), version: 2)
                #expect(named.errorCode == 0)
                #expect(errors(named) == ["led-0": "ELECTION_NOT_NEEDED", "led-5": "UNKNOWN_TOPIC_OR_PARTITION", "absent-0": "UNKNOWN_TOPIC_OR_PARTITION"])
                #expect(named.replicaElectionResults.map(\.topic) == ["led", "absent"])
                #expect(named.replicaElectionResults[1].partitionResult[0].errorMessage == "No such topic as absent")
            }
            // Every partition: none needs an election, so none is listed.
            let all = try await handler.response(to: ElectLeadersRequest(electionType: 0, topicPartitions: nil), version: 1)
            #expect(all.errorCode == 0)
            #expect(errors(all).isEmpty)

            let unknownType = try await handler.response(to: ElectLeadersRequest(electionType: 7, topicPartitions: [
                .init(topic: "led", partitions: [0]),
            ]), version: 2)
            #expect(unknownType.errorCode == ErrorCode.invalidRequest.rawValue)
            #expect(errors(unknownType) == ["led-0": "INVALID_REQUEST"])
            // v0 has no election type: it is preferred, whatever the field holds.
            let v0 = try await handler.response(to: ElectLeadersRequest(electionType: 7, topicPartitions: [.init(topic: "led", partitions: [1])]),
                                                version: 0)
            #expect(errors(v0) == ["led-1": "ELECTION_NOT_NEEDED"])
        }
    }
}
