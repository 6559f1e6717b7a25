import Dispatch
import Foundation
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The znode namespace in a SQLite database (`coordination.db`), shareable by several processes on one host.
///
/// Every write runs in an IMMEDIATE transaction that takes the next zxid and appends its events to
/// the `changes` table. Each store tails that feed (right after its own writes, and by polling for
/// other processes' writes) and fires the matching watches on a serial callback queue, so watchers
/// see events in commit order whichever process made them. The same poller expires sessions that
/// stopped heartbeating, deleting their ephemeral nodes.
///
/// Session events concern the sessions this store object opened: `connected` when one opens,
/// `expired` when one is found ended or past its timeout (by this process's poller or heartbeat, or
/// by another process that expired it). The database is local, so there is no `disconnected`.
public final class SQLiteZnodeStore: ZnodeStore {
    public struct Options: Sendable {
        /// How often the change feed is polled for other processes' writes, and sessions are checked.
        public var pollIntervalMilliseconds: Int64 = 20
        /// Events kept in the change feed (watchers further behind than this get a conservative event).
        public var retainedChanges: Int64 = 10_000
        /// Milliseconds since the epoch; replaceable so tests can drive session expiry.
        public var clock: @Sendable () -> Int64 = { wallClockMilliseconds() }
        public init() {}
    }

    private let database: DatabaseQueue
    private let options: Options
    private let dispatch = Mutex(DispatchState())
    private let callbackQueue = DispatchQueue(label: "pier.znode-watches")
    private let pollingStopped = Mutex(false)
    private let sessionObservers: SessionObservers
    /// Sessions opened through this object and not yet closed or reported expired.
    private let ownSessions = Mutex<Set<SessionID>>([])

    private struct DispatchState {
        var registry = WatchRegistry()
        var deliveredSequence: Int64 = 0
        /// Recently delivered changes, so a watch registered from a read older than the delivery point still sees them.
        var recentChanges: [WatchRegistry.Change] = []
    }

    private static let recentChangesKept = 4096

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String, options: Options = Options()) throws(ZnodeError) {
        self.options = options
        sessionObservers = SessionObservers(queue: callbackQueue)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "pier.coordination"
        // GRDB's own WAL switch waits out another process's lock; a plain PRAGMA fails at once with
        // SQLITE_BUSY when several brokers of one host open a new coordination file together.
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try CoordinationSchema.migrator.migrate(database)
            let start = try database.read { db in try Self.lastChangeSequence(db) }
            dispatch.withLock { $0.deliveredSequence = start }
        } catch {
            throw Self.storageError(error)
        }
        startPolling()
    }

    deinit {
        pollingStopped.withLock { $0 = true }
    }

    /// Stops polling; pending watch callbacks still run.
    public func close() {
        pollingStopped.withLock { $0 = true }
    }

    // MARK: Reads

    public func getData(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> (data: [UInt8], stat: ZnodeStat) {
        let znodePath = try ZnodePath(path)
        let (node, sequence) = try read { db in (try Self.node(at: znodePath, db), try Self.lastChangeSequence(db)) }
        guard let node else { throw .noNode(path) }
        if let watch { register(watch, interest: .data, path: path, after: sequence) }
        return (node.data, node.stat)
    }

    public func exists(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> ZnodeStat? {
        let znodePath = try ZnodePath(path)
        let (node, sequence) = try read { db in (try Self.node(at: znodePath, db), try Self.lastChangeSequence(db)) }
        if let watch { register(watch, interest: .existence, path: path, after: sequence) }
        return node?.stat
    }

    public func getChildren(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> [String] {
        let znodePath = try ZnodePath(path)
        let (children, sequence) = try read { db -> ([String]?, Int64) in
            guard try Self.node(at: znodePath, db) != nil else { return (nil, 0) }
            let paths = try String.fetchAll(db.cachedStatement(sql: CoordinationSQL.Statement.znodeChildren), arguments: ["path": path])
            return (paths, try Self.lastChangeSequence(db))
        }
        guard let children else { throw .noNode(path) }
        if let watch { register(watch, interest: .children, path: path, after: sequence) }
        let prefixLength = znodePath.isRoot ? 1 : path.count + 1
        return children.map { String($0.dropFirst(prefixLength)) }
    }

    // MARK: Writes

    @discardableResult
    public func create(_ path: String, data: [UInt8], mode: CreateMode, session: SessionID?) throws(ZnodeError) -> String {
        let now = options.clock()
        let created = try write { db, zxid in try Self.create(path, data: data, mode: mode, session: session, zxid: zxid, now: now, db) }
        return created
    }

    public func delete(_ path: String, version: Int32?) throws(ZnodeError) {
        try write { db, zxid in try Self.delete(path, version: version, zxid: zxid, db) }
    }

    @discardableResult
    public func setData(_ path: String, data: [UInt8], version: Int32?) throws(ZnodeError) -> ZnodeStat {
        let now = options.clock()
        return try write { db, zxid in try Self.setData(path, data: data, version: version, zxid: zxid, now: now, db) }
    }

    public func multi(_ operations: [ZnodeOperation]) throws(ZnodeError) -> [ZnodeOperationResult] {
        let now = options.clock()
        return try write { db, zxid in
            var results: [ZnodeOperationResult] = []
            results.reserveCapacity(operations.count)
            for (index, operation) in operations.enumerated() {
                do {
                    results.append(try Self.apply(operation, zxid: zxid, now: now, db))
                } catch let error as ZnodeError {
                    throw ZnodeError.multiFailed(index: index, cause: error)
                }
            }
            return results
        }
    }

    // MARK: Sessions

    public func openSession(timeoutMilliseconds: Int64, description: String) throws(ZnodeError) -> SessionID {
        let now = options.clock()
        let id = try write { db, _ in
            try Int64.fetchOne(
                db.cachedStatement(sql: CoordinationSQL.Statement.sessionInsert),
                arguments: ["timeout_ms": timeoutMilliseconds, "now_ms": now, "description": description]
            )!
        }
        let session = SessionID(rawValue: id)
        ownSessions.withLock { _ = $0.insert(session) }
        sessionObservers.publish(.connected(session))
        return session
    }

    public func heartbeat(_ session: SessionID) throws(ZnodeError) {
        let now = options.clock()
        do {
            try write { db, _ in
                guard try Self.isLive(session, now: now, db) else { throw ZnodeError.sessionExpired(session) }
                try db.cachedStatement(sql: CoordinationSQL.Statement.sessionHeartbeat).execute(arguments: ["now_ms": now, "id": session.rawValue])
            }
        } catch .sessionExpired(let expired) {
            // A process paused past its timeout learns here that its session is gone.
            reportExpired([session])
            throw .sessionExpired(expired)
        }
    }

    public func closeSession(_ session: SessionID) throws(ZnodeError) {
        ownSessions.withLock { _ = $0.remove(session) }
        try write { db, zxid in try Self.endSession(session, zxid: zxid, db) }
    }

    public func observeSessions(_ handler: @escaping @Sendable (SessionEvent) -> Void) {
        sessionObservers.add(handler)
    }

    /// Ends every session whose heartbeat is older than its timeout; returns the sessions ended.
    @discardableResult
    public func expireSessions() throws(ZnodeError) -> [SessionID] {
        let now = options.clock()
        let expired = try read { db in
            try Int64.fetchAll(db.cachedStatement(sql: CoordinationSQL.Statement.sessionsExpired), arguments: ["now_ms": now])
        }
        guard !expired.isEmpty else { return [] }
        let ended = try write { db, zxid in
            // Re-check inside the write transaction: a heartbeat may have landed since the read.
            let stillExpired = Set(try Int64.fetchAll(db.cachedStatement(sql: CoordinationSQL.Statement.sessionsExpired), arguments: ["now_ms": now]))
            var ended: [SessionID] = []
            for id in expired where stillExpired.contains(id) {
                try Self.endSession(SessionID(rawValue: id), zxid: zxid, db)
                ended.append(SessionID(rawValue: id))
            }
            return ended
        }
        reportExpired(ended)
        return ended
    }

    /// Reports the sessions of this object that another process expired (or that are past their
    /// timeout and about to be): called by the poller after its own expiry pass.
    private func reportOwnSessionsNoLongerLive() {
        let own = ownSessions.withLock { $0 }
        guard !own.isEmpty else { return }
        let now = options.clock()
        guard let gone = try? read({ db in try own.filter { try !Self.isLive($0, now: now, db) } }) else { return }
        reportExpired(gone)
    }

    /// Publishes `expired` once for each of `sessions` this object opened and still counted as its own.
    private func reportExpired(_ sessions: some Sequence<SessionID>) {
        let newlyExpired = ownSessions.withLock { own in sessions.filter { own.remove($0) != nil } }
        for session in newlyExpired { sessionObservers.publish(.expired(session)) }
    }

    /// Fires the watches for every change committed so far, by any process. Called after each own
    /// write and by the poller; public so callers can force prompt delivery.
    public func deliverPendingChanges() {
        dispatch.withLock { state in
            let changes: [WatchRegistry.Change]
            do {
                changes = try database.read { db in try Self.changes(after: state.deliveredSequence, db) }
            } catch {
                return  // the next poll retries; a read failure here loses no change
            }
            for change in changes {
                for handler in state.registry.fire(change) {
                    let event = change.event
                    callbackQueue.async { handler(event) }
                }
                state.deliveredSequence = change.sequence
            }
            state.recentChanges.append(contentsOf: changes)
            if state.recentChanges.count > Self.recentChangesKept {
                state.recentChanges.removeFirst(state.recentChanges.count - Self.recentChangesKept)
            }
        }
    }

    /// Waits until every watch callback queued so far has run (tests and orderly shutdown).
    public func drainCallbacks() {
        callbackQueue.sync {}
    }

    // MARK: Internals

    private func register(_ handler: @escaping WatchHandler, interest: WatchRegistry.Interest, path: String, after sequence: Int64) {
        dispatch.withLock { state in
            let watch = WatchRegistry.Watch(interest: interest, afterSequence: sequence, handler: handler)
            guard sequence < state.deliveredSequence else {
                state.registry.add(watch, on: path)
                return
            }
            // Changes between the read and the delivery point were delivered before this watch existed.
            let coversGap = state.recentChanges.first.map { $0.sequence <= sequence + 1 } ?? false
            guard coversGap else {
                // Too far behind to know what was missed: firing is the safe answer, since watchers re-read.
                let event = WatchedEvent(kind: interest == .children ? .childrenChanged : .dataChanged, path: path)
                callbackQueue.async { handler(event) }
                return
            }
            if let missed = state.recentChanges.first(where: {
                $0.sequence > sequence && $0.event.path == path && interest.isFired(by: $0.event.kind)
            }) {
                let event = missed.event
                callbackQueue.async { handler(event) }
            } else {
                state.registry.add(watch, on: path)
            }
        }
    }

    /// Polls on a thread of its own rather than a Swift concurrency task: a busy cooperative pool
    /// (two threads on a two-core machine) must not delay other processes' changes or session expiry.
    private func startPolling() {
        let interval = Double(options.pollIntervalMilliseconds) / 1000
        let thread = Thread { [weak self] in
            var polls: Int64 = 0
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self, !self.pollingStopped.withLock({ $0 }) else { return }
                self.deliverPendingChanges()
                polls += 1
                if polls % 10 == 0 {
                    _ = try? self.expireSessions()
                    self.reportOwnSessionsNoLongerLive()
                }
                if polls % 500 == 0 {
                    try? self.pruneChanges()
                }
            }
        }
        thread.name = "pier.znode-poller"
        thread.start()
    }

    private func pruneChanges() throws(ZnodeError) {
        let keep = options.retainedChanges
        do {
            try database.write { db in
                try db.cachedStatement(sql: CoordinationSQL.Statement.changesPrune).execute(arguments: ["keep": keep])
            }
        } catch {
            throw Self.storageError(error)
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(ZnodeError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.storageError(error)
        }
    }

    /// Runs `body` in one transaction with a fresh zxid, then delivers the resulting events.
    @discardableResult
    private func write<T>(_ body: (Database, Int64) throws -> T) throws(ZnodeError) -> T {
        let result: T
        do {
            result = try database.write { db in
                let zxid = try Int64.fetchOne(db.cachedStatement(sql: CoordinationSQL.Statement.nextZxid))!
                return try body(db, zxid)
            }
        } catch {
            throw Self.storageError(error)
        }
        deliverPendingChanges()
        return result
    }

    private static func storageError(_ error: any Error) -> ZnodeError {
        (error as? ZnodeError) ?? .storage(String(describing: error))
    }
}

func wallClockMilliseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}
