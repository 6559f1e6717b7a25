import Foundation
import Logging
@testable import PierBroker
import PierStorage
import Testing

@Suite struct PartitionRegistryTests {
    /// Many requests touching a new partition at once (a producer's first batches with acks=0)
    /// all get the same log; none fails because another is creating the file.
    @Test(arguments: [StorageEngine.sqlite, .segments])
    func concurrentFirstUsesOpenThePartitionOnce(_ engine: StorageEngine) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = PartitionRegistry(dataDirectory: directory.path, engine: engine, flushPolicy: .operatingSystem, logger: Logger(label: "test"))
        defer { registry.closeAll() }
        for round in 0..<5 {
            let partition = TopicPartition("new", Int32(round))
            let logs = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
                for _ in 0..<8 {
                    group.addTask { ObjectIdentifier(try registry.log(for: partition)) }
                }
                return try await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
            }
            #expect(logs.count == 1)
        }
        // Shutdown flushes before closing; a flush that fails would leave every log open.
        for log in registry.openPartitions.values { try log.flush() }
    }
}
