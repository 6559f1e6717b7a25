import PierZooKeeper
import Synchronization

/// The stores a test opened, closed together at its end (closing ends their sessions).
final class StoreList: Sendable {
    private let stores = Mutex<[ZooKeeperZnodeStore]>([])

    func append(_ store: ZooKeeperZnodeStore) { stores.withLock { $0.append(store) } }

    func closeAll() {
        for store in stores.withLock({ $0 }) { store.close() }
    }
}
