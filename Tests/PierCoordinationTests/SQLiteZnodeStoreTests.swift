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

@Suite struct SQLiteZnodeStoreTests {
    @Test func createGetSetDeleteWithVersions() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()

        #expect(try store.create("/brokers") == "/brokers")
        try store.create("/brokers/ids", data: Array("ids".utf8))
        let (data, stat) = try store.getData("/brokers/ids")
        #expect(data == Array("ids".utf8))
        #expect(stat.version == 0 && stat.dataLength == 3 && stat.ephemeralOwner == 0)
        #expect(stat.czxid == stat.mzxid)

        let updated = try store.setData("/brokers/ids", data: [1, 2], version: 0)
        #expect(updated.version == 1 && updated.mzxid > stat.mzxid && updated.czxid == stat.czxid)
        #expect(throws: ZnodeError.badVersion(path: "/brokers/ids", expected: 0, actual: 1)) {
            try store.setData("/brokers/ids", data: [3], version: 0)
        }
        #expect(try store.getData("/brokers/ids").data == [1, 2])

        let parent = try #require(try store.exists("/brokers"))
        #expect(parent.numChildren == 1 && parent.cversion == 1 && parent.pzxid == stat.czxid)

        #expect(throws: ZnodeError.notEmpty("/brokers")) { try store.delete("/brokers", version: nil) }
        #expect(throws: ZnodeError.badVersion(path: "/brokers/ids", expected: 7, actual: 1)) { try store.delete("/brokers/ids", version: 7) }
        try store.delete("/brokers/ids", version: 1)
        #expect(try store.exists("/brokers/ids") == nil)
        #expect(try store.exists("/brokers")?.cversion == 2)
    }

    @Test func createErrors() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        #expect(throws: ZnodeError.noNode("/missing")) { try store.create("/missing/child") }
        try store.create("/a")
        #expect(throws: ZnodeError.nodeExists("/a")) { try store.create("/a") }
        #expect(throws: ZnodeError.invalidPath("a")) { try store.create("a") }
        #expect(throws: ZnodeError.noNode("/nothing")) { try store.getData("/nothing") }
        #expect(throws: ZnodeError.noNode("/nothing")) { try store.getChildren("/nothing") }
        #expect(throws: ZnodeError.invalidPath("/ cannot be deleted")) { try store.delete("/", version: nil) }
    }

    @Test func childrenAreNamesSortedAndRootHasThem() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.createRecursively("/brokers/topics/orders")
        try store.createRecursively("/brokers/topics/audit")
        try store.createRecursively("/brokers/topics/audit")  // already there: no error
        #expect(try store.getChildren("/brokers/topics") == ["audit", "orders"])
        #expect(try store.getChildren("/") == ["brokers"])
        #expect(try store.getChildren("/brokers/topics/audit") == [])
    }

    @Test func sequentialNodesAreNumberedByTheParentsChildVersion() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/queue")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000000")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000001")
        try store.delete("/queue/item-0000000000", version: nil)
        // Deletion bumps cversion too, so numbers never repeat.
        #expect(try store.create("/queue/", mode: .persistentSequential) == "/queue/0000000003")
    }

    @Test func ephemeralNodesBelongToTheirSession() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.createRecursively("/brokers/ids")
        #expect(throws: ZnodeError.sessionExpired(nil)) { try store.create("/brokers/ids/1", data: [], mode: .ephemeral, session: nil) }

        let session = try store.openSession(timeoutMilliseconds: 6_000, description: "broker 1")
        try store.create("/brokers/ids/1", data: Array("{}".utf8), mode: .ephemeral, session: session)
        #expect(try store.exists("/brokers/ids/1")?.ephemeralOwner == session.rawValue)
        #expect(throws: ZnodeError.noChildrenForEphemerals("/brokers/ids/1")) { try store.create("/brokers/ids/1/x") }

        try store.closeSession(session)
        #expect(try store.exists("/brokers/ids/1") == nil)
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.heartbeat(session) }
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.create("/brokers/ids/2", data: [], mode: .ephemeral, session: session) }
    }

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

    @Test func multiIsAllOrNothing() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/config", data: [0])

        // The check sees the transaction's own earlier setData (version 1), as ZooKeeper's multi does.
        #expect(throws: ZnodeError.multiFailed(index: 2, cause: .badVersion(path: "/config", expected: 5, actual: 1))) {
            try store.multi([
                .create(path: "/config/a", data: [1], mode: .persistent, session: nil),
                .setData(path: "/config", data: [9], version: 0),
                .check(path: "/config", version: 5),
            ])
        }
        #expect(try store.exists("/config/a") == nil)
        #expect(try store.getData("/config").data == [0])

        let results = try store.multi([
            .check(path: "/config", version: 0),
            .create(path: "/config/a", data: [1], mode: .persistent, session: nil),
            .setData(path: "/config", data: [9], version: 0),
            .delete(path: "/config/a", version: 0),
        ])
        #expect(results.count == 4)
        #expect(results[0] == .checked && results[1] == .created(path: "/config/a") && results[3] == .deleted)
        guard case let .dataSet(stat) = results[2] else { Issue.record("expected a stat"); return }
        #expect(stat.version == 1)
        // One transaction, one zxid.
        #expect(try store.exists("/config")?.mzxid == stat.mzxid)
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
}

@Suite struct ZnodeWatchTests {
    @Test func dataWatchFiresOnceOnChange() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/state", data: [0])
        let recorder = EventRecorder()
        _ = try store.getData("/state", watch: recorder.handler)
        try store.setData("/state", data: [1], version: nil)
        try store.setData("/state", data: [2], version: nil)
        store.drainCallbacks()
        #expect(recorder.recorded == [WatchedEvent(kind: .dataChanged, path: "/state")])
    }

    @Test func existsWatchSeesCreationAndChildWatchSeesChildren() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/brokers")
        let existence = EventRecorder(), children = EventRecorder()
        #expect(try store.exists("/controller", watch: existence.handler) == nil)
        #expect(try store.getChildren("/brokers", watch: children.handler) == [])
        try store.create("/controller")
        try store.create("/brokers/1")
        store.drainCallbacks()
        #expect(existence.recorded == [WatchedEvent(kind: .created, path: "/controller")])
        #expect(children.recorded == [WatchedEvent(kind: .childrenChanged, path: "/brokers")])
    }

    @Test func deletionFiresDataAndChildWatches() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.create("/node")
        let data = EventRecorder(), children = EventRecorder()
        _ = try store.getData("/node", watch: data.handler)
        _ = try store.getChildren("/node", watch: children.handler)
        try store.delete("/node", version: nil)
        store.drainCallbacks()
        #expect(data.recorded == [WatchedEvent(kind: .deleted, path: "/node")])
        #expect(children.recorded == [WatchedEvent(kind: .deleted, path: "/node")])
    }

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

    /// Two stores on one file are two SQLite connections, as two broker processes would have.
    @Test func changesByAnotherConnectionReachWatchers() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let watcher = try fixture.open(pollMilliseconds: 5)
        let writer = try fixture.open(pollMilliseconds: 1_000)
        try writer.create("/brokers")
        let recorder = EventRecorder()
        #expect(try watcher.getChildren("/brokers", watch: recorder.handler) == [])
        try writer.create("/brokers/2")
        let events = await recorder.wait(for: 1)
        #expect(events == [WatchedEvent(kind: .childrenChanged, path: "/brokers")])
        #expect(try watcher.getChildren("/brokers") == ["2"])
    }
}
