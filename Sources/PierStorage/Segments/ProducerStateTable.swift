import NIOCore
import PierRecords

/// Idempotent-producer state of a partition: per producer id, its epoch and the metadata of its
/// last five batches, as Kafka keeps them. Updated from batch headers on append; persisted as a
/// snapshot taken at some offset, from which recovery replays the log tail.
struct ProducerStateTable: Sendable, Equatable {
    static let retainedBatches = 5
    private(set) var producers: [Int64: ProducerState] = [:]

    subscript(producerId: Int64) -> ProducerState? { producers[producerId] }

    /// Accounts for an appended batch; batches without a producer id do not count.
    mutating func update(with header: RecordBatchHeader) {
        guard header.hasProducerId else { return }
        let batch = ProducerState.BatchMetadata(
            firstSequence: header.baseSequence,
            // Sequences wrap at Int32.max, as in Kafka.
            lastSequence: header.baseSequence < 0 ? header.baseSequence : Int32(truncatingIfNeeded: (Int64(header.baseSequence) + Int64(header.lastOffsetDelta)) % (Int64(Int32.max) + 1)),
            firstOffset: header.baseOffset,
            lastOffset: header.lastOffset,
            timestamp: header.maxTimestamp)
        var state = producers[header.producerId]
            ?? ProducerState(producerId: header.producerId, producerEpoch: header.producerEpoch, recentBatches: [])
        if state.producerEpoch != header.producerEpoch {
            // A new epoch starts the sequence afresh: earlier batches no longer deduplicate.
            state.producerEpoch = header.producerEpoch
            state.recentBatches.removeAll()
        }
        state.recentBatches.append(batch)
        if state.recentBatches.count > Self.retainedBatches { state.recentBatches.removeFirst() }
        producers[header.producerId] = state
    }

    // MARK: Snapshot file

    static let snapshotVersion: Int16 = 1

    /// Binary snapshot: version int16, CRC-32C (of what follows) uint32, snapshot offset int64,
    /// producer count int32, then per producer: id int64, epoch int16, batch count int8, and per
    /// batch first/last sequence int32, first/last offset int64, timestamp int64. Big-endian.
    func snapshot(at offset: Int64) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(offset)
        body.writeInteger(Int32(producers.count))
        for state in producers.values.sorted(by: { $0.producerId < $1.producerId }) {
            body.writeInteger(state.producerId)
            body.writeInteger(state.producerEpoch)
            body.writeInteger(Int8(state.recentBatches.count))
            for batch in state.recentBatches {
                body.writeInteger(batch.firstSequence)
                body.writeInteger(batch.lastSequence)
                body.writeInteger(batch.firstOffset)
                body.writeInteger(batch.lastOffset)
                body.writeInteger(batch.timestamp)
            }
        }
        var file = ByteBuffer()
        file.writeInteger(Self.snapshotVersion)
        file.writeInteger(CRC32C.checksum(body))
        file.writeBuffer(&body)
        return file
    }

    /// The table and the offset its snapshot was taken at; nil when the bytes are damaged or of
    /// another version (the caller then rebuilds from the log).
    static func restore(from bytes: ByteBuffer) -> (table: ProducerStateTable, offset: Int64)? {
        var reader = bytes
        guard reader.readInteger(as: Int16.self) == snapshotVersion, let crc = reader.readInteger(as: UInt32.self),
              CRC32C.checksum(reader) == crc,
              let offset = reader.readInteger(as: Int64.self), let count = reader.readInteger(as: Int32.self), count >= 0
        else { return nil }
        var table = ProducerStateTable()
        for _ in 0..<count {
            guard let id = reader.readInteger(as: Int64.self), let epoch = reader.readInteger(as: Int16.self),
                  let batchCount = reader.readInteger(as: Int8.self), (0...Int8(retainedBatches)).contains(batchCount)
            else { return nil }
            var batches: [ProducerState.BatchMetadata] = []
            for _ in 0..<batchCount {
                guard let firstSequence = reader.readInteger(as: Int32.self), let lastSequence = reader.readInteger(as: Int32.self),
                      let firstOffset = reader.readInteger(as: Int64.self), let lastOffset = reader.readInteger(as: Int64.self),
                      let timestamp = reader.readInteger(as: Int64.self)
                else { return nil }
                batches.append(.init(firstSequence: firstSequence, lastSequence: lastSequence,
                                     firstOffset: firstOffset, lastOffset: lastOffset, timestamp: timestamp))
            }
            table.producers[id] = ProducerState(producerId: id, producerEpoch: epoch, recentBatches: batches)
        }
        guard reader.readableBytes == 0 else { return nil }
        return (table, offset)
    }
}
