import NIOCore

/// One batch as raw bytes plus its parsed header; records are not decoded until asked.
public struct RawRecordBatch: Sendable, Equatable {
    public var header: RecordBatchHeader
    /// Exactly the batch's `header.totalSize` bytes, a slice of the enclosing buffer.
    public var bytes: ByteBuffer

    /// Reads the batch at the reader index of `bytes` (whole batch must be present).
    public init(_ bytes: ByteBuffer) throws(RecordBatchError) {
        let header = try RecordBatchHeader(parsing: bytes)
        guard bytes.readableBytes >= header.totalSize else { throw .truncated }
        self.header = header
        self.bytes = bytes.getSlice(at: bytes.readerIndex, length: header.totalSize)!
    }

    init(header: RecordBatchHeader, bytes: ByteBuffer) {
        self.header = header
        self.bytes = bytes
    }

    /// Checks the CRC-32C without decoding records.
    public func verifyCRC() throws(RecordBatchError) {
        try RecordBatch.verifyCRC(header: header, batchBytes: bytes)
    }

    /// Full decode: CRC, decompression, records.
    public func decode(limits: DecodingLimits = .default) throws(RecordBatchError) -> RecordBatch {
        try RecordBatch(verifiedHeader: header, batchBytes: bytes, limits: limits)
    }
}

/// The batches of a Kafka `records` field: zero or more RecordBatch v2 laid end to end.
///
/// Fetch responses may end in a partial batch (the broker cuts at the byte limit); with
/// `allowsTruncatedFinalBatch` such a tail ends the iteration and is reported in
/// `truncatedTailBytes`; without it (produce requests) it is `.truncated`.
public struct RecordBatchSequence: Sendable {
    public let buffer: ByteBuffer
    public let allowsTruncatedFinalBatch: Bool
    public let limits: DecodingLimits

    public init(_ buffer: ByteBuffer, allowsTruncatedFinalBatch: Bool = false, limits: DecodingLimits = .default) {
        self.buffer = buffer
        self.allowsTruncatedFinalBatch = allowsTruncatedFinalBatch
        self.limits = limits
    }

    /// Iterates raw batches; call `next()` until it returns nil.
    public struct Iterator: Sendable {
        var remaining: ByteBuffer
        let allowsTruncatedFinalBatch: Bool
        let limits: DecodingLimits
        /// Bytes of a partial final batch that were skipped (only when allowed).
        public private(set) var truncatedTailBytes = 0

        public mutating func next() throws(RecordBatchError) -> RawRecordBatch? {
            guard remaining.readableBytes > 0 else { return nil }
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: remaining)
            } catch .truncated where allowsTruncatedFinalBatch {
                return stopAtTruncatedTail()
            } catch .unsupportedCompression(let codec) {
                // As in RecordBatch(decoding:): damage to the attributes byte is a CRC mismatch.
                throw RecordBatch.crcMismatchOrUnsupportedCompression(remaining, codec: codec)
            }
            guard Int(header.batchLength) <= limits.maxBatchBytes else {
                throw .corruptMessage("batch length \(header.batchLength) exceeds the limit of \(limits.maxBatchBytes) bytes")
            }
            guard remaining.readableBytes >= header.totalSize else {
                if allowsTruncatedFinalBatch { return stopAtTruncatedTail() }
                throw .truncated
            }
            let bytes = remaining.readSlice(length: header.totalSize)!
            return RawRecordBatch(header: header, bytes: bytes)
        }

        mutating func stopAtTruncatedTail() -> RawRecordBatch? {
            truncatedTailBytes = remaining.readableBytes
            remaining.moveReaderIndex(forwardBy: remaining.readableBytes)
            return nil
        }

        /// Next batch fully decoded (CRC checked, records parsed).
        public mutating func nextDecoded() throws(RecordBatchError) -> RecordBatch? {
            guard let raw = try next() else { return nil }
            return try raw.decode(limits: limits)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(remaining: buffer, allowsTruncatedFinalBatch: allowsTruncatedFinalBatch, limits: limits)
    }

    /// All whole batches as raw slices (headers parsed, CRC not checked).
    public func rawBatches() throws(RecordBatchError) -> [RawRecordBatch] {
        var iterator = makeIterator()
        var batches: [RawRecordBatch] = []
        while let batch = try iterator.next() { batches.append(batch) }
        return batches
    }

    /// All whole batches fully decoded.
    public func decodeAll() throws(RecordBatchError) -> [RecordBatch] {
        var iterator = makeIterator()
        var batches: [RecordBatch] = []
        while let batch = try iterator.nextDecoded() { batches.append(batch) }
        return batches
    }
}
