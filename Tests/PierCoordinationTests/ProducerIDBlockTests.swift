import Foundation
import PierCoordination
import Testing

@Suite final class ProducerIDBlockTests {
    let fixture: StoreFixture
    let store: SQLiteZnodeStore

    init() throws {
        fixture = try StoreFixture()
        store = try fixture.open()
    }

    deinit {
        store.close()
        fixture.remove()
    }

    @Test func blocksFollowEachOtherAndAreWrittenInKafkasLayout() throws {
        let cluster = ClusterMetadata(store: store)
        #expect(try cluster.claimProducerIDBlock(for: 1) == 0...999)
        #expect(try cluster.claimProducerIDBlock(for: 2) == 1000...1999)
        let text = String(decoding: try store.getData(KafkaZnodes.latestProducerIDBlock).data, as: UTF8.self)
        #expect(text == #"{"block_end":"1999","block_start":"1000","broker":2,"version":1}"#)
    }

    @Test func brokersSharingTheStoreNeverGetTheSameBlock() async throws {
        let other = try fixture.open()
        defer { other.close() }
        let stores = [store, other]
        let blocks = try await withThrowingTaskGroup(of: [ClosedRange<Int64>].self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    try (0..<20).map { _ in try ClusterMetadata(store: store).claimProducerIDBlock(for: Int32(index)) }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(blocks.count == 40)
        #expect(Set(blocks.map(\.lowerBound)).count == 40)
        #expect(blocks.map(\.lowerBound).max() == 39_000)
    }
}
