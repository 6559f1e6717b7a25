import PierCoordination
import Synchronization

/// Hands out producer ids from blocks claimed in the coordination store (`/latest_producer_id_block`),
/// claiming the next block when one runs out.
final class ProducerIDAllocator: Sendable {
    private let cluster: ClusterMetadata
    private let nodeID: Int32
    private let block = Mutex<ClosedRange<Int64>?>(nil)
    private let next = Mutex<Int64>(0)

    init(cluster: ClusterMetadata, nodeID: Int32) {
        self.cluster = cluster
        self.nodeID = nodeID
    }

    /// A producer id no other producer of the cluster has had. Blocking (may write to the store).
    func allocate() throws(ClusterMetadataError) -> Int64 {
        try block.withLock { block throws(ClusterMetadataError) -> Int64 in
            let candidate = next.withLock { $0 }
            if let current = block, current.contains(candidate) {
                next.withLock { $0 = candidate + 1 }
                return candidate
            }
            let claimed = try cluster.claimProducerIDBlock(for: nodeID)
            block = claimed
            next.withLock { $0 = claimed.lowerBound + 1 }
            return claimed.lowerBound
        }
    }
}
