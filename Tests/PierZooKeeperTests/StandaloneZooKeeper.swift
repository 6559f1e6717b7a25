import PierTestSupport
import Testing

/// A suite trait: one standalone ZooKeeper server for all the suite's tests, stopped after the last.
struct StandaloneZooKeeper: SuiteTrait, TestScoping {
    @TaskLocal static var current: ZooKeeperEnsemble?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Without ZooKeeper (and outside CI) the suite's `.enabled` trait has already skipped it.
        guard ZooKeeperEnsemble.mustRun else { return try await function() }
        let ensemble = try ZooKeeperEnsemble.start(servers: 1)
        defer { ensemble.stopAll() }
        try await Self.$current.withValue(ensemble) { try await function() }
    }
}

extension Trait where Self == StandaloneZooKeeper {
    static var standaloneZooKeeper: Self { StandaloneZooKeeper() }
}
