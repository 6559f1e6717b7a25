import Foundation
import NIOSSL

extension TLSSettings {
    /// The listener's TLS server context: its certificate chain and key, the CAs client certificates
    /// are checked against, whether one is asked for, and the protocol versions. Files are read now,
    /// so a missing or unreadable one stops the broker at start rather than failing each handshake.
    func makeServerContext() throws -> NIOSSLContext {
        let (chain, key) = try loadKeyStore()
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = versions.lowerBound == .tls12 ? .tlsv12 : .tlsv13
        configuration.maximumTLSVersion = versions.upperBound == .tls12 ? .tlsv12 : .tlsv13
        if let trustStore {
            configuration.trustRoots = .certificates(try Self.certificates(trustStore, role: "trust store"))
        }
        configuration.certificateVerification = switch clientAuthentication {
        case .none: .none
        // A presented certificate must chain to the trust store; none at all is accepted.
        case .requested: .optionalVerification
        case .required: .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }

    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    private func loadKeyStore() throws -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        switch keyStore {
        case .file(let path):
            let pem = try Self.bytes(.file(path: path), role: "key store")
            return (try Self.certificates(pem, role: "key store \(path)"), try privateKey(pem, role: "key store \(path)"))
        case let .separate(chain, key):
            return (try Self.certificates(chain, role: "certificate chain"), try privateKey(try Self.bytes(key, role: "private key"), role: "private key"))
        }
    }

    private func privateKey(_ pem: [UInt8], role: String) throws -> NIOSSLPrivateKey {
        do {
            if let keyPassword {
                return try NIOSSLPrivateKey(bytes: pem, format: .pem) { provide in provide(Array(keyPassword.utf8)) }
            }
            return try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw Unusable(description: "the \(role) holds no readable PEM private key\(keyPassword == nil ? " (an encrypted one needs ssl.key.password)" : ""): \(error)")
        }
    }

    private static func certificates(_ source: PEMSource, role: String) throws -> [NIOSSLCertificate] {
        try certificates(try bytes(source, role: role), role: role)
    }

    private static func certificates(_ pem: [UInt8], role: String) throws -> [NIOSSLCertificate] {
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(pem)) ?? []
        guard !certificates.isEmpty else { throw Unusable(description: "the \(role) holds no PEM certificate") }
        return certificates
    }

    private static func bytes(_ source: PEMSource, role: String) throws -> [UInt8] {
        switch source {
        case .text(let text):
            return Array(text.utf8)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw Unusable(description: "cannot read the \(role) \(path)") }
            return Array(data)
        }
    }
}
