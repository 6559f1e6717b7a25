import Foundation
import Logging
import PierCoordination
import Synchronization

/// This broker's session with the coordination store. The session is the broker's liveness: it
/// owns the ephemeral `/brokers/ids/<id>` registration (and `/controller` while this broker
/// controls), and when it ends, the controller moves this broker's leaderships.
///
/// Heartbeats run on a thread of their own, so a busy event loop or cooperative pool cannot let the
/// session lapse. A session that expired anyway (the process was paused, the store unreachable
/// past the timeout) is replaced: a new session, the registration written again, and whoever
/// listens (`onRenewal`) re-reads its roles and campaigns for controller again.
final class CoordinationSession: Sendable {
    private let store: any ZnodeStore
    private let cluster: ClusterMetadata
    private let nodeID: Int32
    let timeoutMilliseconds: Int64
    private let registration: BrokerRegistration
    private let readiness: Readiness
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var session: SessionID?
        var renewalListeners: [@Sendable (SessionID) -> Void] = []
        var stopped = false
    }

    init(store: any ZnodeStore, cluster: ClusterMetadata, nodeID: Int32, timeoutMilliseconds: Int64,
         registration: BrokerRegistration, readiness: Readiness, logger: Logger) {
        self.store = store
        self.cluster = cluster
        self.nodeID = nodeID
        self.timeoutMilliseconds = timeoutMilliseconds
        self.registration = registration
        self.readiness = readiness
        self.logger = logger
    }

    /// The session now, nil before `open` and after `close`.
    var current: SessionID? { state.withLock { $0.session } }

    /// Called with each new session after an expiry (not for the first).
    func onRenewal(_ listener: @escaping @Sendable (SessionID) -> Void) {
        state.withLock { $0.renewalListeners.append(listener) }
    }

    /// Opens the session and registers the broker, waiting for a registration left by this
    /// broker's previous life (killed, its session not yet expired) to go, as a ZooKeeper-based
    /// Kafka broker does. Then starts the heartbeats.
    func open() throws -> SessionID {
        // A networked store learns of an expiry from its server before a heartbeat would.
        store.observeSessions { [weak self] event in
            guard let self, case .expired(let session) = event else { return }
            let thread = Thread { self.renew(expired: session) }
            thread.name = "pier.coordination-renewal"
            thread.start()
        }
        let session = try establish()
        startHeartbeats()
        return session
    }

    private func establish() throws -> SessionID {
        let session = try store.openSession(timeoutMilliseconds: timeoutMilliseconds, description: "broker \(nodeID)")
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000 * 3 + 5)
        var waited = false
        while true {
            let attempt = Result { () throws(ClusterMetadataError) in try cluster.registerBroker(nodeID, registration, session: session) }
            guard case .failure(let error) = attempt else { break }
            guard error == .brokerAlreadyRegistered(nodeID), Date() < deadline, !isStopped else { throw error }
            if !waited {
                logger.notice("broker id still registered by an earlier session; waiting for it to expire", metadata: ["node": "\(nodeID)"])
                waited = true
            }
            // The earlier session heartbeats nowhere any more; ours must not lapse while it waits.
            try store.heartbeat(session)
            Thread.sleep(forTimeInterval: 0.05)
        }
        state.withLock { $0.session = session }
        readiness.coordinationAnswered(true)
        return session
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func startHeartbeats() {
        let interval = Double(timeoutMilliseconds) / 3 / 1000
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard !isStopped, let session = current else { return }
                do {
                    try store.heartbeat(session)
                    readiness.coordinationAnswered(true)
                } catch ZnodeError.sessionExpired(_) {
                    renew(expired: session)
                } catch {
                    readiness.coordinationAnswered(false)
                    logger.error("coordination heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
        }
        thread.name = "pier.coordination-heartbeat"
        thread.start()
    }

    /// Replaces an expired session (on the heartbeat thread, or when the store reports the expiry).
    func renew(expired: SessionID) {
        let stillCurrent = state.withLock { state -> Bool in
            guard !state.stopped, state.session == expired else { return false }
            state.session = nil
            return true
        }
        guard stillCurrent else { return }
        readiness.coordinationAnswered(false)
        logger.warning("coordination session expired; this broker's leaderships have moved. Registering again",
                       metadata: ["node": "\(nodeID)", "session": "\(expired)"])
        while !isStopped {
            do {
                let session = try establish()
                logger.notice("registered again with a new coordination session", metadata: ["node": "\(nodeID)", "session": "\(session)"])
                for listener in state.withLock({ $0.renewalListeners }) { listener(session) }
                return
            } catch {
                logger.error("registering again failed; retrying", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    /// Ends the session, which removes the registration at once rather than after the timeout.
    func close() {
        let session = state.withLock { state -> SessionID? in
            state.stopped = true
            defer { state.session = nil }
            return state.session
        }
        guard let session else { return }
        do { try store.closeSession(session) } catch {
            logger.warning("closing the coordination session failed", metadata: ["error": "\(error)"])
        }
    }
}
