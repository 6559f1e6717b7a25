/// Kafka's compression codecs, numbered as in attribute bits 0-2.
public enum CompressionCodec: Int8, Sendable, CaseIterable {
    case none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4
}

/// Attribute bit 3: whether record timestamps were set by the producer or by the broker on append.
public enum TimestampType: Sendable {
    case createTime, logAppendTime
}

/// The 16-bit attributes field of a RecordBatch v2.
public struct RecordBatchAttributes: Sendable, Equatable {
    public var compression: CompressionCodec
    public var timestampType: TimestampType
    public var isTransactional: Bool
    public var isControl: Bool
    public var hasDeleteHorizon: Bool

    static let compressionMask: Int16 = 0x07
    static let timestampTypeBit: Int16 = 1 << 3
    static let transactionalBit: Int16 = 1 << 4
    static let controlBit: Int16 = 1 << 5
    static let deleteHorizonBit: Int16 = 1 << 6

    public init(compression: CompressionCodec = .none, timestampType: TimestampType = .createTime,
                isTransactional: Bool = false, isControl: Bool = false, hasDeleteHorizon: Bool = false) {
        self.compression = compression
        self.timestampType = timestampType
        self.isTransactional = isTransactional
        self.isControl = isControl
        self.hasDeleteHorizon = hasDeleteHorizon
    }

    /// Unknown high bits (7-15) are ignored, as Kafka does; an undefined codec is an error.
    public init(rawValue: Int16) throws(RecordBatchError) {
        let codecBits = Int8(rawValue & Self.compressionMask)
        guard let codec = CompressionCodec(rawValue: codecBits) else { throw .unsupportedCompression(codecBits) }
        self.compression = codec
        self.timestampType = rawValue & Self.timestampTypeBit != 0 ? .logAppendTime : .createTime
        self.isTransactional = rawValue & Self.transactionalBit != 0
        self.isControl = rawValue & Self.controlBit != 0
        self.hasDeleteHorizon = rawValue & Self.deleteHorizonBit != 0
    }

    public var rawValue: Int16 {
        var raw = Int16(compression.rawValue)
        if timestampType == .logAppendTime { raw |= Self.timestampTypeBit }
        if isTransactional { raw |= Self.transactionalBit }
        if isControl { raw |= Self.controlBit }
        if hasDeleteHorizon { raw |= Self.deleteHorizonBit }
        return raw
    }
}
