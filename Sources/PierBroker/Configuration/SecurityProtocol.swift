/// Kafka's security protocols: what a listener wraps its connections in (TLS) and whether a client
/// must authenticate with SASL before anything but ApiVersions is answered.
enum SecurityProtocol: String, CaseIterable, Sendable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSSL = "SASL_SSL"

    var usesTLS: Bool { self == .ssl || self == .saslSSL }
    var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}
