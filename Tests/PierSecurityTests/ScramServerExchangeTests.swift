import Foundation
@testable import PierSecurity
import Testing

@Suite struct ScramServerExchangeTests {
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
    static let clientFirst = Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8)
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let clientFinal = Array("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8)
    static var pencil: ScramCredential {
        ScramCredential(hash: .sha256, salt: salt, saltedPassword: ScramHash.sha256.saltedPassword("pencil", salt: salt, iterations: 4096), iterations: 4096)
    }

    /// RFC 7677 §3's SCRAM-SHA-256 example, byte for byte.
    @Test func rfc7677Example() throws {
        var exchange = ScramServerExchange(hash: .sha256)
        #expect(try exchange.receiveClientFirst(Self.clientFirst) == "user")
        let serverFirst = try exchange.serverFirst(credential: Self.pencil, serverNonce: Self.serverNonce)
        #expect(String(decoding: serverFirst, as: UTF8.self) == "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        let (serverFinal, user) = try exchange.receiveClientFinal(Self.clientFinal)
        #expect(String(decoding: serverFinal, as: UTF8.self) == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        #expect(user == "user")
        // The exchange is over: a replayed final message is out of order.
        #expect(throws: ScramServerExchange.Failure.outOfOrder) { try exchange.receiveClientFinal(Self.clientFinal) }
    }

    @Test func wrongPasswordUnknownUserAndForeignNonceFail() throws {
        var wrong = ScramServerExchange(hash: .sha256)
        _ = try wrong.receiveClientFirst(Self.clientFirst)
        _ = try wrong.serverFirst(credential: ScramCredential(hash: .sha256, password: "not pencil"), serverNonce: Self.serverNonce)
        #expect(throws: ScramServerExchange.Failure.invalidCredentials) { try wrong.receiveClientFinal(Self.clientFinal) }

        var unknown = ScramServerExchange(hash: .sha256)
        _ = try unknown.receiveClientFirst(Self.clientFirst)
        #expect(throws: ScramServerExchange.Failure.invalidCredentials) { try unknown.serverFirst(credential: nil) }

        var otherNonce = ScramServerExchange(hash: .sha256)
        _ = try otherNonce.receiveClientFirst(Self.clientFirst)
        _ = try otherNonce.serverFirst(credential: Self.pencil, serverNonce: "another")
        #expect(throws: ScramServerExchange.Failure.invalidCredentials) { try otherNonce.receiveClientFinal(Self.clientFinal) }
    }

    @Test(arguments: ["", "p=tls-unique,,n=user,r=abc", "n,,r=abc", "n,,n=us=er,r=abc", "n,a=other,n=user,r=abc", "n,,n=user,r=", "\u{FF}"])
    func malformedClientFirstIsRefused(_ message: String) {
        var exchange = ScramServerExchange(hash: .sha512)
        #expect(throws: ScramServerExchange.Failure.self) { try exchange.receiveClientFirst(Array(message.utf8)) }
    }

    @Test func saslNamesAreDecoded() {
        #expect(ScramServerExchange.decodeSaslName("a=2Cb=3Dc") == "a,b=c")
        #expect(ScramServerExchange.decodeSaslName("a=") == nil)
    }
}

/// A SCRAM client computed from RFC 5802's formulas, to drive the server end to end.
struct ScramTestClient {
    var hash: ScramHash
    var user: String
    var password: String
    var nonce = "fyko+d2lbbFgONRv9qkxdawL"
    /// librdkafka sends its own nonce again in front of the server's combined one; Kafka accepts that.
    var repeatsClientNonce = false

    var clientFirst: [UInt8] { Array("n,,n=\(user),r=\(nonce)".utf8) }

    func clientFinal(serverFirst: [UInt8]) -> [UInt8] {
        let text = String(decoding: serverFirst, as: UTF8.self)
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") { fields[String(part.prefix(1))] = String(part.dropFirst(2)) }
        let salt = Array(Data(base64Encoded: fields["s"]!)!)
        let salted = hash.saltedPassword(password, salt: salt, iterations: Int(fields["i"]!)!)
        let clientKey = hash.hmac(key: salted, Array("Client Key".utf8))
        let withoutProof = "c=biws,r=\(repeatsClientNonce ? nonce : "")\(fields["r"]!)"
        let authMessage = Array("n=\(user),r=\(nonce),\(text),\(withoutProof)".utf8)
        let signature = hash.hmac(key: hash.hash(clientKey), authMessage)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }
}

@Suite struct ScramSessionRoundTripTests {
    @Test(arguments: ScramHash.allCases, [false, true]) func aClientWithTheRightPasswordGetsIn(_ hash: ScramHash, librdkafkaNonce: Bool) throws {
        let credential = ScramCredential(hash: hash, password: "s3cret")
        var session = SASLServerSession(enabledMechanisms: SASLMechanism.allCases)
        #expect(session.handshake(mechanism: hash.rawValue) == .accepted)
        let client = ScramTestClient(hash: hash, user: "alice", password: "s3cret", repeatsClientNonce: librdkafkaNonce)
        let lookUp: (String, ScramHash) -> ScramCredential? = { user, wanted in user == "alice" && wanted == hash ? credential : nil }
        guard case .challenge(let serverFirst) = session.authenticate(token: client.clientFirst, lookUp: lookUp) else {
            Issue.record("no challenge")
            return
        }
        let outcome = session.authenticate(token: client.clientFinal(serverFirst: serverFirst), lookUp: lookUp)
        guard case .authenticated(let principal, let serverFinal) = outcome else {
            Issue.record("refused: \(outcome)")
            return
        }
        #expect(principal.description == "User:alice")
        #expect(String(decoding: serverFinal, as: UTF8.self).hasPrefix("v="))
    }
}
