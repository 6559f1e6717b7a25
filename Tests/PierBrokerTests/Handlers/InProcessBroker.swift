import Foundation
import Logging
@testable import PierBroker

/// A broker started in this process on a free loopback port and a throwaway data directory, so
/// tests can call handlers with its real context (coordination store, topics, partition logs).
enum InProcessBroker {
    static func run<Result>(_ body: (Broker) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-broker-\(UUID().uuidString)").path
        let broker = try await Broker.start(settings: ["listeners": "127.0.0.1:0", "log.dirs": directory], logger: Logger(label: "test"))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let result = try await body(broker)
            await broker.shutdown()
            return result
        } catch {
            await broker.shutdown()
            throw error
        }
    }
}
