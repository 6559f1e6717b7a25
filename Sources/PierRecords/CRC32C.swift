import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2.
///
/// `seed` is a previous result, so checksums chain: `checksum(b, seed: checksum(a)) == checksum(a + b)`.
public enum CRC32C {
    /// Which implementation computes the checksum; all give identical results.
    public enum Implementation: Sendable, CaseIterable {
        /// The CPU instruction when present, otherwise the table-driven code.
        case automatic
        /// Slicing-by-8 tables; forced by tests and benchmarks to check and measure the fallback.
        case portable
        /// The CPU instruction (SSE4.2 / ARMv8 CRC); falls back to `portable` where absent.
        case hardware
    }

    /// Whether this CPU and build run `Implementation.hardware` on the CRC instruction.
    public static var isHardwareAccelerated: Bool { pier_crc32c_hardware_available() != 0 }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        pier_crc32c(seed, bytes.baseAddress, bytes.count)
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0, using implementation: Implementation) -> UInt32 {
        switch implementation {
        case .automatic:
            return pier_crc32c(seed, bytes.baseAddress, bytes.count)
        case .portable:
            return pier_crc32c_portable(seed, bytes.baseAddress, bytes.count)
        case .hardware:
            guard isHardwareAccelerated else { return pier_crc32c_portable(seed, bytes.baseAddress, bytes.count) }
            return pier_crc32c_hardware(seed, bytes.baseAddress, bytes.count)
        }
    }

    /// Checksum of the readable bytes of `buffer`.
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0) }
    }

    public static func checksum(_ buffer: ByteBuffer, seed: UInt32 = 0, using implementation: Implementation) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0, seed: seed, using: implementation) }
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes, seed: UInt32 = 0) -> UInt32 where Bytes.Element == UInt8 {
        let array = Array(bytes)
        return array.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
