import Crypto
import NIOCore
import PierStorage

/// The SHA-256 that `pier replay --verify` prints: over the records of the range in offset order,
/// each encoded as (all integers big-endian, lengths in bytes)
///
///     offset        int64
///     timestamp     int64   (milliseconds since the epoch, as a consumer sees it)
///     key length    int32   (-1 for a null key), then the key's bytes
///     value length  int32   (-1 for a null value), then the value's bytes
///     header count  int32, then per header:
///         key length int32, the key's UTF-8 bytes, value length int32 (-1 for null), the value's bytes
///
/// Two replays of the same range print the same digest exactly when every record agrees in offset,
/// timestamp, key, value and headers; the encoding is unambiguous, so no two different ranges
/// share a byte stream.
public struct ReplayChecksum {
    private var hasher = SHA256()
    /// Encoded records waiting to be hashed: hashing in 64 KiB pieces, not per record.
    private var pending = ByteBuffer()
    public private(set) var recordCount = 0

    public init() {
        pending.reserveCapacity(80 * 1024)
    }

    public mutating func add(_ record: StoredRecord) {
        Self.encode(record, into: &pending)
        recordCount += 1
        if pending.readableBytes >= 64 * 1024 { drain() }
    }

    /// The digest of the records added so far, as lowercase hex; adding may go on.
    public mutating func digest() -> String {
        drain()
        return Self.hex(hasher.finalize())
    }

    private mutating func drain() {
        pending.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        pending.clear()
    }

    /// The canonical encoding of one record (see the type's documentation).
    public static func encode(_ record: StoredRecord, into out: inout ByteBuffer) {
        out.writeInteger(record.offset)
        out.writeInteger(record.timestamp)
        writeBytes(record.key, into: &out)
        writeBytes(record.value, into: &out)
        out.writeInteger(Int32(record.headers.count))
        for header in record.headers {
            out.writeInteger(Int32(header.key.utf8.count))
            out.writeString(header.key)
            writeBytes(header.value, into: &out)
        }
    }

    private static func writeBytes(_ bytes: ByteBuffer?, into out: inout ByteBuffer) {
        guard let bytes else { out.writeInteger(Int32(-1)); return }
        out.writeInteger(Int32(bytes.readableBytes))
        out.writeImmutableBuffer(bytes)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
