import CZooKeeper
import Dispatch
import PierCoordination
import Synchronization

/// A one-shot watch handed to the C client: its context pointer while the library holds it.
///
/// It fires exactly once: with the server's event, or with a conservative one (the kind a reader
/// re-reads on) when the handle that held it closed or its session expired, since ZooKeeper drops
/// a session's watches with the session.
final class PendingWatch: Sendable {
    enum Interest: Sendable {
        case data
        case existence
        case children
    }

    let interest: Interest
    let path: String
    private let handler: WatchHandler
    private let queue: DispatchQueue
    private let fired = Mutex(false)
    /// Kept so the library's callback can tell the connection the watch is spent.
    private let owner: ZooKeeperConnection

    init(interest: Interest, path: String, handler: @escaping WatchHandler, queue: DispatchQueue, owner: ZooKeeperConnection) {
        self.interest = interest
        self.path = path
        self.handler = handler
        self.queue = queue
        self.owner = owner
    }

    func fire(_ event: WatchedEvent) {
        guard fired.withLock({ done in defer { done = true }; return !done }) else { return }
        let handler = handler
        queue.async { handler(event) }
    }

    /// The event SQLiteZnodeStore also gives a watch it cannot follow exactly: "something changed, re-read".
    func fireConservatively() {
        fire(WatchedEvent(kind: interest == .children ? .childrenChanged : .dataChanged, path: path))
    }

    /// The library's callback for this watch (on its completion thread).
    fileprivate func libraryReported(type: Int32, state: Int32, path eventPath: String?) {
        if type == ZOO_SESSION_EVENT {
            // Disconnections are not the watch's business (the library re-sets watches on reconnect);
            // an expired session takes its watches with it.
            if state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE { fireConservatively() }
            return
        }
        let kind: WatchedEvent.Kind? = switch type {
        case ZOO_CREATED_EVENT: .created
        case ZOO_DELETED_EVENT: .deleted
        case ZOO_CHANGED_EVENT: .dataChanged
        case ZOO_CHILD_EVENT: .childrenChanged
        default: nil
        }
        if let kind {
            fire(WatchedEvent(kind: kind, path: eventPath ?? path))
        } else {
            fireConservatively()  // ZOO_NOTWATCHING_EVENT: the server dropped the watch
        }
        owner.forget(self)
    }
}

/// The C watcher every data, existence and child watch is registered with; its context is the `PendingWatch`.
let watchWatcher: watcher_fn = { _, type, state, path, context in
    guard let context else { return }
    let watch = Unmanaged<PendingWatch>.fromOpaque(context).takeUnretainedValue()
    watch.libraryReported(type: type, state: state, path: path.map { String(cString: $0) })
}
