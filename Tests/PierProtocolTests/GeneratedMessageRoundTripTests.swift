import NIOCore
import PierProtocol
import Testing

/// Every generated message at every valid version: encode a random instance, decode it, and expect
/// the same value with every byte consumed; then encode again and expect the same bytes.
@Suite struct GeneratedMessageRoundTripTests {
    static let iterationsPerVersion = 25

    @Test func everyScheduledMessageIsCovered() {
        #expect(AllMessages.types.count == 186)
    }

    @Test(arguments: AllMessages.types.map { ObjectIdentifier($0) })
    func roundTripsEveryVersion(_ id: ObjectIdentifier) throws {
        let type = AllMessages.types.first { ObjectIdentifier($0) == id }!
        try Self.check(type)
    }

    static func check<M: ArbitraryKafkaMessage>(_ type: M.Type) throws {
        for version in M.validVersions {
            var random = ArbitraryValues(seed: UInt64(bitPattern: Int64(version)) &* 1_000_003 &+ UInt64(M.messageName.utf8.count))
            for iteration in 0..<iterationsPerVersion {
                let value = M.arbitrary(version: version, using: &random)
                var encoded = ByteBuffer()
                try value.encode(into: &encoded, version: version)
                var reading = encoded
                let decoded = try M(from: &reading, version: version)
                #expect(decoded == value, "\(M.messageName) v\(version) iteration \(iteration) changed in a round trip")
                #expect(reading.readableBytes == 0, "\(M.messageName) v\(version) left \(reading.readableBytes) bytes unread")
                var reencoded = ByteBuffer()
                try decoded.encode(into: &reencoded, version: version)
                #expect(reencoded == encoded, "\(M.messageName) v\(version) re-encoded differently")
                if decoded != value { return }  // one report per message is enough
            }
        }
    }
}

