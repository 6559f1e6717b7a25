import Logging
import NIOCore
import PierProtocol
import PierSecurity

/// SaslHandshake and SaslAuthenticate on a SASL listener: decodes the request, moves the
/// connection's `SASLServerSession` and encodes Kafka's answer. Failures are logged, counted and
/// answered after the per-address delay; the connection is closed after a failure's answer.
struct SASLRequestHandler: Sendable {
    let router: RequestRouter
    let credentials: CredentialStore?
    let failures: FailedAuthentications

    struct Result: Sendable {
        var outcome: RequestOutcome
        var session: SASLServerSession
        /// Close once the response is written (Kafka closes after a failed handshake or authentication).
        var closeAfterResponse: Bool
    }

    func handle(frame: ByteBuffer, session: SASLServerSession, peer: String, listener: String) async -> Result {
        var session = session
        var body = frame
        guard let header = try? RequestHeader.decode(from: &body).header, let apiKey = ApiKey(rawValue: header.requestApiKey),
              SupportedApis.supports(apiKey, version: header.requestApiVersion)
        else {
            return Result(outcome: .close(reason: "unreadable or unsupported SASL request"), session: session, closeAfterResponse: true)
        }
        let version = header.requestApiVersion
        let logger = router.context.logger
        switch apiKey {
        case .saslHandshake:
            guard let request = try? SaslHandshakeRequest(from: &body, version: version) else {
                return Result(outcome: .close(reason: "malformed SaslHandshake"), session: session, closeAfterResponse: true)
            }
            var response = SaslHandshakeResponse()
            response.mechanisms = session.enabledMechanisms.map(\.rawValue)
            let outcome = session.handshake(mechanism: request.mechanism)
            switch outcome {
            case .accepted: break
            case .unsupported:
                response.errorCode = ErrorCode.unsupportedSaslMechanism.rawValue
                router.context.metrics.authenticationFailed(mechanism: nil)
                logger.warning("authentication failed", metadata: ["peer": "\(peer)", "listener": "\(listener)",
                                                                   "reason": "unsupported SASL mechanism \(request.mechanism)"])
            case .illegalState:
                response.errorCode = ErrorCode.illegalSaslState.rawValue
            }
            return Result(outcome: router.encode(response, version: version, header: header, apiKey: apiKey), session: session,
                          closeAfterResponse: outcome != .accepted)
        case .saslAuthenticate:
            guard let request = try? SaslAuthenticateRequest(from: &body, version: version) else {
                // A token Kafka's framing cannot even carry: answered as a failed authentication.
                return await failed(session: &session, message: "malformed SaslAuthenticate request", header: header, apiKey: apiKey,
                                    peer: peer, listener: listener)
            }
            let mechanism: String? = switch session.state {
            case .awaitingAuthenticate(let mechanism): mechanism.rawValue
            case .scram(let exchange): exchange.hash.rawValue
            default: nil
            }
            let token = Array(request.authBytes.readableBytesView)
            let credentials = credentials
            var response = SaslAuthenticateResponse()
            switch session.authenticate(token: token, lookUp: { user, hash in credentials?.credential(user: user, hash: hash) }) {
            case .challenge(let bytes):
                response.authBytes = ByteBuffer(bytes: bytes)
            case let .authenticated(principal, finalToken):
                response.authBytes = ByteBuffer(bytes: finalToken)
                logger.debug("authenticated", metadata: ["peer": "\(peer)", "listener": "\(listener)", "principal": "\(principal)",
                                                         "mechanism": "\(mechanism ?? "")"])
            case .failed(let message):
                return await failed(session: &session, message: message, mechanism: mechanism, header: header, apiKey: apiKey,
                                    peer: peer, listener: listener)
            case .illegalState:
                response.errorCode = ErrorCode.illegalSaslState.rawValue
                response.errorMessage = "SaslAuthenticate without a SaslHandshake first"
                return Result(outcome: router.encode(response, version: version, header: header, apiKey: apiKey), session: session,
                              closeAfterResponse: true)
            }
            return Result(outcome: router.encode(response, version: version, header: header, apiKey: apiKey), session: session,
                          closeAfterResponse: false)
        default:
            return Result(outcome: .close(reason: "\(apiKey) is not a SASL request"), session: session, closeAfterResponse: true)
        }
    }

    private func failed(session: inout SASLServerSession, message: String, mechanism: String? = nil, header: RequestHeader, apiKey: ApiKey,
                        peer: String, listener: String) async -> Result {
        let delay = failures.failed(from: peer)
        router.context.metrics.authenticationFailed(mechanism: mechanism)
        router.context.logger.warning("authentication failed", metadata: [
            "peer": "\(peer)", "listener": "\(listener)", "mechanism": "\(mechanism ?? "")", "reason": "\(message)", "delay": "\(delay)",
        ])
        try? await Task.sleep(for: delay)
        var response = SaslAuthenticateResponse()
        response.errorCode = ErrorCode.saslAuthenticationFailed.rawValue
        response.errorMessage = message
        return Result(outcome: router.encode(response, version: header.requestApiVersion, header: header, apiKey: apiKey), session: session,
                      closeAfterResponse: true)
    }
}
