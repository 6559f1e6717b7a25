import PierCoordination
import PierTestSupport
import PierZooKeeper
import Testing

/// A three-server ensemble losing the server the store is connected to: the C client moves to
/// another server within the session timeout, so the session, its ephemeral nodes and its watches survive.
@Suite(.enabled(if: ZooKeeperEnsemble.mustRun, "needs java and Debian's zookeeper package (scripts/install-test-deps.sh)"))
struct ZooKeeperEnsembleTests {
    @Test(.timeLimit(.minutes(1)))
    func storeKeepsItsSessionWhenItsServerStops() async throws {
        let ensemble = try ZooKeeperEnsemble.start(servers: 3)
        defer { ensemble.stopAll() }
        let store = try ZooKeeperZnodeStore(servers: ensemble.servers, chroot: "/pier", sessionTimeoutMilliseconds: 10_000)
        defer { store.close() }
        let sessions = Recorder<SessionEvent>()
        store.observeSessions(sessions.handler)
        let session = try store.openSession(timeoutMilliseconds: 10_000, description: "broker 1")
        try store.createRecursively("/brokers/ids")
        try store.create("/brokers/ids/1", data: [1], mode: .ephemeral, session: session)
        try store.create("/state", data: [0])
        let data = Recorder<WatchedEvent>(), children = Recorder<WatchedEvent>()
        _ = try store.getData("/state", watch: data.handler)
        #expect(try store.getChildren("/brokers/ids", watch: children.handler) == ["1"])

        let server = try #require(store.connectedServer)
        let stopped = try #require(ensemble.index(ofClientPort: Int(server.split(separator: ":").last!)!))
        ensemble.stop(stopped)

        // A read issued at once waits for (or is retried after) the move to another server.
        let registration = try await retryingConnectionLoss { () throws(ZnodeError) in try store.getData("/brokers/ids/1") }
        #expect(registration.stat.ephemeralOwner == session.rawValue)
        let events = await sessions.wait { $0.contains(.disconnected) && $0.last == .connected(session) }
        #expect(events.contains(.disconnected))
        #expect(events.last == .connected(session))
        #expect(!events.contains(.expired(session)))
        let now = try #require(store.connectedServer)
        #expect(now != server)

        // The same session writes on, and the watches set through the stopped server fire.
        try store.heartbeat(session)
        #expect(try store.setData("/state", data: [1], version: 0).version == 1)
        try store.create("/brokers/ids/2", data: [2], mode: .ephemeral, session: session)
        #expect(await data.wait(for: 1) == [WatchedEvent(kind: .dataChanged, path: "/state")])
        #expect(await children.wait(for: 1) == [WatchedEvent(kind: .childrenChanged, path: "/brokers/ids")])
        #expect(try store.getChildren("/brokers/ids") == ["1", "2"])

        // Another client, on a server still running, sees what the session owns.
        let surviving = ensemble.servers.enumerated().filter { $0.offset != stopped }.map(\.element)
        let observer = try ZooKeeperZnodeStore(servers: surviving, chroot: "/pier", sessionTimeoutMilliseconds: 10_000)
        defer { observer.close() }
        #expect(try observer.exists("/brokers/ids/2")?.ephemeralOwner == session.rawValue)
        try store.closeSession(session)
        #expect(try await readingUntil({ try observer.getChildren("/brokers/ids") }, holds: \.isEmpty) == [])

        // The stopped server comes back with its data and rejoins the quorum.
        try ensemble.start(stopped)
        try ensemble.waitUntilServing()
        #expect(ensemble.mode(stopped) == "follower" || ensemble.mode(stopped) == "leader")
        let rejoined = try ZooKeeperZnodeStore(servers: [ensemble.servers[stopped]], chroot: "/pier", sessionTimeoutMilliseconds: 10_000)
        defer { rejoined.close() }
        #expect(try rejoined.getData("/state").data == [1])
    }
}
