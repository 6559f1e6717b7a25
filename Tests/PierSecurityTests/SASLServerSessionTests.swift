@testable import PierSecurity
import Testing

@Suite struct SASLServerSessionTests {
    static let alice = ScramCredential(hash: .sha512, password: "s3cret")
    static func lookUp(_ user: String, _ hash: ScramHash) -> ScramCredential? { user == "alice" && hash == .sha512 ? alice : nil }

    @Test func onlyApiVersionsAndSASLBeforeAuthentication() {
        var session = SASLServerSession(enabledMechanisms: [.plain])
        #expect(session.admit(isApiVersions: true, isSASL: false) == .route)
        #expect(session.admit(isApiVersions: false, isSASL: true) == .authenticate)
        if case .refuse = session.admit(isApiVersions: false, isSASL: false) {} else { Issue.record("a Metadata request before authenticating was admitted") }
        #expect(session.handshake(mechanism: "PLAIN") == .accepted)
        if case .refuse = session.admit(isApiVersions: true, isSASL: false) {} else { Issue.record("ApiVersions in the middle of an exchange was admitted") }
        #expect(session.authenticate(token: Array("\0alice\0s3cret".utf8), lookUp: Self.lookUp)
            == .authenticated(KafkaPrincipal(name: "alice"), finalToken: []))
        #expect(session.admit(isApiVersions: false, isSASL: false) == .route)
        #expect(session.principal?.description == "User:alice")
        // A second handshake (KIP-368 re-authentication is not served) is an illegal state.
        #expect(session.handshake(mechanism: "PLAIN") == .illegalState)
    }

    @Test func plainWithAWrongPasswordOrAMalformedTokenFails() {
        var wrong = SASLServerSession(enabledMechanisms: [.plain])
        _ = wrong.handshake(mechanism: "PLAIN")
        if case .failed = wrong.authenticate(token: Array("\0alice\0guess".utf8), lookUp: Self.lookUp) {} else { Issue.record("wrong password accepted") }
        if case .refuse = wrong.admit(isApiVersions: false, isSASL: true) {} else { Issue.record("a failed session admitted more") }
        for token in ["alice", "\0\0s3cret", "bob\0alice\0s3cret", "\0alice\0"] {
            var malformed = SASLServerSession(enabledMechanisms: [.plain])
            _ = malformed.handshake(mechanism: "PLAIN")
            if case .failed = malformed.authenticate(token: Array(token.utf8), lookUp: Self.lookUp) {} else { Issue.record("\(token) accepted") }
        }
    }

    @Test func unsupportedMechanismsAndOutOfOrderTokens() {
        var session = SASLServerSession(enabledMechanisms: [.scramSHA512])
        #expect(session.handshake(mechanism: "PLAIN") == .unsupported(enabled: ["SCRAM-SHA-512"]))
        #expect(session.handshake(mechanism: "GSSAPI") == .illegalState)
        var early = SASLServerSession(enabledMechanisms: [.plain])
        #expect(early.authenticate(token: [1, 2, 3], lookUp: Self.lookUp) == .illegalState)
    }

    @Test func scramSHA512ChallengeThenFailureForABadProof() {
        var session = SASLServerSession(enabledMechanisms: [.scramSHA512])
        #expect(session.handshake(mechanism: "SCRAM-SHA-512") == .accepted)
        guard case .challenge(let serverFirst) = session.authenticate(token: Array("n,,n=alice,r=abc".utf8), lookUp: Self.lookUp) else {
            Issue.record("no server-first message")
            return
        }
        let nonce = String(decoding: serverFirst, as: UTF8.self).split(separator: ",")[0].dropFirst(2)
        if case .failed = session.authenticate(token: Array("c=biws,r=\(nonce),p=AAAA".utf8), lookUp: Self.lookUp) {} else {
            Issue.record("a bad proof was accepted")
        }
    }
}
