import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Dynamic broker configs against three brokers, through kafka-python and confluent-kafka and
    /// through Kafka's own kafka-configs.sh: a cluster-wide default set through one broker reaches the
    /// others through the coordination store (each describes it as DYNAMIC_DEFAULT_BROKER_CONFIG),
    /// topics without an override follow it, a broker's own setting wins over it there, and a setting
    /// Pier reads only at start is refused.
    @Suite(.serialized) struct DynamicBrokerConfigClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3")), .timeLimit(.minutes(5)))
        func pythonClientsSetClusterDefaultsAndBrokerOverrides() throws {
            let cluster = try ClusterProcesses(brokers: 3)
            try cluster.startAll()
            try cluster.createTopic("defaulted", partitions: 1, replicationFactor: 3)
            let output = try ClientScripts.runPython("admin_dynamic_broker_configs.py", [cluster.bootstrap, "3", "defaulted"], timeoutSeconds: 120)
            let report = try DataPathClientTests.json(output)
            #expect(report["default_set"] as? [String: String] == ["": "OK"], "\(output)")
            let brokers = try #require(report["brokers_after_default"] as? [String: [String: Any]], "\(output)")
            for id in ["1", "2", "3"] {
                #expect(brokers[id]?["value"] as? String == "7000", "\(output)")
                #expect(brokers[id]?["source"] as? String == "DYNAMIC_DEFAULT_BROKER_CONFIG", "\(output)")
                #expect((brokers[id]?["synonyms"] as? [String])?.first == "DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000", "\(output)")
            }
            let topic = try #require(report["topic_after_default"] as? [String: Any], "\(output)")
            #expect(topic["value"] as? String == "7000", "\(output)")
            #expect(topic["source"] as? String == "DYNAMIC_DEFAULT_BROKER_CONFIG", "\(output)")
            #expect(report["override_set"] as? String == "NONE", "\(output)")
            let overridden = try #require(report["broker_2_after_override"] as? [String: Any], "\(output)")
            #expect(overridden["value"] as? String == "9000", "\(output)")
            #expect(overridden["source"] as? String == "DYNAMIC_BROKER_CONFIG", "\(output)")
            #expect(Array((overridden["synonyms"] as? [String] ?? []).prefix(2)) == [
                "DYNAMIC_BROKER_CONFIG:log.retention.ms=9000", "DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000",
            ], "\(output)")
            #expect(report["static_refused"] as? String == "INVALID_REQUEST", "\(output)")
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }

        @Test(.kafkaTools, .timeLimit(.minutes(5)))
        func clusterDefaultsReachEveryBroker() throws {
            let cluster = try ClusterProcesses(brokers: 3)
            try cluster.startAll()
            try cluster.createTopic("defaulted", partitions: 1, replicationFactor: 3)
            func configs(_ arguments: [String]) throws -> KafkaTools.Outcome {
                try KafkaTools.run("kafka-configs.sh", ["--bootstrap-server", cluster.node(1).bootstrap] + arguments)
            }
            let set = try configs(["--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=7000"])
            #expect(set.stdout.contains("Completed updating default config for brokers in the cluster."), "\(set.stdout)\(set.stderr)")
            let defaults = try configs(["--entity-type", "brokers", "--entity-default", "--describe"])
            #expect(defaults.stdout == """
                Default configs for brokers in the cluster are:
                  log.retention.ms=7000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000}

                """, "\(defaults.stdout)\(defaults.stderr)")
            // A broker resource's DescribeConfigs goes to that broker: each answers from what its watcher read.
            for id: Int32 in [2, 3] {
                try cluster.waitUntil("broker \(id) describes the cluster default", timeoutSeconds: 60) {
                    let described = try configs(["--entity-type", "brokers", "--entity-name", "\(id)", "--describe", "--all"])
                    return described.stdout.contains("log.retention.ms=7000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000")
                }
            }
            let topic = try configs(["--entity-type", "topics", "--entity-name", "defaulted", "--describe", "--all"])
            #expect(topic.stdout.contains("  retention.ms=7000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7000"),
                    "\(topic.stdout)\(topic.stderr)")
            let refused = try configs(["--entity-type", "brokers", "--entity-name", "1", "--alter", "--add-config", "num.io.threads=4"])
            #expect((refused.stdout + refused.stderr).contains("InvalidRequestException: Cannot update these configs dynamically: num.io.threads"),
                    "\(refused.stdout)\(refused.stderr)")
            #expect(cluster.stopAll().values.allSatisfy { $0 == 0 })
        }
    }
}
