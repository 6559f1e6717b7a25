import Foundation
import Logging
import Metrics
@testable import PierBroker

/// A broker started inside the test process on a free loopback port and a throwaway data
/// directory, for tests that need its internals (`broker.context`) as well as its listener.
final class InProcessBroker {
    let broker: Broker
    let dataDirectory: URL

    var context: BrokerContext { broker.context }

    /// `coordinatingGroups`: waits until this broker coordinates every group shard, as a client's
    /// FindCoordinator would have made it (creating `__consumer_offsets`), so group requests can go straight to it.
    init(settings: [String: String] = [:], dataDirectory: URL? = nil, coordinatingGroups: Bool = false,
         metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance) async throws {
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pier-broker-\(UUID().uuidString)")
        var all = ["listeners": "127.0.0.1:0", "log.dirs": self.dataDirectory.path]
        all.merge(settings) { $1 }
        var logger = Logger(label: "pier-test")
        logger.logLevel = .warning
        broker = try await Broker.start(settings: all, logger: logger, metricsFactory: metricsFactory)
        if coordinatingGroups { try await coordinateEveryGroupShard() }
    }

    func coordinateEveryGroupShard() async throws {
        let context = broker.context
        _ = try context.groupShards.internalTopic(replicationFactor: 1, cluster: context.cluster)
        let deadline = Date().addingTimeInterval(20)
        while (context.groups.coordinatedShards?.count ?? 0) < context.groups.shards.count {
            guard Date() < deadline else { throw GroupShardsNotTakenOver(coordinated: context.groups.coordinatedShards?.count ?? 0) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct GroupShardsNotTakenOver: Error {
        var coordinated: Int
    }

    func stop() async {
        // A stop that never ends hangs the whole test process with nothing to show; say where it is.
        let broker = self.broker
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            print("in-process broker \(broker.nodeID) still stopping after 30 s, at: \(broker.stopStage ?? "not started")")
        }
        await broker.shutdown()
        watchdog.cancel()
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}
