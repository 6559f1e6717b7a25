import CZooKeeper
import Foundation
import PierCoordination
@testable import PierZooKeeper

/// Ends a store's ZooKeeper session from outside, as the servers do when a client falls silent:
/// a second handle resumes the session with its id and password and closes it. The store's own
/// handle then hears from the servers that its session expired.
enum SessionThief {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static func expire(_ session: SessionID, of store: ZooKeeperZnodeStore, servers: [String]) throws {
        guard let credentials = store.sessionCredentials, credentials.session == session else {
            throw Failed(description: "the store does not hold session \(session) now")
        }
        var client = clientid_t()
        client.client_id = session.rawValue
        withUnsafeMutableBytes(of: &client.passwd) { $0.copyBytes(from: credentials.password) }
        guard let handle = zookeeper_init(servers.joined(separator: ","), { _, _, _, _, _ in }, 10_000, &client, nil, 0) else {
            throw Failed(description: "zookeeper_init failed: errno \(errno)")
        }
        defer { zookeeper_close(handle) }
        let deadline = Date().addingTimeInterval(10)
        while zoo_state(handle) != ZOO_CONNECTED_STATE {
            guard Date() < deadline else { throw Failed(description: "could not resume session \(session)") }
            usleep(10_000)
        }
        guard zoo_client_id(handle).pointee.client_id == session.rawValue else {
            throw Failed(description: "the servers gave a new session instead of resuming \(session)")
        }
    }
}
