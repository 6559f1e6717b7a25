/// A Kafka UUID (topic ids, directory ids): 16 bytes on the wire, big-endian halves.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var mostSignificantBits: UInt64
    public var leastSignificantBits: UInt64

    public init(mostSignificantBits: UInt64, leastSignificantBits: UInt64) {
        self.mostSignificantBits = mostSignificantBits
        self.leastSignificantBits = leastSignificantBits
    }

    /// Kafka's "no id" value.
    public static let zero = KafkaUUID(mostSignificantBits: 0, leastSignificantBits: 0)

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> KafkaUUID {
        KafkaUUID(mostSignificantBits: generator.next(), leastSignificantBits: generator.next())
    }

    public static func random() -> KafkaUUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public var description: String {
        func hex(_ value: UInt64, digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        let high = hex(mostSignificantBits, digits: 16), low = hex(leastSignificantBits, digits: 16)
        return "\(high.prefix(8))-\(high.dropFirst(8).prefix(4))-\(high.suffix(4))-\(low.prefix(4))-\(low.suffix(12))"
    }
}
