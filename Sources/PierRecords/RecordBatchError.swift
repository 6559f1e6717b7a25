/// Why bytes could not be read (or written) as a Kafka RecordBatch v2.
///
/// Each case maps onto the Kafka error code a broker answers with; see `kafkaErrorCode`.
public enum RecordBatchError: Error, Equatable, Sendable {
    /// The batch structure is damaged: CRC mismatch, impossible sizes, undecodable compressed block.
    /// Kafka: CORRUPT_MESSAGE (2).
    case corruptMessage(String)
    /// The batch is intact but its records break the format's rules (record count, record lengths,
    /// varints, producer rules). Kafka: INVALID_RECORD (87).
    case invalidRecord(String)
    /// Magic 0 or 1 (legacy MessageSet) or any other value than 2. Never read as v2.
    case unsupportedMagic(Int8)
    /// Attribute bits 0-2 name a codec Kafka does not define (5, 6, 7).
    case unsupportedCompression(Int8)
    /// Decompressing the records would exceed `DecodingLimits.maxDecompressedBytes`.
    case decompressedTooLarge(limit: Int)
    /// Fewer bytes are present than the batch announces.
    case truncated
}

extension RecordBatchError {
    /// The Kafka protocol error code a broker should answer with for this error.
    public var kafkaErrorCode: Int16 {
        switch self {
        case .corruptMessage, .truncated, .decompressedTooLarge: return 2  // CORRUPT_MESSAGE
        case .invalidRecord: return 87  // INVALID_RECORD
        // Legacy MessageSets are refused outright; the broker may prefer UNSUPPORTED_VERSION (35)
        // when the request version itself is too old, which only it can tell.
        case .unsupportedMagic: return 2
        case .unsupportedCompression: return 76  // UNSUPPORTED_COMPRESSION_TYPE
        }
    }
}

/// Bounds applied while decoding untrusted batches.
public struct DecodingLimits: Sendable, Equatable {
    /// Largest decompressed records block accepted. Decompression stops (with
    /// `.decompressedTooLarge`) instead of allocating past this, which defuses compression bombs.
    public var maxDecompressedBytes: Int
    /// Largest `batchLength` accepted before any byte of the batch is examined.
    public var maxBatchBytes: Int

    public init(maxDecompressedBytes: Int = DecodingLimits.defaultMaxDecompressedBytes,
                maxBatchBytes: Int = DecodingLimits.defaultMaxBatchBytes) {
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxBatchBytes = maxBatchBytes
    }

    /// 16 MiB: Kafka's default `message.max.bytes` (1 MiB, measured compressed) times a generous
    /// compression ratio, so ordinary batches pass while a bomb is stopped early.
    public static let defaultMaxDecompressedBytes = 16 * 1024 * 1024
    /// 100 MiB: Kafka's `socket.request.max.bytes`; no batch can legitimately be larger than its request.
    public static let defaultMaxBatchBytes = 104_857_600

    public static let `default` = DecodingLimits()
}
