import Foundation
import Logging
@testable import PierBroker

/// A broker started inside the test process on a free loopback port and a throwaway data
/// directory, for tests that need its internals (`broker.context`) as well as its listener.
final class InProcessBroker {
    let broker: Broker
    let dataDirectory: URL

    var context: BrokerContext { broker.context }

    init(settings: [String: String] = [:], dataDirectory: URL? = nil) async throws {
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pier-broker-\(UUID().uuidString)")
        var all = ["listeners": "127.0.0.1:0", "log.dirs": self.dataDirectory.path]
        all.merge(settings) { $1 }
        var logger = Logger(label: "pier-test")
        logger.logLevel = .warning
        broker = try await Broker.start(settings: all, logger: logger)
    }

    func stop() async {
        await broker.shutdown()
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}
