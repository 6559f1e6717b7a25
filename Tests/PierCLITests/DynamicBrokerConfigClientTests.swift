import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Dynamic broker configs through Kafka's own kafka-configs.sh against three brokers: a cluster-wide
    /// default set through one broker reaches the others through the coordination store (each
    /// describes it as DYNAMIC_DEFAULT_BROKER_CONFIG), topics without an override follow it, and a
    /// setting Pier reads only at start is refused.
    @Suite(.serialized) struct DynamicBrokerConfigClientTests {
        @Test(.enabled(if: KafkaTools.available), .timeLimit(.minutes(5)))
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
