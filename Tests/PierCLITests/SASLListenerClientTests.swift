import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// SASL listeners driven by kcat, confluent-kafka and kafka-python: PLAIN, SCRAM-SHA-256 and
    /// SCRAM-SHA-512 over SASL_PLAINTEXT and SASL_SSL, against credentials `pier user add` wrote
    /// offline before the broker started.
    @Suite(.serialized) struct SASLListenerClientTests {
        static var toolsPresent: Bool { TLSListenerClientTests.toolsPresent }

        static func broker(_ certificates: TestCertificates) throws -> BrokerProcess {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-sasl-\(UUID().uuidString)")
            try pierSucceeds(["user", "add", "alice", "--password", "wonder land", "--mechanism", "SCRAM-SHA-256",
                              "--mechanism", "SCRAM-SHA-512", "--data-dir", directory.path])
            try pierSucceeds(["user", "add", "bob", "--password", "x", "--data-dir", directory.path])
            #expect(try pierSucceeds(["user", "delete", "bob", "--data-dir", directory.path]) == "deleted 1 credential of bob\n")
            #expect(try pierFails(["user", "delete", "bob", "--data-dir", directory.path]) .hasSuffix("no credential of bob"))
            #expect(try pierFails(["user", "add", "carol", "--password", "x", "--iterations", "10", "--data-dir", directory.path])
                .contains("at least 4096"))
            let listed = try pierSucceeds(["user", "list", "--data-dir", directory.path])
            #expect(listed == "alice\tSCRAM-SHA-256\titerations=4096\nalice\tSCRAM-SHA-512\titerations=4096\n")
            let config = try DataPathClientTests.configFile([
                "listeners": "SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
                "ssl.keystore.location": certificates.brokerKeyStore,
            ])
            return try BrokerProcess(dataDirectory: directory, arguments: ["--config", config, "--admin-listen", "127.0.0.1:0"],
                                     listenFlag: false, furtherListeners: 1)
        }

        static func sasl(_ mechanism: String, password: String = "wonder land", tls: TestCertificates? = nil) -> [String] {
            let credentials = ["sasl.mechanisms=\(mechanism)", "sasl.username=alice", "sasl.password=\(password)"]
            guard let tls else { return ["security.protocol=SASL_PLAINTEXT"] + credentials }
            return ["security.protocol=SASL_SSL", "ssl.ca.location=\(tls.caCertificate)"] + credentials
        }

        @Test(.enabled(if: toolsPresent)) func everyMechanismOverSASLPlaintextAndSASLSSL() throws {
            let certificates = try TestCertificates()
            let broker = try Self.broker(certificates)
            let saslSSLPort = try #require(broker.namedListenerPorts["SASL_SSL"])
            for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
                for (port, tls) in [(broker.port, nil), (saslSSLPort, certificates)] as [(Int, TestCertificates?)] {
                    let topic = "sasl-\(mechanism.lowercased())-\(tls == nil ? "plain" : "ssl")"
                    let security = Self.sasl(mechanism, tls: tls)
                    _ = try TLSListenerClientTests.kcat(["-P", "-t", topic, "-p", "0"], on: port, security: security, input: "a\nb\nc\n")
                    let consumed = try TLSListenerClientTests.kcat(["-C", "-t", topic, "-p", "0", "-e", "-o", "beginning"], on: port, security: security)
                    #expect(consumed == "a\nb\nc\n", "kcat \(mechanism) on \(topic)")
                    let metadata = try TLSListenerClientTests.kcat(["-L", "-J"], on: port, security: security)
                    #expect(metadata.contains("\"brokers\":[{\"id\":1,\"name\":\"127.0.0.1:\(port)\"}]"), "\(metadata)")
                }
            }
            for mechanism in ["PLAIN", "SCRAM-SHA-512"] {
                try TLSListenerClientTests.expectPythonClientsRoundTrip(port: broker.port, prefix: "py-\(mechanism.lowercased())",
                                                                        protocol: "SASL_PLAINTEXT",
                                                                        options: ["mechanism=\(mechanism)", "user=alice", "password=wonder land"])
            }
            try TLSListenerClientTests.expectPythonClientsRoundTrip(port: saslSSLPort, prefix: "py-sasl-ssl", protocol: "SASL_SSL", options: [
                "ca=\(certificates.caCertificate)", "mechanism=SCRAM-SHA-256", "user=alice", "password=wonder land",
            ])
        }

        /// Wrong password, unknown user, an unsupported mechanism and a client that skips SASL are each
        /// refused (with Kafka's error, which the client reports), counted and logged; a burst of failures
        /// from one address is slowed; a valid client still gets in and the broker serves on.
        @Test(.enabled(if: toolsPresent)) func failedAuthenticationsAreRefusedSlowedCountedAndLogged() throws {
            let certificates = try TestCertificates()
            let broker = try Self.broker(certificates)
            func refused(_ security: [String]) -> String {
                do {
                    _ = try TLSListenerClientTests.kcat(["-L", "-m", "3"], on: broker.port, security: security)
                    return "admitted"
                } catch { return "\(error)" }
            }
            #expect(refused(Self.sasl("SCRAM-SHA-512", password: "guess")).contains("Authentication failed"))
            #expect(refused(Self.sasl("PLAIN", password: "guess")).contains("Invalid username or password"))
            #expect(refused(["security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=SCRAM-SHA-256", "sasl.username=mallory", "sasl.password=x"])
                .contains("Authentication failed"))
            #expect(refused(["security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=OAUTHBEARER",
                             "sasl.oauthbearer.config=principal=alice", "enable.sasl.oauthbearer.unsecure.jwt=true"])
                != "admitted", "an unsupported mechanism")
            #expect(refused([]) != "admitted", "a client that does not authenticate")

            // Ten wrong passwords in a row: each answer waits longer (100 ms times the failures in the last minute).
            let burstStart = ContinuousClock.now
            for _ in 0..<10 {
                _ = try? ExternalTool.run("kcat", arguments: ["-b", broker.bootstrap, "-L", "-m", "3"] + Self.sasl("PLAIN", password: "guess").flatMap { ["-X", $0] },
                                          timeoutSeconds: 30)
            }
            let burst = burstStart.duration(to: .now)
            #expect(burst > .milliseconds(5_500), "10 failures took only \(burst)")
            _ = try TLSListenerClientTests.kcat(["-L"], on: broker.port, security: Self.sasl("SCRAM-SHA-256"))

            let metrics = try AdminHTTP.get(port: try #require(broker.adminPort), path: "/metrics").body
            let failures = metrics.split(separator: "\n").filter { $0.hasPrefix("pier_authentication_failures_total") }
            let total = failures.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            #expect(total >= 14, "\(failures)")
            #expect(broker.log.contains("authentication failed"))
            #expect(broker.log.contains("unsupported SASL mechanism OAUTHBEARER"))
            #expect(broker.isRunning)
        }
    }
}
