import NIOCore

/// Kafka's wire primitives. Every read checks the remaining bytes first and throws
/// `KafkaDecodingError` instead of trapping; lengths and counts are checked against what remains
/// before anything is allocated, so a hostile length costs nothing.
extension ByteBuffer {
    // MARK: Fixed-width

    @inlinable
    public mutating func readKafkaInteger<T: FixedWidthInteger>(_: T.Type = T.self, field: String) throws(KafkaDecodingError) -> T {
        guard let value = readInteger(as: T.self) else { throw .truncated(field: field) }
        return value
    }

    @inlinable
    public mutating func readKafkaBool(field: String) throws(KafkaDecodingError) -> Bool {
        try readKafkaInteger(UInt8.self, field: field) != 0
    }

    @inlinable
    public mutating func writeKafkaBool(_ value: Bool) {
        writeInteger(UInt8(value ? 1 : 0))
    }

    @inlinable
    public mutating func readKafkaFloat64(field: String) throws(KafkaDecodingError) -> Double {
        Double(bitPattern: try readKafkaInteger(UInt64.self, field: field))
    }

    @inlinable
    public mutating func writeKafkaFloat64(_ value: Double) {
        writeInteger(value.bitPattern)
    }

    @inlinable
    public mutating func readKafkaUUID(field: String) throws(KafkaDecodingError) -> KafkaUUID {
        let high = try readKafkaInteger(UInt64.self, field: field)
        let low = try readKafkaInteger(UInt64.self, field: field)
        return KafkaUUID(mostSignificantBits: high, leastSignificantBits: low)
    }

    @inlinable
    public mutating func writeKafkaUUID(_ value: KafkaUUID) {
        writeInteger(value.mostSignificantBits)
        writeInteger(value.leastSignificantBits)
    }

    // MARK: Varints

    /// An unsigned LEB128 varint of at most 5 bytes.
    @inlinable
    public mutating func readUnsignedVarint() throws(KafkaDecodingError) -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated(field: "varint") }
            if shift == 28 && byte & 0xF0 != 0 { throw .invalidVarint }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    @inlinable
    public mutating func readUnsignedVarlong() throws(KafkaDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated(field: "varlong") }
            if shift == 63 && byte & 0xFE != 0 { throw .invalidVarint }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarint(_ value: UInt32) -> Int {
        writeUnsignedVarlong(UInt64(value))
    }

    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarlong(_ value: UInt64) -> Int {
        var remaining = value
        var written = 0
        while remaining >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
            written += 1
        }
        writeInteger(UInt8(remaining))
        return written + 1
    }

    /// A zig-zag signed varint (records and a few fields use these).
    @inlinable
    public mutating func readVarint() throws(KafkaDecodingError) -> Int32 {
        let raw = try readUnsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    public mutating func readVarlong() throws(KafkaDecodingError) -> Int64 {
        let raw = try readUnsignedVarlong()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    @inlinable
    public mutating func writeVarlong(_ value: Int64) {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    // MARK: Lengths

    /// A length prefix: int16 (strings), int32 (bytes, arrays) or, when compact, uvarint N+1.
    /// Returns nil for null (-1, or 0 when compact) and checks the length against the remaining bytes,
    /// each element needing at least `minimumElementSize` bytes.
    @inlinable
    public mutating func readKafkaLength(
        compact: Bool, wide: Bool, field: String, minimumElementSize: Int = 1
    ) throws(KafkaDecodingError) -> Int? {
        let length: Int
        if compact {
            length = Int(try readUnsignedVarint()) - 1
        } else if wide {
            length = Int(try readKafkaInteger(Int32.self, field: field))
        } else {
            length = Int(try readKafkaInteger(Int16.self, field: field))
        }
        if length == -1 { return nil }
        guard length >= 0 else { throw .negativeLength(field: field, length: length) }
        guard length <= readableBytes / Swift.max(minimumElementSize, 1) else {
            throw .lengthExceedsBuffer(field: field, length: length, remaining: readableBytes)
        }
        return length
    }

    @inlinable
    public mutating func writeKafkaLength(_ length: Int?, compact: Bool, wide: Bool) {
        if compact {
            writeUnsignedVarint(UInt32(truncatingIfNeeded: (length ?? -1) + 1))
        } else if wide {
            writeInteger(Int32(truncatingIfNeeded: length ?? -1))
        } else {
            writeInteger(Int16(truncatingIfNeeded: length ?? -1))
        }
    }

    // MARK: Strings

    @inlinable
    public mutating func readKafkaNullableString(compact: Bool, field: String) throws(KafkaDecodingError) -> String? {
        guard let length = try readKafkaLength(compact: compact, wide: false, field: field) else { return nil }
        guard let bytes = readSlice(length: length) else { throw .truncated(field: field) }
        guard let string = bytes.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) else {
            throw .invalidUTF8(field: field)
        }
        return string
    }

    @inlinable
    public mutating func readKafkaString(compact: Bool, field: String) throws(KafkaDecodingError) -> String {
        guard let string = try readKafkaNullableString(compact: compact, field: field) else { throw .unexpectedNull(field: field) }
        return string
    }

    @inlinable
    public mutating func writeKafkaString(_ value: String?, compact: Bool) {
        guard let value else {
            writeKafkaLength(nil, compact: compact, wide: false)
            return
        }
        writeKafkaLength(value.utf8.count, compact: compact, wide: false)
        writeString(value)
    }

    // MARK: Bytes

    /// Bytes as a slice of this buffer: no copy.
    @inlinable
    public mutating func readKafkaNullableBytes(compact: Bool, field: String) throws(KafkaDecodingError) -> ByteBuffer? {
        guard let length = try readKafkaLength(compact: compact, wide: true, field: field) else { return nil }
        guard let bytes = readSlice(length: length) else { throw .truncated(field: field) }
        return bytes
    }

    @inlinable
    public mutating func readKafkaBytes(compact: Bool, field: String) throws(KafkaDecodingError) -> ByteBuffer {
        guard let bytes = try readKafkaNullableBytes(compact: compact, field: field) else { throw .unexpectedNull(field: field) }
        return bytes
    }

    @inlinable
    public mutating func writeKafkaBytes(_ value: ByteBuffer?, compact: Bool) {
        guard let value else {
            writeKafkaLength(nil, compact: compact, wide: true)
            return
        }
        writeKafkaLength(value.readableBytes, compact: compact, wide: true)
        writeImmutableBuffer(value)
    }

    // MARK: Arrays

    /// An array's element count (nil for null), refused when more elements than bytes remain.
    @inlinable
    public mutating func readKafkaArrayCount(compact: Bool, field: String) throws(KafkaDecodingError) -> Int? {
        try readKafkaLength(compact: compact, wide: true, field: field)
    }

    // MARK: Tagged fields

    /// Reads a tagged-field section as raw fields, each a slice of this buffer; generated code
    /// decodes the tags it knows from their slice and keeps the rest to write out again.
    @inlinable
    public mutating func readKafkaTaggedFieldSection() throws(KafkaDecodingError) -> [KafkaTaggedField] {
        let count = Int(try readUnsignedVarint())
        guard count <= readableBytes / 2 else {
            throw .lengthExceedsBuffer(field: "tagged fields", length: count, remaining: readableBytes)
        }
        var fields: [KafkaTaggedField] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let tag = try readUnsignedVarint()
            let size = Int(try readUnsignedVarint())
            guard let data = readSlice(length: size) else { throw .truncated(field: "tagged field \(tag)") }
            fields.append(KafkaTaggedField(tag: tag, data: data))
        }
        return fields
    }

    /// Writes a tagged-field section in ascending tag order, as the protocol requires.
    @inlinable
    public mutating func writeKafkaTaggedFields(_ fields: [KafkaTaggedField]) {
        let ordered = fields.count > 1 ? fields.sorted { $0.tag < $1.tag } : fields
        writeUnsignedVarint(UInt32(ordered.count))
        for field in ordered {
            writeUnsignedVarint(field.tag)
            writeUnsignedVarint(UInt32(field.data.readableBytes))
            writeImmutableBuffer(field.data)
        }
    }
}
