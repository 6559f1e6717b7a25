import Crypto
import Foundation

/// What is stored of a password for one SCRAM mechanism (RFC 5802 §3): enough to check a client's
/// proof and sign the server's answer, not enough to log in with.
public struct ScramCredential: Equatable, Sendable {
    public var hash: ScramHash
    public var salt: [UInt8]
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]
    public var iterations: Int

    public init(hash: ScramHash, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8], iterations: Int) {
        self.hash = hash
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
        self.iterations = iterations
    }

    /// The keys of a salted password (as AlterUserScramCredentials carries it: the client salts).
    public init(hash: ScramHash, salt: [UInt8], saltedPassword: [UInt8], iterations: Int) {
        let clientKey = hash.hmac(key: saltedPassword, Array("Client Key".utf8))
        self.init(hash: hash, salt: salt, storedKey: hash.hash(clientKey),
                  serverKey: hash.hmac(key: saltedPassword, Array("Server Key".utf8)), iterations: iterations)
    }

    /// A credential for `password` with a fresh random salt.
    public init(hash: ScramHash, password: String, iterations: Int = ScramHash.minimumIterations) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(hash: hash, salt: salt, saltedPassword: hash.saltedPassword(password, salt: salt, iterations: iterations), iterations: iterations)
    }

    /// Whether `password` is the one this credential was made from (PLAIN logins), compared in constant time.
    public func matches(password: String) -> Bool {
        let candidate = ScramCredential(hash: hash, salt: salt, saltedPassword: hash.saltedPassword(password, salt: salt, iterations: iterations),
                                        iterations: iterations)
        return constantTimeEqual(candidate.storedKey, storedKey)
    }
}

func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}
