import NIOCore

/// One header of a record: a UTF-8 key and an optional byte value.
public struct RecordHeader: Sendable, Equatable {
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

/// One record inside a RecordBatch v2, with offset and timestamp relative to the batch.
///
/// When decoded, `key` and `value` are slices of the (decompressed) batch bytes, not copies.
public struct Record: Sendable, Equatable {
    /// Unused by Kafka so far; carried through unchanged.
    public var attributes: Int8
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(attributes: Int8 = 0, timestampDelta: Int64, offsetDelta: Int32,
                key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = []) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// Input to `RecordBatch.make`: a record with absolute timestamp; offsets are assigned in order.
public struct NewRecord: Sendable, Equatable {
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]
    /// Milliseconds since the epoch (CreateTime).
    public var timestamp: Int64

    public init(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestamp: Int64) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// Convenience for strings (tests, tools).
    public init(key: String?, value: String?, headers: [(String, String?)] = [], timestamp: Int64) {
        self.key = key.map { ByteBuffer(string: $0) }
        self.value = value.map { ByteBuffer(string: $0) }
        self.headers = headers.map { RecordHeader(key: $0.0, value: $0.1.map { ByteBuffer(string: $0) }) }
        self.timestamp = timestamp
    }
}
