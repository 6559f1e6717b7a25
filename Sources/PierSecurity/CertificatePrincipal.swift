import X509

/// The principal of a TLS client certificate by `ssl.principal.mapping.rules=DEFAULT`: `User:`
/// followed by the certificate's subject distinguished name in RFC 2253 order (most specific
/// attribute first, e.g. `CN=client,OU=ops,O=Pier,C=DE`), as Kafka's default rule gives it.
public enum CertificatePrincipal {
    public static func principal(subject: DistinguishedName) -> KafkaPrincipal {
        KafkaPrincipal(name: String(describing: subject))
    }

    /// The principal of a DER-encoded certificate; nil when the bytes are not a certificate.
    public static func principal(certificateDER: [UInt8]) -> KafkaPrincipal? {
        guard let certificate = try? Certificate(derEncoded: certificateDER) else { return nil }
        return principal(subject: certificate.subject)
    }
}
