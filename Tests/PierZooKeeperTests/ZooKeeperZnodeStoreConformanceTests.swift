import Foundation
import PierCoordination
import PierTestSupport
@testable import PierZooKeeper
import Testing

/// The conformance suite on a real ZooKeeper server, started once for the suite: each behaviour
/// works under a chroot of its own, every client is a store (a ZooKeeper handle) of its own, and a
/// session is expired the way ZooKeeper allows a client to end another's: by resuming it from a
/// second handle and closing that.
@Suite(.enabled(if: ZooKeeperEnsemble.mustRun, "needs java and Debian's zookeeper package (scripts/install-test-deps.sh)"),
       .serialized, .standaloneZooKeeper, .timeLimit(.minutes(1)))
struct ZooKeeperZnodeStoreConformanceTests {
    @Test(arguments: ZnodeStoreConformance.Behaviour.allCases)
    func conforms(_ behaviour: ZnodeStoreConformance.Behaviour) async throws {
        let server = try #require(StandaloneZooKeeper.current, "the suite's server did not start")
        try await ZnodeStoreConformance(engine: "zookeeper") { name in Self.namespace(name, servers: server.servers) }.run(behaviour)
    }

    static func namespace(_ name: String, servers: [String]) -> ZnodeNamespace {
        let chroot = "/conformance/\(name)-\(UUID().uuidString.prefix(8))"
        let stores = StoreList()
        return ZnodeNamespace(
            open: {
                let store = try ZooKeeperZnodeStore(
                    servers: servers, chroot: chroot, sessionTimeoutMilliseconds: ZnodeStoreConformance.sessionTimeoutMilliseconds
                )
                stores.append(store)
                return store
            },
            expire: { session, owner in
                try SessionThief.expire(session, of: owner as! ZooKeeperZnodeStore, servers: servers)
            },
            settle: { store in
                // A round trip after the change, then a pause: ZooKeeper sends a watch event before
                // the answer to a later read, but the C client delivers the two on different threads.
                _ = try store.exists("/")
                try await Task.sleep(for: .milliseconds(200))
                (store as! ZooKeeperZnodeStore).drainCallbacks()
            },
            remove: { stores.closeAll() }
        )
    }
}
