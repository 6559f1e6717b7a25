import Foundation

/// Kafka's `/latest_producer_id_block`: the last block of producer ids a broker claimed. Brokers
/// claim the next block with compare-and-set and hand ids out of it locally, so ids are unique
/// across the cluster and across restarts without a write per InitProducerId.
public struct ProducerIDBlock: Codable, Equatable, Sendable {
    public var version: Int = 1
    public var broker: Int32
    /// Kafka writes these as strings.
    public var blockStart: String
    public var blockEnd: String

    enum CodingKeys: String, CodingKey {
        case version, broker
        case blockStart = "block_start"
        case blockEnd = "block_end"
    }

    public init(broker: Int32, start: Int64, end: Int64) {
        self.broker = broker
        blockStart = String(start)
        blockEnd = String(end)
    }

    public var range: ClosedRange<Int64> { (Int64(blockStart) ?? 0)...(Int64(blockEnd) ?? 0) }
}

extension KafkaZnodes {
    public static let latestProducerIDBlock = "/latest_producer_id_block"
}

extension ClusterMetadata {
    /// Ids per claimed block, as Kafka's `PRODUCER_ID_BLOCK_SIZE`.
    public static let producerIDBlockSize: Int64 = 1000

    /// Claims the next block of producer ids for `broker`; retries when another broker claims one meanwhile.
    public func claimProducerIDBlock(for broker: Int32) throws(ClusterMetadataError) -> ClosedRange<Int64> {
        let path = KafkaZnodes.latestProducerIDBlock
        for _ in 0..<100 {
            let current: (data: [UInt8], version: Int32)?
            do {
                let (data, stat) = try store.getData(path)
                current = (data, stat.version)
            } catch .noNode(_) {
                current = nil
            } catch {
                throw .coordination(error)
            }
            var start: Int64 = 0
            if let current {
                guard let previous = try? JSONDecoder().decode(ProducerIDBlock.self, from: Data(current.data)) else { throw .corruptNode(path) }
                start = previous.range.upperBound + 1
            }
            let block = ProducerIDBlock(broker: broker, start: start, end: start + Self.producerIDBlockSize - 1)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? Array(encoder.encode(block)) else { throw .corruptNode(path) }
            do {
                if let current {
                    _ = try store.setData(path, data: data, version: current.version)
                } else {
                    try store.create(path, data: data, mode: .persistent, session: nil)
                }
                return block.range
            } catch .badVersion(_, _, _) {
                continue
            } catch .nodeExists(_) {
                continue
            } catch {
                throw .coordination(error)
            }
        }
        throw .concurrentModification(path)
    }
}
