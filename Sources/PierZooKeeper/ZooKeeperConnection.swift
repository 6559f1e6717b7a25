import CZooKeeper
import Foundation
import PierCoordination

/// One handle of the C client (`zhandle_t`), and so one ZooKeeper session, from `zookeeper_init`
/// until `zookeeper_close`.
///
/// The C client connects, pings and fails over between servers on threads of its own; this object
/// tracks the session state its callbacks report, lets the synchronous calls through only while the
/// handle is open, and keeps the watches registered through it until they fire.
///
/// `@unchecked Sendable`: every mutable field is guarded by `condition`.
final class ZooKeeperConnection: @unchecked Sendable {
    enum State: Equatable {
        /// Looking for a server; the session (if it ever started) may still be alive.
        case connecting
        case connected
        /// The servers ended the session: the handle is useless and its ephemeral nodes are gone.
        case expired
        /// `close()` began: no more calls.
        case closed
    }

    enum Event {
        case connected(SessionID)
        case disconnected
        case expired(SessionID)
    }

    let requestedTimeoutMilliseconds: Int32
    private let condition = NSCondition()
    private var handle: OpaquePointer?
    private var state = State.connecting
    private var sessionID: SessionID?
    private var callsInFlight = 0
    private var pendingWatches: [ObjectIdentifier: PendingWatch] = [:]
    private let report: @Sendable (Event) -> Void
    private let callbackQueue: DispatchQueue

    /// Starts connecting to `connectString` (`host:port,...[/chroot]`); returns before a server answers.
    init(connectString: String, timeoutMilliseconds: Int32, callbackQueue: DispatchQueue,
         report: @escaping @Sendable (Event) -> Void) throws(ZnodeError) {
        _ = Self.quietenLibrary
        requestedTimeoutMilliseconds = timeoutMilliseconds
        self.callbackQueue = callbackQueue
        self.report = report
        // Released after zookeeper_close, when the library can no longer call back into this object.
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = connectString.withCString { zookeeper_init($0, sessionWatcher, timeoutMilliseconds, nil, context, 0) }
        guard let created else {
            Unmanaged<ZooKeeperConnection>.fromOpaque(context).release()
            throw .storage("ZooKeeper: cannot use the server list '\(connectString)' (errno \(errno))")
        }
        condition.withLock { handle = created }
    }

    /// The C client logs at INFO to stderr by default: every connect and ping. Errors are enough.
    private static let quietenLibrary: Void = zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR)

    var currentState: State { condition.withLock { state } }

    /// The session id once a server has accepted the handle.
    var session: SessionID? { condition.withLock { sessionID } }

    /// Whether calls can still succeed on this handle (connected now or trying to reconnect).
    var isUsable: Bool { condition.withLock { state == .connecting || state == .connected } }

    /// Waits until a server accepted the session, at most `milliseconds`.
    func waitUntilConnected(milliseconds: Int64) throws(ZnodeError) -> SessionID {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while state == .connecting, condition.wait(until: deadline) {}
        switch state {
        case .connected: return sessionID!
        case .connecting: throw .connectionLoss("no ZooKeeper server accepted the session within \(milliseconds) ms")
        case .expired, .closed: throw .sessionExpired(sessionID)
        }
    }

    /// The session id and password, which let another handle resume (or close) this session.
    var credentials: (session: SessionID, password: [UInt8])? {
        condition.withLock {
            guard let handle, state == .connected, let client = zoo_client_id(handle) else { return nil }
            let password = withUnsafeBytes(of: client.pointee.passwd) { Array($0) }
            return (SessionID(rawValue: client.pointee.client_id), password)
        }
    }

    /// The server the handle talks to now, as `host:port`, nil while it looks for one.
    var connectedServer: String? {
        condition.withLock { () -> String? in
            guard let handle, state == .connected else { return nil }
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let found = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { zookeeper_get_connected_host(handle, $0, &length) != nil }
            }
            guard found else { return nil }
            return Self.describe(address)
        }
    }

    /// Runs one synchronous C call on the open handle, first waiting (at most `waitMilliseconds`)
    /// for a server if the handle is between servers. Returns the call's return code.
    func call(waitMilliseconds: Int64, _ body: (OpaquePointer) -> Int32) throws(ZnodeError) -> Int32 {
        condition.lock()
        let deadline = Date().addingTimeInterval(Double(waitMilliseconds) / 1000)
        while state == .connecting, condition.wait(until: deadline) {}
        guard state == .connected, let handle else {
            let (state, session) = (self.state, sessionID)
            condition.unlock()
            if state == .connecting {
                throw .connectionLoss("no ZooKeeper server answered within \(waitMilliseconds) ms")
            }
            throw .sessionExpired(session)
        }
        callsInFlight += 1
        condition.unlock()
        let code = body(handle)
        condition.withLock {
            callsInFlight -= 1
            if callsInFlight == 0 { condition.broadcast() }
        }
        return code
    }

    /// Runs `body` with a one-shot watch for `handler` registered through the C client, or none
    /// when `handler` is nil. `registered` says, from the return code, whether the server set the watch.
    func call(
        waitMilliseconds: Int64, watch handler: WatchHandler?, interest: PendingWatch.Interest, path: String,
        registered: (Int32) -> Bool, _ body: (OpaquePointer, watcher_fn?, UnsafeMutableRawPointer?) -> Int32
    ) throws(ZnodeError) -> Int32 {
        guard let handler else { return try call(waitMilliseconds: waitMilliseconds) { body($0, nil, nil) } }
        let watch = PendingWatch(interest: interest, path: path, handler: handler, queue: callbackQueue, owner: self)
        // Registered before the call: the event may reach the completion thread before the call returns.
        condition.withLock { pendingWatches[ObjectIdentifier(watch)] = watch }
        let context = Unmanaged.passUnretained(watch).toOpaque()
        let code: Int32
        do {
            code = try call(waitMilliseconds: waitMilliseconds) { body($0, watchWatcher, context) }
        } catch {
            forget(watch)
            throw error
        }
        if !registered(code) { forget(watch) }
        return code
    }

    /// Drops a watch the library no longer holds (it fired, or the call that would have set it failed).
    func forget(_ watch: PendingWatch) {
        condition.withLock { _ = pendingWatches.removeValue(forKey: ObjectIdentifier(watch)) }
    }

    /// Closes the handle once the calls in flight have returned, which ends the session at the
    /// servers (deleting its ephemeral nodes) if it is still alive. Watches still pending fire a
    /// conservative event, since this handle can no longer deliver theirs.
    func close() {
        condition.lock()
        guard state != .closed else {
            condition.unlock()
            return
        }
        state = .closed
        condition.broadcast()
        // The library closes the session only when no other call holds the handle; with calls in
        // flight it would free it and leave the session to time out.
        while callsInFlight > 0 { condition.wait() }
        let closing = handle
        handle = nil
        condition.unlock()
        guard let closing else { return }
        zookeeper_close(closing)
        // No callback runs after zookeeper_close returns.
        let leftovers = condition.withLock { () -> [PendingWatch] in
            defer { pendingWatches = [:] }
            return Array(pendingWatches.values)
        }
        for watch in leftovers { watch.fireConservatively() }
        Unmanaged.passUnretained(self).release()
    }

    /// The library's session-state callback (on its completion thread; never calls back into the library).
    fileprivate func sessionStateChanged(to newState: Int32, handle: OpaquePointer?) {
        let event: Event? = condition.withLock {
            guard state != .closed else { return nil }
            defer { condition.broadcast() }
            if newState == ZOO_CONNECTED_STATE {
                let id = handle.flatMap { zoo_client_id($0) }.map { SessionID(rawValue: $0.pointee.client_id) }
                sessionID = id
                state = .connected
                return id.map(Event.connected)
            }
            if newState == ZOO_CONNECTING_STATE || newState == ZOO_ASSOCIATING_STATE {
                guard state == .connected else { return nil }
                state = .connecting
                return .disconnected
            }
            if newState == ZOO_EXPIRED_SESSION_STATE || newState == ZOO_AUTH_FAILED_STATE {
                guard state != .expired else { return nil }
                state = .expired
                return sessionID.map(Event.expired)
            }
            return nil
        }
        if let event { report(event) }
    }

    private static func describe(_ address: sockaddr_storage) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var copy = address
        let status = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                            &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return nil }
        return text(host) + ":" + text(port)
    }
}

/// A NUL-terminated C string in an array, as text.
func text(_ characters: [CChar]) -> String {
    String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The handle's own watcher: ZooKeeper reports session states to it (connected, connecting, expired).
private let sessionWatcher: watcher_fn = { handle, type, state, _, context in
    guard type == ZOO_SESSION_EVENT, let context else { return }
    Unmanaged<ZooKeeperConnection>.fromOpaque(context).takeUnretainedValue().sessionStateChanged(to: state, handle: handle)
}
