import Foundation

/// The server's side of one SCRAM exchange (RFC 5802 §5), as a value: client-first in, server-first
/// out; client-final in, server-final out (or a failure). No I/O: the caller looks the user's
/// credential up between the two steps and hands it in.
public struct ScramServerExchange: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// The message is not what SCRAM expects at this step.
        case malformed(String)
        /// Unknown user, wrong proof, or a nonce or channel binding that does not match.
        case invalidCredentials
        /// A message arrived after the exchange ended (or before it began).
        case outOfOrder
    }

    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingCredential(ClientFirst)
        case awaitingClientFinal(ClientFirst, ScramCredential, serverFirst: String, nonce: String)
        case finished
    }

    struct ClientFirst: Sendable {
        var gs2Header: String
        var bare: String
        var user: String
        var nonce: String
    }

    public let hash: ScramHash
    private var state = State.awaitingClientFirst

    public init(hash: ScramHash) { self.hash = hash }

    /// Reads client-first-message and returns the user name whose credential the next step needs.
    public mutating func receiveClientFirst(_ message: [UInt8]) throws(Failure) -> String {
        guard case .awaitingClientFirst = state else { throw .outOfOrder }
        state = .finished
        guard let text = String(validating: message, as: UTF8.self) else { throw .malformed("client-first-message is not UTF-8") }
        // gs2-header: "n,," or "y,," (no channel binding), optionally with "a=authzid".
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "n" || parts[0] == "y" else {
            throw .malformed("client-first-message must start n,, or y,, (channel binding is not supported)")
        }
        let bare = String(parts[2])
        let attributes = bare.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("n="), attributes[1].hasPrefix("r="),
              let user = Self.decodeSaslName(attributes[0].dropFirst(2)), !user.isEmpty
        else { throw .malformed("client-first-message-bare must be n=USER,r=NONCE[,extensions]") }
        if !parts[1].isEmpty {
            guard parts[1].hasPrefix("a="), Self.decodeSaslName(parts[1].dropFirst(2)) == user else {
                throw .malformed("an authorization id other than the user is not supported")
            }
        }
        let nonce = String(attributes[1].dropFirst(2))
        guard !nonce.isEmpty, nonce.allSatisfy({ $0.isASCII && $0 != "," && $0.asciiValue.map { $0 > 0x20 && $0 < 0x7F } == true }) else {
            throw .malformed("the client nonce must be printable ASCII")
        }
        // Kafka's extensions: tokenauth=true asks for a delegation token, which Pier does not issue.
        if attributes.dropFirst(2).contains(where: { $0 == "tokenauth=true" }) { throw .invalidCredentials }
        state = .awaitingCredential(ClientFirst(gs2Header: String(parts[0]) + "," + parts[1] + ",", bare: bare, user: user, nonce: nonce))
        return user
    }

    /// The server-first-message for the user's credential; nil credential (an unknown user) fails.
    public mutating func serverFirst(credential: ScramCredential?, serverNonce: String = Self.randomNonce()) throws(Failure) -> [UInt8] {
        guard case .awaitingCredential(let first) = state else { throw .outOfOrder }
        state = .finished
        guard let credential, credential.hash == hash else { throw .invalidCredentials }
        let nonce = first.nonce + serverNonce
        let message = "r=\(nonce),s=\(Data(credential.salt).base64EncodedString()),i=\(credential.iterations)"
        state = .awaitingClientFinal(first, credential, serverFirst: message, nonce: nonce)
        return Array(message.utf8)
    }

    /// Checks client-final-message's proof and returns server-final-message (`v=` + signature).
    public mutating func receiveClientFinal(_ message: [UInt8]) throws(Failure) -> (serverFinal: [UInt8], user: String) {
        guard case let .awaitingClientFinal(first, credential, serverFirst, nonce) = state else { throw .outOfOrder }
        state = .finished
        guard let text = String(validating: message, as: UTF8.self), let proofStart = text.range(of: ",p=", options: .backwards) else {
            throw .malformed("client-final-message must end with ,p=PROOF")
        }
        let withoutProof = String(text[..<proofStart.lowerBound])
        let attributes = withoutProof.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("c="), attributes[1].hasPrefix("r="),
              let proof = Data(base64Encoded: String(text[proofStart.upperBound...])).map(Array.init)
        else { throw .malformed("client-final-message must be c=BINDING,r=NONCE[,extensions],p=PROOF") }
        // The nonce must end with the server's (Kafka's check): librdkafka sends its own nonce again in front.
        guard attributes[0].dropFirst(2) == Data(first.gs2Header.utf8).base64EncodedString(), attributes[1].dropFirst(2).hasSuffix(nonce) else {
            throw .invalidCredentials
        }
        let authMessage = Array("\(first.bare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = hash.hmac(key: credential.storedKey, authMessage)
        guard proof.count == clientSignature.count else { throw .invalidCredentials }
        let clientKey = zip(proof, clientSignature).map { $0 ^ $1 }
        guard constantTimeEqual(hash.hash(clientKey), credential.storedKey) else { throw .invalidCredentials }
        let serverSignature = hash.hmac(key: credential.serverKey, authMessage)
        return (Array("v=\(Data(serverSignature).base64EncodedString())".utf8), first.user)
    }

    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
            .replacingOccurrences(of: ",", with: "-")
    }

    /// saslname (RFC 5802 §5.1): "=2C" is ",", "=3D" is "="; any other "=" is malformed.
    static func decodeSaslName(_ name: Substring) -> String? {
        var result = ""
        var index = name.startIndex
        while index < name.endIndex {
            if name[index] == "=" {
                let code = name[index...].prefix(3)
                switch code {
                case "=2C": result.append(",")
                case "=3D": result.append("=")
                default: return nil
                }
                index = name.index(index, offsetBy: 3)
            } else {
                result.append(name[index])
                index = name.index(after: index)
            }
        }
        return result
    }
}
