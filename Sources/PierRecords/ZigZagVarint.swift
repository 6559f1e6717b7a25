import NIOCore

/// Kafka's zig-zag varints (protobuf style: 7 bits per byte, least significant group first,
/// high bit = more bytes follow), as used inside RecordBatch v2 records.
enum ZigZag {
    @inline(__always) static func encode(_ value: Int32) -> UInt32 { UInt32(bitPattern: (value << 1) ^ (value >> 31)) }
    @inline(__always) static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    @inline(__always) static func decode(_ raw: UInt32) -> Int32 { Int32(bitPattern: raw >> 1) ^ -Int32(bitPattern: raw & 1) }
    @inline(__always) static func decode(_ raw: UInt64) -> Int64 { Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1) }

    /// Bytes the zig-zag varint encoding of `value` takes.
    @inline(__always) static func size(of value: Int32) -> Int { unsignedSize(UInt64(encode(value))) }
    @inline(__always) static func size(of value: Int64) -> Int { unsignedSize(encode(value)) }

    @inline(__always) static func unsignedSize(_ raw: UInt64) -> Int {
        // 1 + floor(bitsUsed - 1) / 7, with 0 taking one byte.
        let bitsUsed = 64 - (raw | 1).leadingZeroBitCount
        return (bitsUsed + 6) / 7
    }

    /// Writes at `pointer`, returns bytes written. The caller reserved `size(of:)` bytes.
    @inline(__always) static func write(_ value: Int64, to pointer: UnsafeMutableRawPointer) -> Int {
        var raw = encode(value)
        var written = 0
        while raw >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: raw) | 0x80, toByteOffset: written, as: UInt8.self)
            raw >>= 7
            written += 1
        }
        pointer.storeBytes(of: UInt8(raw), toByteOffset: written, as: UInt8.self)
        return written + 1
    }

    @inline(__always) static func write(_ value: Int32, to pointer: UnsafeMutableRawPointer) -> Int {
        // The 32-bit zig-zag value, written unsigned (not sign-extended to 64 bits).
        var raw = encode(value)
        var written = 0
        while raw >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: raw) | 0x80, toByteOffset: written, as: UInt8.self)
            raw >>= 7
            written += 1
        }
        pointer.storeBytes(of: UInt8(raw), toByteOffset: written, as: UInt8.self)
        return written + 1
    }
}

extension ByteBuffer {
    /// Appends a zig-zag varint (used by tests and builders off the hot path).
    mutating func writeZigZagVarint(_ value: Int32) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 5) { ZigZag.write(value, to: $0.baseAddress!) }
    }

    mutating func writeZigZagVarlong(_ value: Int64) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 10) { ZigZag.write(value, to: $0.baseAddress!) }
    }
}

/// Bounds-checked reader over raw bytes; `end` is the end of the enclosing record, so a field can
/// never be read from the next record. Errors name the record's start (`recordStart`).
struct RecordCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    var end: Int
    var recordStart = 0

    @inline(__always) mutating func readByte() throws(RecordBatchError) -> UInt8 {
        guard position < end else { throw pastEnd() }
        let byte = bytes[position]
        position += 1
        return byte
    }

    @inline(never) func pastEnd() -> RecordBatchError {
        .invalidRecord("record at byte \(recordStart) is shorter than its fields")
    }

    @inline(never) func varintTooLong() -> RecordBatchError {
        .invalidRecord("malformed varint in record at byte \(recordStart)")
    }

    /// Like Kafka's ByteUtils.readVarint: at most 5 bytes; bits beyond 32 are dropped, as Java does.
    @inline(__always) mutating func readVarint() throws(RecordBatchError) -> Int32 {
        var raw: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let byte = try readByte()
            raw |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return ZigZag.decode(raw) }
            shift += 7
            if shift > 28 { throw varintTooLong() }
        }
    }

    /// Reads a record's length and the fields before its key, from `position`; from then on `end` is
    /// the record's end, so no field can be read from the next record.
    @inline(__always) mutating func readRecordStart() throws(RecordBatchError) -> (end: Int, attributes: Int8, timestampDelta: Int64, offsetDelta: Int32) {
        let start = position
        recordStart = start
        end = bytes.count
        let length = try readVarint()
        guard length >= 0, Int(length) <= bytes.count - position else {
            throw .invalidRecord("record at byte \(start) declares length \(length) but \(bytes.count - position) bytes remain")
        }
        end = position + Int(length)
        let attributes = Int8(bitPattern: try readByte())
        let timestampDelta = try readVarlong()
        let offsetDelta = try readVarint()
        return (end, attributes, timestampDelta, offsetDelta)
    }

    /// A length-prefixed byte field (-1 = null): where its bytes are in `bytes`, never past the record's end.
    @inline(__always) mutating func readByteField() throws(RecordBatchError) -> Range<Int>? {
        let length = try readVarint()
        if length == -1 { return nil }
        guard length >= 0 else {
            throw .invalidRecord("negative length \(length) for a byte field in record at byte \(recordStart)")
        }
        guard Int(length) <= end - position else { throw pastEnd() }
        defer { position += Int(length) }
        return position..<(position + Int(length))
    }

    /// Like Kafka's ByteUtils.readVarlong: at most 10 bytes.
    @inline(__always) mutating func readVarlong() throws(RecordBatchError) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return ZigZag.decode(raw) }
            shift += 7
            if shift > 63 { throw varintTooLong() }
        }
    }
}
