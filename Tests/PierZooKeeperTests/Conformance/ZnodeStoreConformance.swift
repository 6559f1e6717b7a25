import Foundation
import PierCoordination
import Testing

/// Every behaviour of the `ZnodeStore` protocol that ClusterMetadata and the broker rely on, run
/// against any store. It lives beside the ZooKeeper store's tests because this is the one test
/// target that sees both stores.
///
/// A store's test file gives a factory of fresh namespaces and runs each `Behaviour`:
///
///     @Test(arguments: ZnodeStoreConformance.Behaviour.allCases)
///     func conforms(_ behaviour: ZnodeStoreConformance.Behaviour) async throws {
///         try await ZnodeStoreConformance(engine: "sqlite") { name in ... }.run(behaviour)
///     }
struct ZnodeStoreConformance {
    let engine: String
    let makeNamespace: @Sendable (_ name: String) throws -> ZnodeNamespace

    enum Behaviour: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case createGetSetDeleteWithVersions
        case createErrors
        case emptyAndLargeDataRoundTrip
        case childrenAreNamesSortedAndRootHasThem
        case sequentialNodesGetRisingTenDigitSuffixes
        case ephemeralNodesBelongToTheirSession
        case closingASessionRemovesItsEphemeralsForEveryClient
        case multiIsAllOrNothing
        case multiFailureNamesTheFailedOperation
        case dataWatchFiresOnceOnChange
        case existsWatchSeesCreationAndChildWatchSeesChildren
        case deletionFiresDataAndChildWatches
        case changesByAnotherClientReachWatchers
        case sessionExpiryRemovesEphemeralsAndIsReported

        var testDescription: String { rawValue }
    }

    func run(_ behaviour: Behaviour) async throws {
        let namespace = try makeNamespace("\(engine)-\(behaviour.rawValue)")
        defer { namespace.remove() }
        switch behaviour {
        case .createGetSetDeleteWithVersions: try createGetSetDeleteWithVersions(namespace)
        case .createErrors: try createErrors(namespace)
        case .emptyAndLargeDataRoundTrip: try emptyAndLargeDataRoundTrip(namespace)
        case .childrenAreNamesSortedAndRootHasThem: try childrenAreNamesSortedAndRootHasThem(namespace)
        case .sequentialNodesGetRisingTenDigitSuffixes: try sequentialNodesGetRisingTenDigitSuffixes(namespace)
        case .ephemeralNodesBelongToTheirSession: try ephemeralNodesBelongToTheirSession(namespace)
        case .closingASessionRemovesItsEphemeralsForEveryClient: try await closingASessionRemovesItsEphemeralsForEveryClient(namespace)
        case .multiIsAllOrNothing: try multiIsAllOrNothing(namespace)
        case .multiFailureNamesTheFailedOperation: try multiFailureNamesTheFailedOperation(namespace)
        case .dataWatchFiresOnceOnChange: try await dataWatchFiresOnceOnChange(namespace)
        case .existsWatchSeesCreationAndChildWatchSeesChildren: try await existsWatchSeesCreationAndChildWatchSeesChildren(namespace)
        case .deletionFiresDataAndChildWatches: try await deletionFiresDataAndChildWatches(namespace)
        case .changesByAnotherClientReachWatchers: try await changesByAnotherClientReachWatchers(namespace)
        case .sessionExpiryRemovesEphemeralsAndIsReported: try await sessionExpiryRemovesEphemeralsAndIsReported(namespace)
        }
    }

    /// Long enough that no session in these behaviours times out by itself.
    static let sessionTimeoutMilliseconds: Int64 = 10_000

    // MARK: Nodes, data, versions

    func createGetSetDeleteWithVersions(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        #expect(try store.create("/brokers") == "/brokers")
        try store.create("/brokers/ids", data: Array("ids".utf8))
        let (data, stat) = try store.getData("/brokers/ids")
        #expect(data == Array("ids".utf8))
        #expect(stat.version == 0 && stat.dataLength == 3 && stat.ephemeralOwner == 0 && stat.numChildren == 0)
        #expect(stat.czxid == stat.mzxid)

        let updated = try store.setData("/brokers/ids", data: [1, 2], version: 0)
        #expect(updated.version == 1 && updated.mzxid > stat.mzxid && updated.czxid == stat.czxid && updated.dataLength == 2)
        #expect(throws: ZnodeError.badVersion(path: "/brokers/ids", expected: 0, actual: 1)) {
            try store.setData("/brokers/ids", data: [3], version: 0)
        }
        #expect(try store.getData("/brokers/ids").data == [1, 2])
        #expect(try store.setData("/brokers/ids", data: [4], version: nil).version == 2)

        let parent = try #require(try store.exists("/brokers"))
        #expect(parent.numChildren == 1 && parent.cversion == 1 && parent.pzxid == stat.czxid)

        #expect(throws: ZnodeError.notEmpty("/brokers")) { try store.delete("/brokers", version: nil) }
        #expect(throws: ZnodeError.badVersion(path: "/brokers/ids", expected: 7, actual: 2)) { try store.delete("/brokers/ids", version: 7) }
        try store.delete("/brokers/ids", version: 2)
        #expect(try store.exists("/brokers/ids") == nil)
        #expect(try store.exists("/brokers")?.cversion == 2)
        #expect(throws: ZnodeError.noNode("/brokers/ids")) { try store.delete("/brokers/ids", version: nil) }
        #expect(throws: ZnodeError.noNode("/brokers/ids")) { try store.setData("/brokers/ids", data: [], version: nil) }
    }

    func createErrors(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        #expect(throws: ZnodeError.noNode("/missing")) { try store.create("/missing/child") }
        try store.create("/a")
        #expect(throws: ZnodeError.nodeExists("/a")) { try store.create("/a") }
        #expect(throws: ZnodeError.nodeExists("/")) { try store.create("/") }
        #expect(throws: ZnodeError.invalidPath("a")) { try store.create("a") }
        #expect(throws: ZnodeError.invalidPath("/a/")) { try store.create("/a/") }
        #expect(throws: ZnodeError.invalidPath("/a//b")) { try store.getData("/a//b") }
        #expect(throws: ZnodeError.noNode("/nothing")) { try store.getData("/nothing") }
        #expect(throws: ZnodeError.noNode("/nothing")) { try store.getChildren("/nothing") }
        #expect(throws: ZnodeError.invalidPath("/ cannot be deleted")) { try store.delete("/", version: nil) }
    }

    func emptyAndLargeDataRoundTrip(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        try store.create("/empty")
        let (empty, emptyStat) = try store.getData("/empty")
        #expect(empty == [] && emptyStat.dataLength == 0)
        // Larger than a first read buffer of 64 KiB, within ZooKeeper's 1 MiB.
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try store.setData("/empty", data: large, version: 0)
        let (read, stat) = try store.getData("/empty")
        #expect(read == large && stat.dataLength == 300_000 && stat.version == 1)
        try store.setData("/empty", data: [], version: 1)
        #expect(try store.getData("/empty").data == [])
    }

    func childrenAreNamesSortedAndRootHasThem(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        try store.createRecursively("/brokers/topics/orders")
        try store.createRecursively("/brokers/topics/audit")
        try store.createRecursively("/brokers/topics/audit")  // already there: no error
        for name in ["zebra", "m", "b10", "b9"] { try store.create("/brokers/topics/" + name) }
        #expect(try store.getChildren("/brokers/topics") == ["audit", "b10", "b9", "m", "orders", "zebra"])
        #expect(try store.getChildren("/") == ["brokers"])
        #expect(try store.getChildren("/brokers/topics/audit") == [])
        #expect(try store.exists("/brokers/topics")?.numChildren == 6)
    }

    /// The numbers themselves differ: SQLite takes the parent's child version, which deletions bump
    /// too; ZooKeeper 3.8 numbers 0, 1, 2 across two creations and a deletion. Both start at 0, never
    /// repeat a number under a parent, and rise with every creation.
    func sequentialNodesGetRisingTenDigitSuffixes(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        try store.create("/queue")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000000")
        #expect(try store.create("/queue/item-", mode: .persistentSequential) == "/queue/item-0000000001")
        try store.delete("/queue/item-0000000000", version: nil)
        let bare = try store.create("/queue/", mode: .persistentSequential)
        let session = try store.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "sequential")
        let lock = try store.create("/queue/lock-", data: [], mode: .ephemeralSequential, session: session)
        let numbers = [Self.sequenceNumber(bare, prefix: "/queue/"), Self.sequenceNumber(lock, prefix: "/queue/lock-")]
        #expect(numbers[0].map { $0 >= 2 } == true, "\(bare)")
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { ($0 ?? .max) < ($1 ?? .min) }, "\(bare), \(lock)")
        #expect(try store.exists(lock)?.ephemeralOwner == session.rawValue)
        try store.closeSession(session)
        #expect(try store.getChildren("/queue") == [String(bare.dropFirst("/queue/".count)), "item-0000000001"])
    }

    /// The number a sequential create appended to `prefix`, nil unless it is exactly ten digits.
    static func sequenceNumber(_ path: String, prefix: String) -> Int? {
        guard path.hasPrefix(prefix) else { return nil }
        let suffix = path.dropFirst(prefix.count)
        guard suffix.count == 10, suffix.allSatisfy(\.isASCII), suffix.allSatisfy(\.isNumber) else { return nil }
        return Int(suffix)
    }

    // MARK: Sessions

    func ephemeralNodesBelongToTheirSession(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        try store.createRecursively("/brokers/ids")
        #expect(throws: ZnodeError.sessionExpired(nil)) { try store.create("/brokers/ids/1", data: [], mode: .ephemeral, session: nil) }

        let session = try store.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "broker 1")
        try store.heartbeat(session)
        try store.create("/brokers/ids/1", data: Array("{}".utf8), mode: .ephemeral, session: session)
        #expect(try store.exists("/brokers/ids/1")?.ephemeralOwner == session.rawValue)
        #expect(throws: ZnodeError.noChildrenForEphemerals("/brokers/ids/1")) { try store.create("/brokers/ids/1/x") }
        #expect(throws: ZnodeError.sessionExpired(SessionID(rawValue: session.rawValue ^ 0x5A5A))) {
            try store.create("/brokers/ids/2", data: [], mode: .ephemeral, session: SessionID(rawValue: session.rawValue ^ 0x5A5A))
        }

        try store.closeSession(session)
        #expect(try store.exists("/brokers/ids/1") == nil)
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.heartbeat(session) }
        #expect(throws: ZnodeError.sessionExpired(session)) { try store.create("/brokers/ids/2", data: [], mode: .ephemeral, session: session) }
        try store.closeSession(session)  // closing again is no error
        // The store still serves, and a new session owns new ephemeral nodes.
        let next = try store.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "broker 1 again")
        #expect(next != session)
        try store.create("/brokers/ids/1", data: [], mode: .ephemeral, session: next)
        #expect(try store.exists("/brokers/ids/1")?.ephemeralOwner == next.rawValue)
        try store.closeSession(next)
    }

    func closingASessionRemovesItsEphemeralsForEveryClient(_ namespace: ZnodeNamespace) async throws {
        let owner = try namespace.open()
        let watcher = try namespace.open()
        try owner.create("/brokers")
        let session = try owner.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "owner")
        try owner.create("/brokers/1", data: [1], mode: .ephemeral, session: session)
        try owner.create("/controller", data: [1], mode: .ephemeral, session: session)
        let children = Recorder<WatchedEvent>()
        #expect(try watcher.getChildren("/brokers", watch: children.handler) == ["1"])
        try owner.closeSession(session)
        #expect(await children.wait(for: 1) == [WatchedEvent(kind: .childrenChanged, path: "/brokers")])
        #expect(try watcher.getChildren("/brokers") == [])
        #expect(try watcher.exists("/controller") == nil)
    }

    func sessionExpiryRemovesEphemeralsAndIsReported(_ namespace: ZnodeNamespace) async throws {
        let owner = try namespace.open()
        let watcher = try namespace.open()
        let sessions = Recorder<SessionEvent>()
        owner.observeSessions(sessions.handler)
        let session = try owner.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "expires")
        #expect(await sessions.wait { !$0.isEmpty } == [.connected(session)])
        try owner.create("/controller", data: [1], mode: .ephemeral, session: session)
        let controller = Recorder<WatchedEvent>()
        #expect(try watcher.exists("/controller", watch: controller.handler) != nil)

        try namespace.expire(session, owner)

        let events = await sessions.wait { $0.contains(.expired(session)) }
        #expect(events.contains(.expired(session)))
        #expect(await controller.wait(for: 1) == [WatchedEvent(kind: .deleted, path: "/controller")])
        #expect(try watcher.exists("/controller") == nil)
        #expect(throws: ZnodeError.sessionExpired(session)) { try owner.heartbeat(session) }
        #expect(throws: ZnodeError.sessionExpired(session)) { try owner.create("/controller", data: [2], mode: .ephemeral, session: session) }

        // What a broker does on `.expired`: open a new session and register again.
        let renewed = try owner.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "renewed")
        #expect(renewed != session)
        try owner.create("/controller", data: [2], mode: .ephemeral, session: renewed)
        #expect(try watcher.getData("/controller").stat.ephemeralOwner == renewed.rawValue)
        let afterwards = await sessions.wait { $0.contains(.connected(renewed)) }
        let expiredAt = try #require(afterwards.firstIndex(of: .expired(session)))
        #expect(afterwards[expiredAt...].contains(.connected(renewed)))
        #expect(afterwards.filter { $0 == .expired(session) }.count == 1)
        try owner.closeSession(renewed)
    }

    // MARK: Multi

    func multiIsAllOrNothing(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
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
        #expect(try store.getData("/config").stat.version == 0)

        let results = try store.multi([
            .check(path: "/config", version: 0),
            .create(path: "/config/a", data: [1], mode: .persistent, session: nil),
            .setData(path: "/config", data: [9], version: 0),
            .delete(path: "/config/a", version: 0),
            .create(path: "/config/seq-", data: [], mode: .persistentSequential, session: nil),
        ])
        #expect(results.count == 5)
        #expect(results[0] == .checked && results[1] == .created(path: "/config/a") && results[3] == .deleted)
        guard case let .created(sequential) = results[4] else {
            Issue.record("expected a created path, got \(results[4])")
            return
        }
        #expect(Self.sequenceNumber(sequential, prefix: "/config/seq-") != nil, "\(sequential)")
        guard case let .dataSet(stat) = results[2] else {
            Issue.record("expected a stat, got \(results[2])")
            return
        }
        #expect(stat.version == 1)
        // One transaction, one zxid.
        let config = try #require(try store.exists("/config"))
        #expect(config.mzxid == stat.mzxid && config.pzxid == stat.mzxid)
        #expect(try store.multi([]) == [])
    }

    func multiFailureNamesTheFailedOperation(_ namespace: ZnodeNamespace) throws {
        let store = try namespace.open()
        try store.create("/p", data: [0])
        try store.create("/p/c")
        #expect(throws: ZnodeError.multiFailed(index: 1, cause: .notEmpty("/p"))) {
            try store.multi([.setData(path: "/p", data: [1], version: nil), .delete(path: "/p", version: nil)])
        }
        #expect(try store.getData("/p").data == [0])
        #expect(throws: ZnodeError.multiFailed(index: 0, cause: .nodeExists("/p/c"))) {
            try store.multi([.create(path: "/p/c", data: [], mode: .persistent, session: nil)])
        }
        #expect(throws: ZnodeError.multiFailed(index: 1, cause: .noNode("/missing"))) {
            try store.multi([.check(path: "/p", version: 0), .check(path: "/missing", version: nil)])
        }
        #expect(throws: ZnodeError.multiFailed(index: 0, cause: .noNode("/missing"))) {
            try store.multi([.create(path: "/missing/x", data: [], mode: .persistent, session: nil)])
        }
        #expect(throws: ZnodeError.multiFailed(index: 0, cause: .sessionExpired(nil))) {
            try store.multi([.create(path: "/p/e", data: [], mode: .ephemeral, session: nil)])
        }
        #expect(throws: ZnodeError.multiFailed(index: 1, cause: .badVersion(path: "/p/c", expected: 3, actual: 0))) {
            try store.multi([.create(path: "/p/d", data: [], mode: .persistent, session: nil), .delete(path: "/p/c", version: 3)])
        }
        #expect(try store.getChildren("/p") == ["c"])

        let session = try store.openSession(timeoutMilliseconds: Self.sessionTimeoutMilliseconds, description: "multi")
        let results = try store.multi([
            .create(path: "/p/owned", data: [], mode: .ephemeral, session: session),
            .create(path: "/p/c/under", data: [], mode: .persistent, session: nil),
        ])
        #expect(results == [.created(path: "/p/owned"), .created(path: "/p/c/under")])
        #expect(try store.exists("/p/owned")?.ephemeralOwner == session.rawValue)
        try store.closeSession(session)
        #expect(try store.exists("/p/owned") == nil)
    }

    // MARK: Watches

    func dataWatchFiresOnceOnChange(_ namespace: ZnodeNamespace) async throws {
        let store = try namespace.open()
        try store.create("/state", data: [0])
        let recorder = Recorder<WatchedEvent>()
        _ = try store.getData("/state", watch: recorder.handler)
        try store.setData("/state", data: [1], version: nil)
        #expect(await recorder.wait(for: 1) == [WatchedEvent(kind: .dataChanged, path: "/state")])
        try store.setData("/state", data: [2], version: nil)
        try await namespace.settle(store)
        #expect(recorder.recorded == [WatchedEvent(kind: .dataChanged, path: "/state")])
    }

    func existsWatchSeesCreationAndChildWatchSeesChildren(_ namespace: ZnodeNamespace) async throws {
        let store = try namespace.open()
        try store.create("/brokers")
        let existence = Recorder<WatchedEvent>(), children = Recorder<WatchedEvent>(), data = Recorder<WatchedEvent>()
        #expect(try store.exists("/controller", watch: existence.handler) == nil)
        #expect(try store.getChildren("/brokers", watch: children.handler) == [])
        // A data watch of an existing node through exists: fires on its change.
        #expect(try store.exists("/brokers", watch: data.handler) != nil)
        try store.create("/controller")
        try store.create("/brokers/1")
        try store.setData("/brokers", data: [1], version: nil)
        #expect(await existence.wait(for: 1) == [WatchedEvent(kind: .created, path: "/controller")])
        #expect(await children.wait(for: 1) == [WatchedEvent(kind: .childrenChanged, path: "/brokers")])
        #expect(await data.wait(for: 1) == [WatchedEvent(kind: .dataChanged, path: "/brokers")])
        try store.create("/brokers/2")
        try store.delete("/controller", version: nil)
        try await namespace.settle(store)
        #expect(existence.recorded.count == 1 && children.recorded.count == 1 && data.recorded.count == 1)
    }

    func deletionFiresDataAndChildWatches(_ namespace: ZnodeNamespace) async throws {
        let store = try namespace.open()
        try store.create("/node")
        let data = Recorder<WatchedEvent>(), children = Recorder<WatchedEvent>(), parent = Recorder<WatchedEvent>()
        _ = try store.getData("/node", watch: data.handler)
        _ = try store.getChildren("/node", watch: children.handler)
        _ = try store.getChildren("/", watch: parent.handler)
        try store.delete("/node", version: nil)
        #expect(await data.wait(for: 1) == [WatchedEvent(kind: .deleted, path: "/node")])
        #expect(await children.wait(for: 1) == [WatchedEvent(kind: .deleted, path: "/node")])
        #expect(await parent.wait(for: 1) == [WatchedEvent(kind: .childrenChanged, path: "/")])
    }

    func changesByAnotherClientReachWatchers(_ namespace: ZnodeNamespace) async throws {
        let watcher = try namespace.open()
        let writer = try namespace.open()
        try writer.create("/brokers")
        let recorder = Recorder<WatchedEvent>()
        #expect(try watcher.getChildren("/brokers", watch: recorder.handler) == [])
        try writer.create("/brokers/2")
        #expect(await recorder.wait(for: 1) == [WatchedEvent(kind: .childrenChanged, path: "/brokers")])
        #expect(try watcher.getChildren("/brokers") == ["2"])
    }
}

/// A fresh, empty namespace for one behaviour, which several clients can open at once.
struct ZnodeNamespace: Sendable {
    /// Another client of the namespace (a store object of its own, as another broker process has).
    var open: @Sendable () throws -> any ZnodeStore
    /// Ends `session`, opened through `owner`, as the store's servers would when it stops answering.
    var expire: @Sendable (_ session: SessionID, _ owner: any ZnodeStore) throws -> Void
    /// Waits until the watch callbacks of every change `store` made so far have had their chance to run.
    var settle: @Sendable (_ store: any ZnodeStore) async throws -> Void
    var remove: @Sendable () -> Void
}
