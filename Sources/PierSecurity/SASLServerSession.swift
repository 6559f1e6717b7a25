/// One connection's SASL conversation on a SASL listener, as a value: which requests may come
/// next, what a SaslHandshake or SaslAuthenticate token leads to, and who the client is once it has
/// authenticated. The connection feeds events and performs the actions; credentials come in through
/// `lookUp`, so the tests drive it without sockets or files.
public struct SASLServerSession: Sendable {
    public enum State: Sendable {
        case awaitingHandshake
        case awaitingAuthenticate(SASLMechanism)
        case scram(ScramServerExchange)
        case authenticated(KafkaPrincipal)
        /// Failed: the connection is answered once more and closed.
        case failed
    }

    /// What the connection does with a request before authentication completes.
    public enum Admission: Equatable, Sendable {
        /// Route it as usual (ApiVersions, anything once authenticated).
        case route
        /// It is SaslHandshake or SaslAuthenticate: answer through `handshake` / `authenticate`.
        case authenticate
        /// Kafka closes the connection: no response, since an unauthenticated client may not make
        /// this request (or it came in the middle of an exchange).
        case refuse(String)
    }

    public enum HandshakeOutcome: Equatable, Sendable {
        case accepted
        /// UNSUPPORTED_SASL_MECHANISM, with the enabled mechanisms; the connection closes after it.
        case unsupported(enabled: [String])
        /// ILLEGAL_SASL_STATE: a handshake when one was not expected; the connection closes after it.
        case illegalState
    }

    public enum AuthenticateOutcome: Equatable, Sendable {
        /// Send this token back; the client continues (SCRAM's server-first).
        case challenge([UInt8])
        /// Authenticated: send this final token (empty for PLAIN).
        case authenticated(KafkaPrincipal, finalToken: [UInt8])
        /// SASL_AUTHENTICATION_FAILED with this message; the connection closes after it.
        case failed(String)
        /// ILLEGAL_SASL_STATE: no handshake came first.
        case illegalState
    }

    public private(set) var state = State.awaitingHandshake
    public let enabledMechanisms: [SASLMechanism]

    public init(enabledMechanisms: [SASLMechanism]) { self.enabledMechanisms = enabledMechanisms }

    public var principal: KafkaPrincipal? {
        if case .authenticated(let principal) = state { return principal }
        return nil
    }

    /// `isApiVersions`, `isSASL`: what the request's API key is.
    public func admit(isApiVersions: Bool, isSASL: Bool) -> Admission {
        switch state {
        case .authenticated:
            // KIP-368 re-authentication is not served: a second handshake is ILLEGAL_SASL_STATE.
            return isSASL ? .authenticate : .route
        case .awaitingHandshake:
            if isApiVersions { return .route }
            return isSASL ? .authenticate : .refuse("a request other than ApiVersions or SaslHandshake before authentication")
        case .awaitingAuthenticate, .scram:
            return isSASL ? .authenticate : .refuse("a request other than SaslAuthenticate during SASL authentication")
        case .failed:
            return .refuse("authentication failed")
        }
    }

    public mutating func handshake(mechanism name: String) -> HandshakeOutcome {
        guard case .awaitingHandshake = state else {
            state = .failed
            return .illegalState
        }
        guard let mechanism = SASLMechanism(rawValue: name), enabledMechanisms.contains(mechanism) else {
            state = .failed
            return .unsupported(enabled: enabledMechanisms.map(\.rawValue))
        }
        state = .awaitingAuthenticate(mechanism)
        return .accepted
    }

    /// A SaslAuthenticate token. `lookUp(user, hash)` returns the stored credential; PLAIN tries
    /// the SCRAM-SHA-512 credential, then the SCRAM-SHA-256 one.
    public mutating func authenticate(token: [UInt8], lookUp: (String, ScramHash) -> ScramCredential?) -> AuthenticateOutcome {
        switch state {
        case .awaitingAuthenticate(.plain):
            state = .failed
            guard let plain = PlainCredentials(token: token) else { return .failed("Invalid SASL/PLAIN message") }
            var credential: ScramCredential?
            for hash in [ScramHash.sha512, .sha256] where credential == nil { credential = lookUp(plain.user, hash) }
            guard let credential, credential.matches(password: plain.password) else {
                return .failed("Authentication failed: Invalid username or password")
            }
            let principal = KafkaPrincipal(name: plain.user)
            state = .authenticated(principal)
            return .authenticated(principal, finalToken: [])
        case .awaitingAuthenticate(let mechanism):
            guard let hash = mechanism.scram else { return .illegalState }
            var exchange = ScramServerExchange(hash: hash)
            state = .failed
            do {
                let user = try exchange.receiveClientFirst(token)
                let serverFirst = try exchange.serverFirst(credential: lookUp(user, hash))
                state = .scram(exchange)
                return .challenge(serverFirst)
            } catch {
                return .failed(Self.message(error, mechanism: mechanism))
            }
        case .scram(var exchange):
            state = .failed
            do {
                let (serverFinal, user) = try exchange.receiveClientFinal(token)
                let principal = KafkaPrincipal(name: user)
                state = .authenticated(principal)
                return .authenticated(principal, finalToken: serverFinal)
            } catch {
                return .failed(Self.message(error, mechanism: exchange.hash.mechanism))
            }
        case .awaitingHandshake, .authenticated, .failed:
            state = .failed
            return .illegalState
        }
    }

    /// Kafka's wording, which names no detail that would help a password guesser.
    static func message(_ failure: ScramServerExchange.Failure, mechanism: SASLMechanism) -> String {
        switch failure {
        case .malformed(let detail): "Authentication failed: \(detail)"
        case .invalidCredentials, .outOfOrder:
            "Authentication failed during authentication due to invalid credentials with SASL mechanism \(mechanism.rawValue)"
        }
    }
}
