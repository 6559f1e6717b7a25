import NIOCore

/// The fixed 61-byte header of a Kafka RecordBatch v2.
///
/// Layout (big-endian): baseOffset int64 @0, batchLength int32 @8, partitionLeaderEpoch int32 @12,
/// magic int8 @16, crc uint32 @17, attributes int16 @21, lastOffsetDelta int32 @23,
/// baseTimestamp int64 @27, maxTimestamp int64 @35, producerId int64 @43, producerEpoch int16 @51,
/// baseSequence int32 @53, recordCount int32 @57. The CRC covers offset 21 to the end of the batch,
/// so baseOffset, batchLength and partitionLeaderEpoch can be rewritten without recomputing it.
public struct RecordBatchHeader: Sendable, Equatable {
    public var baseOffset: Int64
    /// Bytes after the batchLength field: the batch occupies `batchLength + 12` bytes in all.
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: RecordBatchAttributes
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordCount: Int32

    public static let size = 61

    /// Byte offsets of the fields inside a batch.
    public enum Offset {
        public static let baseOffset = 0
        public static let batchLength = 8
        public static let partitionLeaderEpoch = 12
        public static let magic = 16
        public static let crc = 17
        public static let attributes = 21
        public static let lastOffsetDelta = 23
        public static let baseTimestamp = 27
        public static let maxTimestamp = 35
        public static let producerId = 43
        public static let producerEpoch = 51
        public static let baseSequence = 53
        public static let recordCount = 57
    }

    /// Bytes before `batchLength` starts counting (baseOffset + batchLength itself).
    public static let logOverhead = 12
    /// Smallest legal batchLength: the header without its first 12 bytes, and no records.
    public static let minimumBatchLength = size - logOverhead
    /// Kafka's "no producer" / "no sequence" / "no epoch" values.
    public static let noProducerId: Int64 = -1
    public static let noProducerEpoch: Int16 = -1
    public static let noSequence: Int32 = -1
    public static let noPartitionLeaderEpoch: Int32 = -1
    public static let noTimestamp: Int64 = -1

    public init(baseOffset: Int64 = 0, batchLength: Int32 = 0, partitionLeaderEpoch: Int32 = RecordBatchHeader.noPartitionLeaderEpoch,
                magic: Int8 = 2, crc: UInt32 = 0, attributes: RecordBatchAttributes = RecordBatchAttributes(),
                lastOffsetDelta: Int32 = 0, baseTimestamp: Int64 = RecordBatchHeader.noTimestamp,
                maxTimestamp: Int64 = RecordBatchHeader.noTimestamp, producerId: Int64 = RecordBatchHeader.noProducerId,
                producerEpoch: Int16 = RecordBatchHeader.noProducerEpoch, baseSequence: Int32 = RecordBatchHeader.noSequence,
                recordCount: Int32 = 0) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Reads the header of the batch at the reader index without moving it and without checking
    /// the CRC or whether the rest of the batch is present.
    ///
    /// Throws `.unsupportedMagic` for legacy MessageSets (whose magic byte sits at the same offset 16),
    /// `.truncated` when fewer than 61 bytes are readable, `.corruptMessage` for an impossible batchLength.
    public init(parsing buffer: ByteBuffer) throws(RecordBatchError) {
        try self.init(parsing: buffer, at: buffer.readerIndex)
    }

    /// Same as `init(parsing:)` for the batch starting at absolute index `index`.
    public init(parsing buffer: ByteBuffer, at index: Int) throws(RecordBatchError) {
        let available = buffer.writerIndex - index
        guard index >= buffer.readerIndex, available > Offset.magic else { throw .truncated }
        let magic = buffer.getInteger(at: index + Offset.magic, as: Int8.self)!
        // Checked before anything else so a v0/v1 MessageSet is never read with v2 offsets.
        guard magic == 2 else { throw .unsupportedMagic(magic) }
        let batchLength = buffer.getInteger(at: index + Offset.batchLength, as: Int32.self)!
        guard batchLength >= Self.minimumBatchLength else {
            throw .corruptMessage("batch length \(batchLength) is smaller than the \(Self.minimumBatchLength)-byte v2 header")
        }
        guard available >= Self.size else { throw .truncated }
        self.baseOffset = buffer.getInteger(at: index + Offset.baseOffset)!
        self.batchLength = batchLength
        self.partitionLeaderEpoch = buffer.getInteger(at: index + Offset.partitionLeaderEpoch)!
        self.magic = magic
        self.crc = buffer.getInteger(at: index + Offset.crc)!
        self.attributes = try RecordBatchAttributes(rawValue: buffer.getInteger(at: index + Offset.attributes)!)
        self.lastOffsetDelta = buffer.getInteger(at: index + Offset.lastOffsetDelta)!
        self.baseTimestamp = buffer.getInteger(at: index + Offset.baseTimestamp)!
        self.maxTimestamp = buffer.getInteger(at: index + Offset.maxTimestamp)!
        self.producerId = buffer.getInteger(at: index + Offset.producerId)!
        self.producerEpoch = buffer.getInteger(at: index + Offset.producerEpoch)!
        self.baseSequence = buffer.getInteger(at: index + Offset.baseSequence)!
        self.recordCount = buffer.getInteger(at: index + Offset.recordCount)!
    }

    /// Total bytes of the batch on the wire, including baseOffset and batchLength.
    public var totalSize: Int { Int(batchLength) + Self.logOverhead }
    /// Offset of the last record (from lastOffsetDelta, which survives compaction).
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// Offset the next batch in the log will start at.
    public var nextOffset: Int64 { lastOffset + 1 }
    public var hasProducerId: Bool { producerId >= 0 }

    /// Writes all 61 bytes as they are (no length or CRC computation).
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(baseOffset)
        buffer.writeInteger(batchLength)
        buffer.writeInteger(partitionLeaderEpoch)
        buffer.writeInteger(magic)
        buffer.writeInteger(crc)
        buffer.writeInteger(attributes.rawValue)
        buffer.writeInteger(lastOffsetDelta)
        buffer.writeInteger(baseTimestamp)
        buffer.writeInteger(maxTimestamp)
        buffer.writeInteger(producerId)
        buffer.writeInteger(producerEpoch)
        buffer.writeInteger(baseSequence)
        buffer.writeInteger(recordCount)
    }
}
