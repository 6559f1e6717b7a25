import Foundation

/// A TLS listener's settings, by Kafka's names (PEM stores only). Each may be given for one
/// listener as `listener.name.<name>.<setting>` (name lower-cased), which wins over the plain one.
struct TLSSettings: Sendable, Equatable {
    enum ClientAuthentication: String, Sendable, CaseIterable {
        /// No client certificate asked for.
        case none
        /// Asked for; a client without one is still served (as `User:ANONYMOUS` on SSL).
        case requested
        /// A client without a certificate the trust store accepts is refused in the handshake.
        case required
    }

    enum Version: String, Sendable, Comparable, CaseIterable {
        case tls12 = "TLSv1.2"
        case tls13 = "TLSv1.3"
        static func < (lhs: Version, rhs: Version) -> Bool { lhs == .tls12 && rhs == .tls13 }
    }

    /// Where the certificate chain and private key come from: `ssl.keystore.location` (one PEM file
    /// holding both), or `ssl.keystore.certificate.chain` and `ssl.keystore.key` (PEM text, as
    /// Kafka takes them, or paths to PEM files).
    enum KeyStore: Sendable, Equatable {
        case file(path: String)
        case separate(certificateChain: PEMSource, key: PEMSource)
    }

    enum PEMSource: Sendable, Equatable {
        case text(String)
        case file(path: String)

        init(_ value: String) {
            self = value.contains("-----BEGIN") ? .text(value) : .file(path: value)
        }
    }

    var keyStore: KeyStore
    /// `ssl.key.password`: the passphrase of an encrypted private key.
    var keyPassword: String?
    /// `ssl.truststore.location` or `ssl.truststore.certificates`: the CAs client certificates must chain to.
    var trustStore: PEMSource?
    var clientAuthentication: ClientAuthentication = .none
    /// `ssl.enabled.protocols`.
    var versions: ClosedRange<Version> = .tls12 ... .tls13

    /// The settings for `listener`, or the reason they are unusable.
    static func forListener(_ listener: String, in settings: [String: String]) throws(BrokerConfiguration.Problem) -> TLSSettings {
        func value(_ name: String) -> (name: String, value: String)? {
            let scoped = "listener.name.\(listener.lowercased()).\(name)"
            if let value = settings[scoped] { return (scoped, value) }
            return settings[name].map { (name, $0) }
        }
        if let type = value("ssl.keystore.type"), type.value.uppercased() != "PEM" {
            throw .invalidValue(name: type.name, value: type.value, expected: "PEM (the only key store type Pier reads)")
        }
        if let type = value("ssl.truststore.type"), type.value.uppercased() != "PEM" {
            throw .invalidValue(name: type.name, value: type.value, expected: "PEM (the only trust store type Pier reads)")
        }
        let keyStore: KeyStore
        if let location = value("ssl.keystore.location") {
            keyStore = .file(path: location.value)
        } else if let chain = value("ssl.keystore.certificate.chain"), let key = value("ssl.keystore.key") {
            keyStore = .separate(certificateChain: PEMSource(chain.value), key: PEMSource(key.value))
        } else {
            throw .invalidValue(name: "ssl.keystore.location", value: "", expected:
                "a PEM file with the key and certificate chain of listener \(listener) (or ssl.keystore.certificate.chain and ssl.keystore.key)")
        }
        var tls = TLSSettings(keyStore: keyStore)
        tls.keyPassword = value("ssl.key.password")?.value
        tls.trustStore = (value("ssl.truststore.location") ?? value("ssl.truststore.certificates")).map { PEMSource($0.value) }
        if let auth = value("ssl.client.auth") {
            guard let mode = ClientAuthentication(rawValue: auth.value.lowercased()) else {
                throw .invalidValue(name: auth.name, value: auth.value, expected: "none, requested or required")
            }
            tls.clientAuthentication = mode
        }
        if tls.clientAuthentication != .none && tls.trustStore == nil {
            throw .invalidValue(name: "ssl.truststore.location", value: "", expected:
                "the CA certificates client certificates are checked against (ssl.client.auth is \(tls.clientAuthentication.rawValue))")
        }
        if let protocols = value("ssl.enabled.protocols") {
            var versions: [Version] = []
            for name in protocols.value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let version = Version(rawValue: name) else {
                    throw .invalidValue(name: protocols.name, value: protocols.value, expected: "TLSv1.2 and/or TLSv1.3")
                }
                versions.append(version)
            }
            guard let lowest = versions.min(), let highest = versions.max() else {
                throw .invalidValue(name: protocols.name, value: protocols.value, expected: "TLSv1.2 and/or TLSv1.3")
            }
            tls.versions = lowest...highest
        }
        if let rules = value("ssl.principal.mapping.rules"), rules.value.trimmingCharacters(in: .whitespaces) != "DEFAULT" {
            throw .invalidValue(name: rules.name, value: rules.value, expected: "DEFAULT (the subject's distinguished name as the principal)")
        }
        return tls
    }
}
