import NIOCore
import PierProtocol

/// A message that can build a random instance of itself for a version (generated per message).
protocol ArbitraryKafkaMessage: KafkaMessage {
    static func arbitrary(version: Int16, using random: inout ArbitraryValues) -> Self
}

/// Seeded randomness for property tests: the same seed gives the same values, so a failure replays.
struct ArbitraryValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func null() -> Bool { below(4) == 0 }
    mutating func count() -> Int { below(4) }

    /// Edge values often: 0, -1, the extremes; otherwise anything.
    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T {
        switch below(6) {
        case 0: return 0
        case 1: return T.min
        case 2: return T.max
        case 3: return T.isSigned ? T(truncatingIfNeeded: -1) : 1
        default: return T(truncatingIfNeeded: next())
        }
    }

    mutating func float64() -> Double {
        [0, -1.5, 1e300, Double.leastNonzeroMagnitude, Double(next() % 1_000_000) / 7][below(5)]
    }

    mutating func uuid() -> KafkaUUID { below(3) == 0 ? .zero : KafkaUUID(mostSignificantBits: next(), leastSignificantBits: next()) }

    mutating func string() -> String {
        let alphabet = Array("abcXYZ019._-/ é€🐟")
        return String((0..<below(12)).map { _ in alphabet[below(alphabet.count)] })
    }

    mutating func bytes() -> ByteBuffer {
        ByteBuffer(bytes: (0..<below(40)).map { _ in UInt8(truncatingIfNeeded: next()) })
    }

    /// Tags the struct does not define, ascending as they travel, with random payloads.
    mutating func unknownTaggedFields(avoiding known: Set<UInt32>) -> [KafkaTaggedField] {
        guard bool() else { return [] }
        var fields: [KafkaTaggedField] = []
        var tag = UInt32(below(4))
        for _ in 0..<(1 + below(2)) {
            while known.contains(tag) { tag += 1 }
            fields.append(KafkaTaggedField(tag: tag, data: bytes()))
            tag += UInt32(1 + below(300))
        }
        return fields
    }
}
