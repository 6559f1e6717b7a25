/// The SASL mechanisms Pier serves, by the names clients send in SaslHandshake.
public enum SASLMechanism: String, CaseIterable, Sendable {
    case plain = "PLAIN"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA512 = "SCRAM-SHA-512"

    /// The SCRAM hash of a SCRAM mechanism (nil for PLAIN).
    public var scram: ScramHash? {
        switch self {
        case .plain: nil
        case .scramSHA256: .sha256
        case .scramSHA512: .sha512
        }
    }
}
