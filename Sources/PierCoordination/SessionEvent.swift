import Dispatch
import Synchronization

/// What happened to a store's connection or to a session it opened.
///
/// A broker re-registers (and re-reads its roles) after `expired`: the session's ephemeral nodes
/// are gone and a new `openSession` is needed. `disconnected` means the store cannot reach its
/// servers for now; the session may still be alive, and `connected` follows when it is reached again.
public enum SessionEvent: Sendable, Equatable {
    case connected(SessionID)
    case disconnected
    case expired(SessionID)
}

public typealias SessionEventHandler = @Sendable (SessionEvent) -> Void

/// The handlers `observeSessions` registered, each called for every later event, in order, on
/// `queue` (the store's watch-callback queue, so a session's expiry reaches observers after the
/// watch events of the ephemeral nodes it removed).
public final class SessionObservers: Sendable {
    private let handlers = Mutex<[SessionEventHandler]>([])
    private let queue: DispatchQueue

    public init(queue: DispatchQueue) {
        self.queue = queue
    }

    public func add(_ handler: @escaping SessionEventHandler) {
        handlers.withLock { $0.append(handler) }
    }

    public func publish(_ event: SessionEvent) {
        let current = handlers.withLock { $0 }
        guard !current.isEmpty else { return }
        queue.async {
            for handler in current { handler(event) }
        }
    }
}
