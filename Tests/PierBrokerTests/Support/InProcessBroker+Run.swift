@testable import PierBroker

extension InProcessBroker {
    /// Runs `body` with a fresh broker and stops it afterwards, whether `body` throws or not.
    static func run<Result>(settings: [String: String] = [:], coordinatingGroups: Bool = false,
                            _ body: (Broker) async throws -> Result) async throws -> Result {
        let harness = try await InProcessBroker(settings: settings, coordinatingGroups: coordinatingGroups)
        do {
            let result = try await body(harness.broker)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }
}
