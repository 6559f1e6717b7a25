import CZooKeeper
import Dispatch
import PierCoordination
import Synchronization

/// The znode namespace in an Apache ZooKeeper ensemble, through the C client's synchronous calls.
///
/// Every call blocks for a round trip (callers are off the event loops). The store holds one handle,
/// and so one ZooKeeper session, at a time: `openSession` hands out that session (a second call
/// while it lives returns the same one), ephemeral nodes need it, and `closeSession` closes the
/// handle. When the servers expire the session, the store reports `.expired`, drops the handle and
/// starts a fresh one, whose session a new `openSession` hands out. Watches are ZooKeeper's own;
/// their callbacks run on a serial queue, as `SQLiteZnodeStore`'s do.
public final class ZooKeeperZnodeStore: ZnodeStore {
    /// `host:port[,host:port...]`, as the C client takes it (the chroot goes on separately).
    public let servers: String
    /// The znode every path is under, created at first connection; nil for the root.
    public let chroot: String?
    /// The session timeout handles are created with until `openSession` asks for another.
    private let defaultTimeoutMilliseconds: Int64

    private let callbackQueue = DispatchQueue(label: "pier.zookeeper-watches")
    /// Where an expired handle is closed and its successor started, off the library's threads.
    private let lifecycleQueue = DispatchQueue(label: "pier.zookeeper-sessions")
    private let sessionObservers: SessionObservers
    private let state = Mutex(HandleState())

    private struct HandleState {
        var connection: ZooKeeperConnection?
        /// The session `openSession` handed out, valid while `connection` holds it.
        var openedSession: SessionID?
        var closed = false
    }

    /// Connects to `servers` (`host:port` each) under `chroot` (created if missing) and waits until
    /// a server accepts the session, at most `sessionTimeoutMilliseconds`.
    public init(servers: [String], chroot: String? = nil, sessionTimeoutMilliseconds: Int64 = 18_000) throws(ZnodeError) {
        self.servers = try Self.validatedServerList(servers)
        self.chroot = try chroot.flatMap { path throws(ZnodeError) in
            let parsed = try ZnodePath(path)
            return parsed.isRoot ? nil : parsed.string
        }
        defaultTimeoutMilliseconds = sessionTimeoutMilliseconds
        sessionObservers = SessionObservers(queue: callbackQueue)
        if let chroot = self.chroot { try createChroot(chroot) }
        let connection = try startConnection(timeoutMilliseconds: sessionTimeoutMilliseconds)
        state.withLock { $0.connection = connection }
        do {
            _ = try connection.waitUntilConnected(milliseconds: sessionTimeoutMilliseconds)
        } catch {
            close()
            throw error
        }
    }

    /// The store for a `zookeeper:` coordination URI's parts.
    public static func open(servers: [String], chroot: String?, sessionTimeoutMilliseconds: Int64) throws(ZnodeError) -> ZooKeeperZnodeStore {
        try ZooKeeperZnodeStore(servers: servers, chroot: chroot, sessionTimeoutMilliseconds: sessionTimeoutMilliseconds)
    }

    deinit {
        close()
    }

    /// Closes the handle, which ends its session (and removes its ephemeral nodes) if still alive.
    public func close() {
        let connection = state.withLock { state -> ZooKeeperConnection? in
            state.closed = true
            state.openedSession = nil
            defer { state.connection = nil }
            return state.connection
        }
        connection?.close()
    }

    /// Waits until every watch and session callback queued so far has run (tests and orderly shutdown).
    public func drainCallbacks() {
        callbackQueue.sync {}
    }

    /// The server the store talks to now (`host:port`), nil while it looks for one.
    public var connectedServer: String? { state.withLock { $0.connection }?.connectedServer }

    // MARK: Sessions

    public func openSession(timeoutMilliseconds: Int64, description: String) throws(ZnodeError) -> SessionID {
        // ZooKeeper sessions carry no description; the session id is what the servers show.
        let connection = try state.withLock { state throws(ZnodeError) -> ZooKeeperConnection in
            guard !state.closed else { throw ZnodeError.sessionExpired(nil) }
            if let current = state.connection, current.isUsable,
               state.openedSession != nil || current.requestedTimeoutMilliseconds == Int32(clamping: timeoutMilliseconds) {
                return current
            }
            // A handle nobody opened a session on yet (or a dead one) is replaced by one with the asked timeout.
            let fresh = try startConnection(timeoutMilliseconds: timeoutMilliseconds)
            if let old = state.connection { lifecycleQueue.async { old.close() } }
            state.connection = fresh
            state.openedSession = nil
            return fresh
        }
        let session = try connection.waitUntilConnected(milliseconds: timeoutMilliseconds)
        let newlyOpened = try state.withLock { state throws(ZnodeError) -> Bool in
            guard state.connection === connection, connection.session == session, connection.isUsable else {
                throw ZnodeError.sessionExpired(session)
            }
            defer { state.openedSession = session }
            return state.openedSession != session
        }
        // As SQLiteZnodeStore does: observers hear of a session when it is handed out.
        if newlyOpened { sessionObservers.publish(.connected(session)) }
        return session
    }

    /// The C client pings by itself; this only says whether the session is still the store's and alive.
    public func heartbeat(_ session: SessionID) throws(ZnodeError) {
        let connection = try connection(owning: session)
        switch connection.currentState {
        case .connected: return
        case .connecting: throw .connectionLoss("ZooKeeper: looking for a server; session \(session) may still be alive")
        case .expired, .closed: throw .sessionExpired(session)
        }
    }

    public func closeSession(_ session: SessionID) throws(ZnodeError) {
        let connection = state.withLock { state -> ZooKeeperConnection? in
            guard let current = state.connection, current.session == session else { return nil }
            state.connection = nil
            state.openedSession = nil
            return current
        }
        // Not (or no longer) this store's session: like SQLiteZnodeStore, closing it again is no error.
        connection?.close()
    }

    public func observeSessions(_ handler: @escaping @Sendable (SessionEvent) -> Void) {
        sessionObservers.add(handler)
    }

    /// The id and password of the session the store holds now (tests resume it from another handle).
    var sessionCredentials: (session: SessionID, password: [UInt8])? {
        state.withLock { $0.connection }?.credentials
    }

    // MARK: Handles

    /// The handle for calls that need no particular session, started afresh if the last one died.
    func currentConnection() throws(ZnodeError) -> ZooKeeperConnection {
        try state.withLock { state throws(ZnodeError) -> ZooKeeperConnection in
            guard !state.closed else { throw ZnodeError.sessionExpired(nil) }
            if let current = state.connection, current.isUsable { return current }
            let fresh = try startConnection(timeoutMilliseconds: defaultTimeoutMilliseconds)
            if let old = state.connection { lifecycleQueue.async { old.close() } }
            state.connection = fresh
            state.openedSession = nil
            return fresh
        }
    }

    /// The handle that holds `session`, the one `openSession` handed out; ephemeral nodes need it.
    func connection(owning session: SessionID?) throws(ZnodeError) -> ZooKeeperConnection {
        try state.withLock { state throws(ZnodeError) -> ZooKeeperConnection in
            guard let session, state.openedSession == session, let connection = state.connection,
                  connection.session == session, connection.isUsable
            else { throw ZnodeError.sessionExpired(session) }
            return connection
        }
    }

    /// How long a call waits for the handle to find a server: past the session timeout the session is gone anyway.
    var reconnectWaitMilliseconds: Int64 { defaultTimeoutMilliseconds }

    private func startConnection(timeoutMilliseconds: Int64) throws(ZnodeError) -> ZooKeeperConnection {
        let connectString = servers + (chroot ?? "")
        return try ZooKeeperConnection(
            connectString: connectString, timeoutMilliseconds: Int32(clamping: timeoutMilliseconds), callbackQueue: callbackQueue
        ) { [weak self] event in self?.connectionReported(event) }
    }

    /// From the library's completion thread: publish, and after an expiry replace the handle.
    /// (Taking `state` here is safe: no holder of it waits for the library's threads.)
    private func connectionReported(_ event: ZooKeeperConnection.Event) {
        switch event {
        case .connected(let session):
            // A handle's first connection is published by openSession; reconnections of an opened session here.
            if state.withLock({ $0.openedSession == session }) { sessionObservers.publish(.connected(session)) }
        case .disconnected: sessionObservers.publish(.disconnected)
        case .expired(let session):
            sessionObservers.publish(.expired(session))
            // The handle cannot be closed from the library's own thread; a fresh one starts at once
            // so the broker's re-registration finds a session ready.
            lifecycleQueue.async { [weak self] in _ = try? self?.currentConnection() }
        }
    }

    /// Creates the chroot and its ancestors through a handle without a chroot, then closes it.
    private func createChroot(_ chroot: String) throws(ZnodeError) {
        let connection = try ZooKeeperConnection(
            connectString: servers, timeoutMilliseconds: Int32(clamping: defaultTimeoutMilliseconds), callbackQueue: callbackQueue
        ) { _ in }
        defer { connection.close() }
        _ = try connection.waitUntilConnected(milliseconds: defaultTimeoutMilliseconds)
        let path = try ZnodePath(chroot)
        for node in path.ancestors + [path] {
            let code = ZooKeeperReturnCode(try connection.call(waitMilliseconds: defaultTimeoutMilliseconds) { handle in
                node.string.withCString { zoo_create(handle, $0, nil, -1, pier_zoo_open_acl(), 0, nil, 0) }
            })
            guard code.isOK || code.rawValue == ZNODEEXISTS.rawValue else {
                throw code.error(.init(path: node.string, parentPath: node.parent?.string), actualVersion: { -1 })
            }
        }
    }

    private static func validatedServerList(_ servers: [String]) throws(ZnodeError) -> String {
        guard !servers.isEmpty else { throw .storage("ZooKeeper: no servers given") }
        for server in servers {
            let parts = server.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts.dropLast().joined(separator: ":").isEmpty, let port = Int(parts.last!), (1...65535).contains(port) else {
                throw .storage("ZooKeeper: '\(server)' is not host:port")
            }
        }
        return servers.joined(separator: ",")
    }
}
