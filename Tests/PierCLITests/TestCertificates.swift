import Foundation
import PierTestSupport

/// A throwaway certificate authority with a broker certificate (for 127.0.0.1 and localhost), a
/// client certificate it signed, and a self-signed client certificate it did not, made with the
/// openssl command in a temporary directory that goes with this value.
final class TestCertificates {
    let directory: URL
    var caCertificate: String { path("ca.pem") }
    /// The broker's key and certificate in one PEM file (`ssl.keystore.location`).
    var brokerKeyStore: String { path("broker-keystore.pem") }
    var brokerCertificate: String { path("broker.pem") }
    var brokerKey: String { path("broker.key") }
    var clientCertificate: String { path("client.pem") }
    var clientKey: String { path("client.key") }
    var strangerCertificate: String { path("stranger.pem") }
    var strangerKey: String { path("stranger.key") }
    /// The principal Kafka's DEFAULT mapping rule gives the client certificate.
    static let clientPrincipal = "User:CN=client-1,OU=ops,O=Pier"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", caCertificate, "-days", "2",
                     "-subj", "/O=Pier/CN=Pier Test CA"])
        try signed("broker", subject: "/O=Pier/CN=localhost", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost")
        try signed("client", subject: "/O=Pier/OU=ops/CN=client-1", extensions: "extendedKeyUsage=clientAuth")
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", strangerKey, "-out", strangerCertificate, "-days", "2",
                     "-subj", "/O=Elsewhere/CN=stranger"])
        let keyStore = try String(contentsOfFile: brokerKey, encoding: .utf8) + String(contentsOfFile: brokerCertificate, encoding: .utf8)
        try keyStore.write(toFile: brokerKeyStore, atomically: true, encoding: .utf8)
    }

    private func signed(_ name: String, subject: String, extensions: String) throws {
        let extensionFile = path("\(name).ext")
        try (extensions + "\n").write(toFile: extensionFile, atomically: true, encoding: .utf8)
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", caCertificate, "-CAkey", path("ca.key"), "-CAcreateserial",
                     "-out", path("\(name).pem"), "-days", "2", "-extfile", extensionFile])
    }

    private func openssl(_ arguments: [String]) throws {
        _ = try ExternalTool.run("openssl", arguments: arguments)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
