import NIOCore
@testable import PierRecords

/// Deterministic generator so failures reproduce (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

func sampleRecords(count: Int, timestamp: Int64 = 1_700_000_000_000) -> [NewRecord] {
    (0..<count).map { index in
        NewRecord(key: index % 3 == 0 ? nil : "key-\(index)",
                  value: index % 5 == 4 ? nil : "value-\(index)-" + String(repeating: "x", count: index % 17),
                  headers: index % 2 == 0 ? [("trace", "t\(index)"), ("nullable", nil)] : [],
                  timestamp: timestamp + Int64(index * 7) - (index == 2 ? 50 : 0))
    }
}

/// Encodes `batch`, failing the test on error.
func encode(_ batch: RecordBatch) throws -> ByteBuffer {
    try batch.encoded()
}

/// Catches a typed error for `#expect` comparisons.
func decodeError(_ buffer: ByteBuffer, limits: DecodingLimits = .default) -> RecordBatchError? {
    var copy = buffer
    do {
        _ = try RecordBatch(decoding: &copy, limits: limits)
        return nil
    } catch {
        return error
    }
}

extension RecordBatchError {
    var isCorruptMessage: Bool { if case .corruptMessage = self { true } else { false } }
    var isInvalidRecord: Bool { if case .invalidRecord = self { true } else { false } }
}

/// Decodes one batch from a copy of `buffer`.
func decode(_ buffer: ByteBuffer, limits: DecodingLimits = .default) throws -> RecordBatch {
    var copy = buffer
    return try RecordBatch(decoding: &copy, limits: limits)
}
