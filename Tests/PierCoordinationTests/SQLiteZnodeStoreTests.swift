import Foundation
import PierCoordination
import Synchronization
import Testing

final class ManualClock: Sendable {
    let milliseconds = Mutex<Int64>(1_000_000)
    func advance(by delta: Int64) { milliseconds.withLock { $0 += delta } }
    var now: Int64 { milliseconds.withLock { $0 } }
}

final class EventRecorder: Sendable {
    let events = Mutex<[WatchedEvent]>([])
    var handler: WatchHandler { { event in self.events.withLock { $0.append(event) } } }
    var recorded: [WatchedEvent] { events.withLock { $0 } }

    /// Waits (bounded) until `count` events arrived; other processes' changes arrive by polling.
    func wait(for count: Int, timeoutSeconds: Double = 30) async -> [WatchedEvent] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while recorded.count < count, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return recorded
    }
}

final class SessionRecorder: Sendable {
    let events = Mutex<[SessionEvent]>([])
    var handler: SessionEventHandler { { event in self.events.withLock { $0.append(event) } } }
    var recorded: [SessionEvent] { events.withLock { $0 } }

    func wait(for count: Int, timeoutSeconds: Double = 30) async -> [SessionEvent] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while recorded.count < count, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return recorded
    }
}

struct StoreFixture {
    let directory: URL
    let clock = ManualClock()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-znodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var databasePath: String { directory.appendingPathComponent("coordination.db").path }

    func open(pollMilliseconds: Int64 = 10) throws -> SQLiteZnodeStore {
        var options = SQLiteZnodeStore.Options()
        options.pollIntervalMilliseconds = pollMilliseconds
        let clock = self.clock
        options.clock = { clock.now }
        return try SQLiteZnodeStore(path: databasePath, options: options)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// What only the SQLite store does: a clock-driven expiry, persistence across reopening, and the
/// session events of a process that was paused past its timeout. The behaviours every store shares
/// are in Tests/PierZooKeeperTests/Conformance (ZnodeStoreConformance), run on this store too.
@Suite struct SQLiteZnodeStoreTests {
    @Test func sessionsThatStopHeartbeatingExpire() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        let quiet = try store.openSession(timeoutMilliseconds: 1_000, description: "dies")
        let alive = try store.openSession(timeoutMilliseconds: 1_000, description: "lives")
        try store.create("/quiet", data: [], mode: .ephemeral, session: quiet)
        try store.create("/alive", data: [], mode: .ephemeral, session: alive)

        fixture.clock.advance(by: 800)
        try store.heartbeat(alive)
        #expect(try store.expireSessions().isEmpty)
        fixture.clock.advance(by: 800)  // quiet: 1600 ms without a heartbeat; alive: 800
        #expect(try store.expireSessions() == [quiet])
        #expect(try store.exists("/quiet") == nil)
        #expect(try store.exists("/alive") != nil)
        #expect(throws: ZnodeError.sessionExpired(quiet)) { try store.heartbeat(quiet) }
    }

    @Test func everythingSurvivesReopening() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        do {
            let store = try fixture.open()
            try store.createRecursively("/brokers/topics/orders", data: Array(#"{"partitions":{"0":[1]}}"#.utf8))
            try store.setData("/brokers/topics/orders", data: [7], version: 0)
            store.close()
        }
        let reopened = try fixture.open()
        let (data, stat) = try reopened.getData("/brokers/topics/orders")
        #expect(data == [7] && stat.version == 1)
        // zxids keep rising after a restart.
        try reopened.create("/cluster")
        #expect(try reopened.exists("/cluster")!.czxid > stat.mzxid)
    }

    /// SQLite numbers by the parent's child version, which deletions bump too (ZooKeeper 3.8 does
    /// not count deletions; the conformance suite checks only what both do).
    @Test func sequentialNodesAreNumberedByTheParentsChildVersion() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/queue")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000000")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000001")
        try store.delete("/queue/item-0000000000", version: nil)
        #expect(try store.create("/queue/", mode: .persistentSequential) == "/queue/0000000003")
    }

    @Test func expiryOfOwnSessionsIsReportedOnce() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        let sessions = SessionRecorder()
        store.observeSessions(sessions.handler)
        let mine = try store.openSession(timeoutMilliseconds: 1_000, description: "mine")
        fixture.clock.advance(by: 2_000)
        #expect(try store.expireSessions() == [mine])
        #expect(throws: ZnodeError.sessionExpired(mine)) { try store.heartbeat(mine) }
        store.drainCallbacks()
        #expect(sessions.recorded == [.connected(mine), .expired(mine)])
    }

    /// A process paused past its timeout finds out at its next heartbeat, before any poller ran.
    @Test func heartbeatAfterAPauseReportsExpiry() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open(pollMilliseconds: 60_000)
        let sessions = SessionRecorder()
        store.observeSessions(sessions.handler)
        let session = try store.openSession(timeoutMilliseconds: 1_000, description: "paused")
        fixture.clock.advance(by: 1_500)
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.heartbeat(session) }
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.heartbeat(session) }
        store.drainCallbacks()
        #expect(sessions.recorded == [.connected(session), .expired(session)])
    }

    /// Another process sharing the file ended the session (as its poller does with a silent one);
    /// this store's poller notices that its own session is gone.
    @Test func sessionEndedByAnotherProcessIsReported() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let owner = try fixture.open(pollMilliseconds: 5)
        let other = try fixture.open(pollMilliseconds: 60_000)
        let sessions = SessionRecorder()
        owner.observeSessions(sessions.handler)
        let session = try owner.openSession(timeoutMilliseconds: 60_000, description: "owner")
        try owner.create("/registration", data: [], mode: .ephemeral, session: session)
        try other.closeSession(session)
        let events = await sessions.wait(for: 2)
        #expect(events == [.connected(session), .expired(session)])
        #expect(try owner.exists("/registration") == nil)
    }
}

@Suite struct ZnodeWatchTests {
    @Test func sessionExpiryFiresWatchesOnEphemerals() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        let session = try store.openSession(timeoutMilliseconds: 100, description: "")
        try store.create("/controller", data: [1], mode: .ephemeral, session: session)
        let recorder = EventRecorder()
        _ = try store.exists("/controller", watch: recorder.handler)
        fixture.clock.advance(by: 1_000)
        try store.expireSessions()
        store.drainCallbacks()
        #expect(recorder.recorded == [WatchedEvent(kind: .deleted, path: "/controller")])
    }
}
