import Foundation
import PierCoordination
import Synchronization
import Testing

/// The conformance suite on SQLite: each behaviour gets its own database file, every client is a
/// store object of its own on it (as broker processes are), and a shared manual clock lets a test
/// push a session past its timeout.
@Suite struct SQLiteZnodeStoreConformanceTests {
    @Test(arguments: ZnodeStoreConformance.Behaviour.allCases)
    func conforms(_ behaviour: ZnodeStoreConformance.Behaviour) async throws {
        try await ZnodeStoreConformance(engine: "sqlite") { name in try Self.namespace(name) }.run(behaviour)
    }

    static func namespace(_ name: String) throws -> ZnodeNamespace {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-conformance-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("coordination.db").path
        let now = Mutex<Int64>(1_000_000)
        let stores = Mutex<[SQLiteZnodeStore]>([])
        return ZnodeNamespace(
            open: {
                var options = SQLiteZnodeStore.Options()
                options.pollIntervalMilliseconds = 5
                options.clock = { now.withLock { $0 } }
                let store = try SQLiteZnodeStore(path: path, options: options)
                stores.withLock { $0.append(store) }
                return store
            },
            expire: { _, owner in
                now.withLock { $0 += ZnodeStoreConformance.sessionTimeoutMilliseconds + 1 }
                try (owner as! SQLiteZnodeStore).expireSessions()
            },
            settle: { store in
                let store = store as! SQLiteZnodeStore
                store.deliverPendingChanges()
                store.drainCallbacks()
            },
            remove: {
                for store in stores.withLock({ $0 }) { store.close() }
                try? FileManager.default.removeItem(at: directory)
            }
        )
    }
}
