import PierCoordination
import PierTestSupport
@testable import PierZooKeeper
import Testing

/// What only the ZooKeeper store has: a chroot, a server list, one session per handle, and watches
/// that go with an expired session.
@Suite(.enabled(if: ZooKeeperEnsemble.mustRun, "needs java and Debian's zookeeper package (scripts/install-test-deps.sh)"),
       .serialized, .standaloneZooKeeper, .timeLimit(.minutes(1)))
struct ZooKeeperZnodeStoreTests {
    private var servers: [String] { StandaloneZooKeeper.current?.servers ?? [] }

    @Test func chrootIsCreatedAndEveryPathIsUnderIt() async throws {
        let rooted = try ZooKeeperZnodeStore(servers: servers, chroot: "/tenants/a", sessionTimeoutMilliseconds: 10_000)
        defer { rooted.close() }
        let whole = try ZooKeeperZnodeStore(servers: servers, sessionTimeoutMilliseconds: 10_000)
        defer { whole.close() }
        #expect(try rooted.getChildren("/") == [])
        #expect(try rooted.create("/queue") == "/queue")
        #expect(try rooted.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000000")
        #expect(try whole.getChildren("/tenants/a/queue") == ["item-0000000000"])

        let recorder = Recorder<WatchedEvent>()
        _ = try rooted.getData("/queue", watch: recorder.handler)
        try whole.setData("/tenants/a/queue", data: [1], version: nil)
        #expect(await recorder.wait(for: 1) == [WatchedEvent(kind: .dataChanged, path: "/queue")])
        try whole.delete("/tenants/a/queue/item-0000000000", version: nil)
        try whole.delete("/tenants/a/queue", version: nil)
    }

    @Test func openSessionHandsOutTheHandlesOneSession() throws {
        let store = try ZooKeeperZnodeStore(servers: servers, chroot: "/sessions", sessionTimeoutMilliseconds: 10_000)
        defer { store.close() }
        let session = try store.openSession(timeoutMilliseconds: 10_000, description: "first")
        #expect(try store.openSession(timeoutMilliseconds: 10_000, description: "second") == session)
        #expect(store.sessionCredentials?.session == session)
        try store.closeSession(session)
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.heartbeat(session) }
        #expect(try store.openSession(timeoutMilliseconds: 10_000, description: "third") != session)
    }

    @Test func watchesOfAnExpiredSessionFireSoTheirOwnerReReads() async throws {
        let store = try ZooKeeperZnodeStore(servers: servers, chroot: "/expiry", sessionTimeoutMilliseconds: 10_000)
        defer { store.close() }
        let sessions = Recorder<SessionEvent>()
        store.observeSessions(sessions.handler)
        let session = try store.openSession(timeoutMilliseconds: 10_000, description: "expires")
        try store.create("/config", data: [0])
        let recorder = Recorder<WatchedEvent>()
        _ = try store.getData("/config", watch: recorder.handler)

        try SessionThief.expire(session, of: store, servers: servers)

        // ZooKeeper drops an expired session's watches; the store fires them instead of leaving them silent.
        #expect(await recorder.wait(for: 1) == [WatchedEvent(kind: .dataChanged, path: "/config")])
        await sessions.wait { $0.contains(.expired(session)) }
        // Reads go on through a fresh handle before anyone opens a session on it.
        #expect(try await retryingConnectionLoss { () throws(ZnodeError) in try store.getData("/config").data } == [0])
        try store.delete("/config", version: nil)
    }

    @Test func serversAreCheckedAndAnUnreachableEnsembleIsConnectionLoss() throws {
        #expect(throws: ZnodeError.storage("ZooKeeper: no servers given")) {
            try ZooKeeperZnodeStore(servers: [], sessionTimeoutMilliseconds: 1_000)
        }
        #expect(throws: ZnodeError.storage("ZooKeeper: 'localhost' is not host:port")) {
            try ZooKeeperZnodeStore(servers: ["localhost"], sessionTimeoutMilliseconds: 1_000)
        }
        #expect(throws: ZnodeError.invalidPath("chroot/")) {
            try ZooKeeperZnodeStore(servers: servers, chroot: "chroot/", sessionTimeoutMilliseconds: 1_000)
        }
        let nobody = try ZooKeeperEnsemble.freePorts(1)[0]
        let error = #expect(throws: ZnodeError.self) {
            try ZooKeeperZnodeStore(servers: ["127.0.0.1:\(nobody)"], sessionTimeoutMilliseconds: 1_000)
        }
        guard case .connectionLoss = error else {
            Issue.record("expected connection loss, got \(String(describing: error))")
            return
        }
    }
}
