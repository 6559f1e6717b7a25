import Foundation
import Logging
@testable import PierBroker
import PierCoordination
import Synchronization
import Testing

@Suite struct CoordinationSessionTests {
    @Test func anExpiredSessionIsReplacedAndTheBrokerRegistersAgain() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pier-session-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The store's clock is ours: jumping it past the timeout is a process paused that long.
        let now = Mutex<Int64>(1_000_000)
        var options = SQLiteZnodeStore.Options()
        options.clock = { now.withLock { $0 } }
        let store = try SQLiteZnodeStore(path: path, options: options)
        defer { store.close() }
        let cluster = ClusterMetadata(store: store)
        try cluster.ensureSkeleton()
        let readiness = Readiness()
        let session = CoordinationSession(store: store, cluster: cluster, nodeID: 7, timeoutMilliseconds: 600,
                                          registration: BrokerRegistration(host: "127.0.0.1", port: 9092, registeredAtMilliseconds: 1),
                                          readiness: readiness, logger: Logger(label: "test"))
        let renewals = Mutex<[SessionID]>([])
        session.onRenewal { id in renewals.withLock { $0.append(id) } }
        let first = try session.open()
        defer { session.close() }
        #expect(try cluster.liveBrokers().keys.contains(7))

        now.withLock { $0 += 5_000 }
        try store.expireSessions()
        // The session's heartbeat may renew it at once, so what is checked is the registration's
        // owner: the expired session's went with it, and the renewed session made a new one.
        #expect(try store.exists("/brokers/ids/7")?.ephemeralOwner != first.rawValue)

        let deadline = Date().addingTimeInterval(5)
        while renewals.withLock({ $0.isEmpty }) && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let renewed = try #require(renewals.withLock { $0.first })
        #expect(renewed != first)
        #expect(session.current == renewed)
        #expect(try cluster.liveBrokers().keys.contains(7))
        #expect(try store.exists("/brokers/ids/7")?.ephemeralOwner == renewed.rawValue)
    }
}
