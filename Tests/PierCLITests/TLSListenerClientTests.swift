import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Listeners over TLS driven by kcat, confluent-kafka and kafka-python: one broker with a
    /// PLAINTEXT listener, an SSL one and an SSL one that requires client certificates (MTLS),
    /// certificates made by openssl for the test.
    @Suite(.serialized) struct TLSListenerClientTests {
        static var toolsPresent: Bool { ExternalTool.mustRun("kcat") && ExternalTool.mustRun("openssl") && ExternalTool.mustRun("python3") }

        static func broker(_ certificates: TestCertificates, extra: [String: String] = [:]) throws -> BrokerProcess {
            let settings = [
                "listeners": "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0",
                "listener.security.protocol.map": "MTLS:SSL",
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": certificates.brokerKeyStore,
                "listener.name.mtls.ssl.keystore.certificate.chain": certificates.brokerCertificate,
                "listener.name.mtls.ssl.keystore.key": certificates.brokerKey,
                "listener.name.mtls.ssl.truststore.location": certificates.caCertificate,
                "listener.name.mtls.ssl.client.auth": "required",
            ].merging(extra) { $1 }
            let config = try DataPathClientTests.configFile(settings)
            return try BrokerProcess(arguments: ["--config", config, "--log-level", "debug"], listenFlag: false, furtherListeners: 2)
        }

        static func kcat(_ arguments: [String], on port: Int, security: [String], input: String? = nil) throws -> String {
            try ExternalTool.run("kcat", arguments: ["-b", "127.0.0.1:\(port)", "-m", "10"] + security.flatMap { ["-X", $0] } + arguments,
                                 input: input, timeoutSeconds: 60)
        }

        static func ssl(_ certificates: TestCertificates, clientCertificate: (String, String)? = nil) -> [String] {
            var settings = ["security.protocol=SSL", "ssl.ca.location=\(certificates.caCertificate)"]
            if let (certificate, key) = clientCertificate {
                settings += ["ssl.certificate.location=\(certificate)", "ssl.key.location=\(key)"]
            }
            return settings
        }

        /// Runs Tests/Clients/secure_clients.py and checks that both clients read back what they wrote.
        static func expectPythonClientsRoundTrip(port: Int, prefix: String, protocol securityProtocol: String, options: [String]) throws {
            let output = try ClientScripts.runPython("secure_clients.py", ["127.0.0.1:\(port)", prefix, securityProtocol] + options,
                                                    timeoutSeconds: 180)
            let result = try DataPathClientTests.json(output)
            let expected = try #require(result["expected"] as? [String])
            for client in ["confluent", "kafka-python"] {
                let outcome = try #require(result[client] as? [String: Any], "\(client): \(output)")
                #expect(outcome["error"] == nil, "\(client) over \(securityProtocol): \(outcome["error"] ?? "")")
                #expect(outcome["values"] as? [String] == expected, "\(client) over \(securityProtocol)")
            }
        }

        /// Each listener's Metadata names the broker by that listener's own address; kcat produces
        /// and consumes over SSL; the Python clients round-trip over SSL.
        @Test(.enabled(if: toolsPresent)) func clientsOverSSLAreToldTheSSLListener() throws {
            let certificates = try TestCertificates()
            let broker = try Self.broker(certificates)
            let sslPort = try #require(broker.namedListenerPorts["SSL"])
            let mtlsPort = try #require(broker.namedListenerPorts["MTLS"])
            #expect(Set([broker.port, sslPort, mtlsPort]).count == 3)

            let plainMetadata = try Self.kcat(["-L", "-J"], on: broker.port, security: [])
            #expect(plainMetadata.contains("\"brokers\":[{\"id\":1,\"name\":\"127.0.0.1:\(broker.port)\"}]"), "\(plainMetadata)")
            let sslMetadata = try Self.kcat(["-L", "-J"], on: sslPort, security: Self.ssl(certificates))
            #expect(sslMetadata.contains("\"brokers\":[{\"id\":1,\"name\":\"127.0.0.1:\(sslPort)\"}]"), "\(sslMetadata)")

            let lines = (0..<100).map { "k\($0):over tls \($0)" }
            _ = try Self.kcat(["-P", "-t", "tls-kcat", "-p", "0", "-K:"], on: sslPort, security: Self.ssl(certificates),
                              input: lines.joined(separator: "\n") + "\n")
            let consumed = try Self.kcat(["-C", "-t", "tls-kcat", "-p", "0", "-e", "-o", "beginning", "-f", "%k:%s\\n"], on: sslPort,
                                         security: Self.ssl(certificates))
            #expect(consumed == lines.joined(separator: "\n") + "\n")

            try Self.expectPythonClientsRoundTrip(port: sslPort, prefix: "tls", protocol: "SSL", options: ["ca=\(certificates.caCertificate)"])
        }

        /// On the listener that requires client certificates a client with one the CA signed gets in
        /// (its principal is the certificate's subject by the DEFAULT rule); a client without one, with
        /// an untrusted one, or speaking plaintext to a TLS port is refused, and the broker serves on.
        @Test(.enabled(if: toolsPresent)) func mutualTLSAdmitsOnlyCertificatesTheTrustStoreSigned() throws {
            let certificates = try TestCertificates()
            let broker = try Self.broker(certificates)
            let mtlsPort = try #require(broker.namedListenerPorts["MTLS"])
            let sslPort = try #require(broker.namedListenerPorts["SSL"])
            let client = Self.ssl(certificates, clientCertificate: (certificates.clientCertificate, certificates.clientKey))

            _ = try Self.kcat(["-P", "-t", "mtls", "-p", "0"], on: mtlsPort, security: client, input: "one\ntwo\n")
            let consumed = try Self.kcat(["-C", "-t", "mtls", "-p", "0", "-e", "-o", "beginning"], on: mtlsPort, security: client)
            #expect(consumed == "one\ntwo\n")
            #expect(broker.log.contains("principal=\(TestCertificates.clientPrincipal)") || broker.log.contains("\"principal\":\"\(TestCertificates.clientPrincipal)\""),
                    "the handshake's principal is not in the log")

            #expect(throws: ExternalTool.Failed.self, "no client certificate") {
                try Self.kcat(["-L"], on: mtlsPort, security: Self.ssl(certificates))
            }
            #expect(throws: ExternalTool.Failed.self, "a certificate the CA did not sign") {
                try Self.kcat(["-L"], on: mtlsPort, security: Self.ssl(certificates, clientCertificate: (certificates.strangerCertificate,
                                                                                                          certificates.strangerKey)))
            }
            #expect(throws: ExternalTool.Failed.self, "plaintext on a TLS port") {
                try Self.kcat(["-L"], on: sslPort, security: [])
            }
            #expect(throws: ExternalTool.Failed.self, "a broker certificate the client does not trust") {
                try Self.kcat(["-L"], on: sslPort, security: ["security.protocol=SSL", "ssl.ca.location=\(certificates.strangerCertificate)"])
            }
            #expect(broker.isRunning)
            try Self.expectPythonClientsRoundTrip(port: mtlsPort, prefix: "mtls", protocol: "SSL", options: [
                "ca=\(certificates.caCertificate)", "cert=\(certificates.clientCertificate)", "key=\(certificates.clientKey)",
            ])
        }

        /// `ssl.enabled.protocols=TLSv1.3` refuses a client that offers TLS 1.2 only.
        @Test(.enabled(if: toolsPresent)) func tlsVersionsFollowEnabledProtocols() throws {
            let certificates = try TestCertificates()
            let broker = try Self.broker(certificates, extra: ["listener.name.ssl.ssl.enabled.protocols": "TLSv1.3"])
            let sslPort = try #require(broker.namedListenerPorts["SSL"])
            _ = try ExternalTool.run("openssl", arguments: ["s_client", "-connect", "127.0.0.1:\(sslPort)", "-tls1_3",
                                                             "-CAfile", certificates.caCertificate, "-verify_return_error"], input: "")
            #expect(throws: ExternalTool.Failed.self) {
                try ExternalTool.run("openssl", arguments: ["s_client", "-connect", "127.0.0.1:\(sslPort)", "-tls1_2",
                                                             "-CAfile", certificates.caCertificate, "-verify_return_error"], input: "")
            }
        }
    }
}
