import Crypto
import Foundation

/// The hash a SCRAM mechanism is built on (RFC 5802 §2.2: H, HMAC and Hi), with SHA-256 (RFC 7677)
/// or SHA-512 as Kafka's SCRAM-SHA-512.
public enum ScramHash: String, CaseIterable, Sendable {
    case sha256 = "SCRAM-SHA-256"
    case sha512 = "SCRAM-SHA-512"

    public var mechanism: SASLMechanism { self == .sha256 ? .scramSHA256 : .scramSHA512 }

    /// Kafka's smallest (and default) iteration count.
    public static let minimumIterations = 4096

    func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch self {
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    /// Hi(password, salt, i): PBKDF2 with this HMAC and one block of output.
    func saltedPassword(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = Array(password.utf8)
        var block = hmac(key: key, salt + [0, 0, 0, 1])
        var result = block
        for _ in 1..<max(iterations, 1) {
            block = hmac(key: key, block)
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }
}
