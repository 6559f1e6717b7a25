@testable import PierBroker
import PierProtocol
import Testing

/// `advertised.listeners`: every response that tells clients where a broker is gives the advertised
/// address, not the bound one (a client behind a proxy must keep going through the proxy).
@Suite struct AdvertisedListenerTests {
    @Test func metadataFindCoordinatorAndDescribeClusterGiveTheAdvertisedAddress() async throws {
        try await InProcessBroker.run(settings: ["advertised.listeners": "PLAINTEXT://127.0.0.9:19999"]) { broker in
            #expect(broker.boundPort != 19999)
            let context = broker.context
            let metadata = try await MetadataHandler(context: context).response(to: MetadataRequest(topics: []), version: 12)
            #expect(metadata.brokers.map { "\($0.host):\($0.port)" } == ["127.0.0.9:19999"])

            let single = try await FindCoordinatorHandler(context: context).response(to: FindCoordinatorRequest(key: "g"), version: 3)
            #expect(single.errorCode == 0 && single.host == "127.0.0.9" && single.port == 19999)
            let batched = try await FindCoordinatorHandler(context: context)
                .response(to: FindCoordinatorRequest(coordinatorKeys: ["g", "h"]), version: 4)
            #expect(batched.coordinators.map { "\($0.host):\($0.port)" } == ["127.0.0.9:19999", "127.0.0.9:19999"])

            let cluster = try await DescribeClusterHandler(context: context).response(to: DescribeClusterRequest(), version: 1)
            #expect(cluster.brokers.map { "\($0.host):\($0.port)" } == ["127.0.0.9:19999"])
        }
    }

    @Test func withoutItTheBoundAddressIsGiven() async throws {
        try await InProcessBroker.run { broker in
            let metadata = try await MetadataHandler(context: broker.context).response(to: MetadataRequest(topics: []), version: 12)
            #expect(metadata.brokers.map { "\($0.host):\($0.port)" } == ["127.0.0.1:\(broker.boundPort)"])
        }
    }
}
