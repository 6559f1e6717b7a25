/// One record's fields read in place from an uncompressed batch: `key` and `value` point into the
/// batch's bytes (nil for a null field), valid as long as those bytes are.
public struct RecordInPlace {
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    public var key: UnsafeRawBufferPointer?
    public var value: UnsafeRawBufferPointer?
    /// Whether the record has headers. They are skipped, not read: a caller that needs them takes
    /// them from the decoded batch (`RecordBatch.records`), where they already are.
    public var hasHeaders: Bool

    public init(timestampDelta: Int64, offsetDelta: Int32, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, hasHeaders: Bool) {
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.hasHeaders = hasHeaders
    }
}

/// The records of an uncompressed batch, read where they lie, one after another, without making
/// `Record` values: no allocation and no reference counting per record. For hot paths that copy
/// fields elsewhere (storage binding keys and values into SQL rows); everything else decodes with
/// `RecordBatch(decoding:)`, which checks the same framing.
public struct RecordsInPlace {
    private var cursor: RecordCursor

    /// `records` is the part of a batch after its header (`RecordBatchHeader.size` on), uncompressed.
    public init(records: UnsafeRawBufferPointer) {
        cursor = RecordCursor(bytes: records, position: 0, end: records.count)
    }

    /// The next record, or nil after the last; throws on bytes that do not frame a record.
    public mutating func next() throws(RecordBatchError) -> RecordInPlace? {
        guard cursor.position < cursor.bytes.count else { return nil }
        let (recordEnd, _, timestampDelta, offsetDelta) = try cursor.readRecordStart()
        let key = try readBytes()
        let value = try readBytes()
        let headerCount = try cursor.readVarint()
        cursor.position = recordEnd
        return RecordInPlace(timestampDelta: timestampDelta, offsetDelta: offsetDelta, key: key, value: value, hasHeaders: headerCount != 0)
    }

    @inline(__always)
    private mutating func readBytes() throws(RecordBatchError) -> UnsafeRawBufferPointer? {
        try cursor.readByteField().map { UnsafeRawBufferPointer(rebasing: cursor.bytes[$0]) }
    }
}
