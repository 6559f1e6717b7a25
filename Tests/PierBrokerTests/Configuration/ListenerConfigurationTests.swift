@testable import PierBroker
import Testing

@Suite struct ListenerConfigurationTests {
    @Test func severalListenersWithTheirProtocolsAndAdvertisedAddresses() throws {
        var config = BrokerConfiguration()
        try config.apply([
            "listeners": "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,internal://0.0.0.0:9094",
            "listener.security.protocol.map": "INTERNAL:SSL",
            "advertised.listeners": "SSL://broker.example:19093,INTERNAL://10.0.0.1:9094",
            "ssl.keystore.location": "/etc/pier/broker.pem",
            "listener.name.internal.ssl.client.auth": "required",
            "listener.name.internal.ssl.truststore.location": "/etc/pier/ca.pem",
        ])
        #expect(config.listeners.map(\.name) == ["PLAINTEXT", "SSL", "INTERNAL"])
        #expect(config.listeners.map(\.securityProtocol) == [.plaintext, .ssl, .ssl])
        #expect(config.listeners.map(\.advertised) == [nil, AdvertisedListener(host: "broker.example", port: 19093),
                                                       AdvertisedListener(host: "10.0.0.1", port: 9094)])
        #expect(config.tls["SSL"] == TLSSettings(keyStore: .file(path: "/etc/pier/broker.pem")))
        // The listener.name.internal.* settings apply to INTERNAL only.
        #expect(config.tls["INTERNAL"]?.clientAuthentication == .required)
        #expect(config.tls["INTERNAL"]?.trustStore == .file(path: "/etc/pier/ca.pem"))
        #expect(config.tls["PLAINTEXT"] == nil)
        #expect(config.interBrokerListenerIndex == 0)
    }

    @Test func separateChainAndKeyAsPEMTextOrPathsAndProtocolVersions() throws {
        var config = BrokerConfiguration()
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
        try config.apply(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": "/certs/chain.pem",
                          "ssl.keystore.key": key, "ssl.enabled.protocols": "TLSv1.3"])
        let tls = try #require(config.tls["SSL"])
        #expect(tls.keyStore == .separate(certificateChain: .file(path: "/certs/chain.pem"), key: .text(key)))
        #expect(tls.versions == .tls13 ... .tls13)
        #expect(config.interBrokerListenerIndex == 0)
    }

    @Test func unusableListenerSettingsAreRefusedByName() {
        func problem(_ settings: [String: String]) -> String? {
            var config = BrokerConfiguration()
            do { try config.apply(settings) } catch { return "\(error)" }
            return nil
        }
        #expect(problem(["listeners": "FOO://127.0.0.1:1"])?.contains("FOO is not") == true)
        #expect(problem(["listeners": "PLAINTEXT://127.0.0.1:1,PLAINTEXT://127.0.0.1:2"])?.contains("PLAINTEXT repeats") == true)
        #expect(problem(["listeners": "PLAINTEXT://127.0.0.1:1,SSL://127.0.0.1:1", "ssl.keystore.location": "k"])?.contains("repeats") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0"])?.contains("ssl.keystore.location") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.location": "k", "ssl.keystore.type": "JKS"])?.contains("PEM") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.location": "k", "ssl.client.auth": "required"])?
            .contains("ssl.truststore.location") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.location": "k", "ssl.client.auth": "maybe"])?.contains("none, requested") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.location": "k", "ssl.enabled.protocols": "TLSv1.1"])?.contains("TLSv1.2") == true)
        #expect(problem(["listeners": "SSL://127.0.0.1:0", "ssl.keystore.location": "k", "ssl.principal.mapping.rules": "RULE:^CN=(.*)$/$1/"])?
            .contains("DEFAULT") == true)
        #expect(problem(["listeners": "PLAINTEXT://127.0.0.1:1", "advertised.listeners": "SSL://x:1"])?.contains("SSL is not") == true)
        #expect(problem(["listeners": "PLAINTEXT://127.0.0.1:1", "listener.security.protocol.map": "A:NOPE"]) != nil)
    }
}
