import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// Topic administration through `pier serve` with real clients: confluent-kafka's AdminClient,
    /// kafka-python's KafkaAdminClient and kcat.
    @Suite(.serialized) struct AdminClientTests {
        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("kcat")))
        func confluentAdminClientManagesTopics() throws {
            let broker = try BrokerProcess()
            let output = try ClientScripts.runPython("admin_confluent.py", [broker.bootstrap, broker.dataDirectory.path])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")

            #expect(report["create"] as? [String: String] == [
                "admin-orders": "OK", "bad name!": "TOPIC_EXCEPTION", "too-replicated": "INVALID_REPLICATION_FACTOR",
                "bad-config": "INVALID_CONFIG", "unknown-config": "INVALID_CONFIG", "no-partitions": "INVALID_PARTITIONS", "defaults": "OK",
            ])
            #expect(report["create_again"] as? [String: String] == ["admin-orders": "TOPIC_ALREADY_EXISTS"])
            #expect(report["validate_only"] as? [String: String] == ["validated": "OK"])
            #expect(report["validate_only_bad"] as? [String: String] == ["validated": "INVALID_REPLICATION_FACTOR"])
            #expect(report["listed"] as? [String] == ["admin-orders", "defaults"])
            #expect(report["partitions"] as? Int == 3)
            #expect(report["partitions_defaults"] as? Int == 1)

            let described = try #require(report["described"] as? [String: [String: Any]])
            #expect(described["retention.ms"]?["value"] as? String == "3600000")
            #expect(described["retention.ms"]?["source"] as? String == "DYNAMIC_TOPIC_CONFIG")
            #expect(described["retention.ms"]?["read_only"] as? Bool == false)
            #expect(described["segment.bytes"]?["value"] as? String == "1073741824")
            #expect(described["segment.bytes"]?["source"] as? String == "DEFAULT_CONFIG")
            #expect(report["described_count"] as? Int == TopicSettingCount.kafka)
            #expect(report["describe_unknown"] as? String == "UNKNOWN_TOPIC_OR_PART")

            #expect(report["alter"] as? String == "OK")
            #expect(report["after_alter"] as? [String: [String]] == [
                "retention.ms": ["7200000", "DYNAMIC_TOPIC_CONFIG"], "cleanup.policy": ["delete", "DEFAULT_CONFIG"],
            ])
            #expect(report["alter_bad"] as? String == "INVALID_CONFIG")
            #expect(report["alter_validate_only"] as? String == "OK")
            #expect(report["after_validate_only"] as? String == "7200000")

            #expect(report["incremental_set"] as? String == "OK")
            #expect(report["after_incremental"] as? [String: [String]] == [
                "max.message.bytes": ["2000000", "DYNAMIC_TOPIC_CONFIG"], "cleanup.policy": ["delete", "DYNAMIC_TOPIC_CONFIG"],
                "retention.ms": ["7200000", "DYNAMIC_TOPIC_CONFIG"],
            ])
            #expect(report["incremental_subtract_all"] as? String == "INVALID_CONFIG")
            #expect(report["incremental_append_compact"] as? String == "INVALID_CONFIG")
            #expect(report["incremental_append_scalar"] as? String == "INVALID_CONFIG")
            #expect(report["incremental_delete"] as? String == "OK")
            #expect(report["after_delete"] as? [String] == ["604800000", "DEFAULT_CONFIG", "2000000"])

            let brokerConfigs = try #require(report["broker_configs"] as? [String: [Any]])
            #expect(brokerConfigs["num.partitions"]?.first as? String == "1")
            #expect(brokerConfigs["num.partitions"]?.last as? Bool == true)
            #expect(brokerConfigs["node.id"]?.first as? String == "1")
            #expect(brokerConfigs["log.retention.ms"]?.first as? String == "604800000")
            #expect(report["alter_broker"] as? String == "INVALID_REQUEST")

            #expect(report["create_partitions"] as? [String: String] == ["admin-orders": "OK"])
            #expect(report["create_partitions_smaller"] as? [String: String] == ["admin-orders": "INVALID_PARTITIONS"])
            #expect(report["create_partitions_unknown"] as? [String: String] == ["no-such-topic": "UNKNOWN_TOPIC_OR_PART"])
            #expect(report["partitions_after"] as? Int == 5)

            let deletedRecords = try #require(report["delete_records"] as? [String: Any])
            #expect(deletedRecords["0"] as? Int == 0)
            #expect(deletedRecords["1"] as? String == "OFFSET_OUT_OF_RANGE")

            let cluster = try #require(report["cluster"] as? [String: Any])
            #expect(cluster["id"] as? Bool == true)
            #expect(cluster["controller"] as? Int == 1)
            #expect(cluster["nodes"] as? [Int] == [1])

            #expect(report["directory_before_delete"] as? Bool == true)
            #expect(report["delete"] as? [String: String] == ["admin-orders": "OK", "no-such-topic": "UNKNOWN_TOPIC_OR_PART"])
            #expect(report["committed_before_delete"] as? [String] == ["admin-orders", "defaults"])
            #expect(report["committed_after_delete"] as? [String] == ["defaults"], "offsets of a deleted topic are dropped")
            // The group commits made the groups' journal topic, listed (as Kafka lists it) beside the user's.
            #expect(report["listed_after_delete"] as? [String] == ["__consumer_offsets", "defaults"])
            #expect(report["directories_after_delete"] as? [String] == [])
            #expect(broker.stop() == 0)
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func kafkaPythonAdminClientManagesTopics() throws {
            let broker = try BrokerProcess()
            let output = try ClientScripts.runPython("admin_kafka_python.py", [broker.bootstrap])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
            let created = try #require(report["created"] as? [[Any]])
            #expect(created.first?.first as? String == "py-events" && created.first?.last as? Int == 0)
            #expect(report["create_again"] as? String == "TopicAlreadyExistsError")
            #expect(report["create_bad_name"] as? String == "InvalidTopicError")
            // kafka-python's default filter keeps only settings that differ from their defaults.
            #expect(report["modified"] as? [String: String] == ["retention.ms": "60000"])
            #expect(report["all_count"] as? Int == TopicSettingCount.kafka)
            #expect(report["retention_synonyms"] as? [[String]] == [["retention.ms", "DYNAMIC_TOPIC_CONFIG"], ["log.retention.ms", "DEFAULT_CONFIG"]])
            // kafka-python's alter_configs keeps the other overrides (it reads them back and sends them all).
            #expect(report["after_alter"] as? [String: String] == ["retention.bytes": "1048576", "retention.ms": "60000"])
            #expect(report["broker_num_partitions"] as? [String] == ["1", "DEFAULT_CONFIG"])
            #expect(report["partitions"] as? Int == 4)
            let cluster = try #require(report["cluster"] as? [Any])
            #expect(cluster.first as? [Int] == [1])
            #expect(cluster.last as? Int == 1)
            let deleted = try #require(report["deleted"] as? [[Any]])
            #expect(deleted.first?.first as? String == "py-events" && deleted.first?.last as? Int == 0)
            #expect(report["delete_again"] as? String == "UnknownTopicOrPartitionError")
            #expect(report["topics_after"] as? [String] == [])
            #expect(broker.stop() == 0)
        }

        /// A topic setting Kafka defines but Pier does not act on (`file.delete.delay.ms`, the one the
        /// issue found refused) is accepted by confluent-kafka's incremental alter, stored and described;
        /// a value out of Kafka's range is INVALID_CONFIG.
        @Test(.enabled(if: ExternalTool.mustRun("python3")))
        func settingsKafkaKnowsAreAcceptedStoredAndDescribed() throws {
            let broker = try BrokerProcess()
            _ = try PierBinary.run(["topic", "create", "tuned", "--bootstrap-server", broker.bootstrap])
            #expect(try ClientScripts.runPython("alter_topic_config.py", [broker.bootstrap, "tuned", "file.delete.delay.ms", "1000"]) == "ok\n")
            #expect(try ClientScripts.runPython("describe_topic_config.py", [broker.bootstrap, "tuned", "file.delete.delay.ms"]) == "1000\n")
            #expect(throws: (any Error).self) {
                try ClientScripts.runPython("alter_topic_config.py", [broker.bootstrap, "tuned", "compression.gzip.level", "0"])
            }
            #expect(broker.stop() == 0)
        }

        /// The same through Kafka's own kafka-configs.sh: settings Pier stores without acting on are
        /// accepted and described with their synonyms exactly as Kafka 4.0 prints them.
        @Test(.kafkaTools)
        func kafkaConfigsDescribesSettingsKafkaKnowsAsKafkaDoes() throws {
            let broker = try BrokerProcess()
            _ = try PierBinary.run(["topic", "create", "tuned", "--bootstrap-server", broker.bootstrap])
            let configs = ["--bootstrap-server", broker.bootstrap, "--entity-type", "topics", "--entity-name", "tuned"]
            let altered = try KafkaTools.run("kafka-configs.sh", configs + ["--alter", "--add-config", "file.delete.delay.ms=1000,preallocate=true"])
            #expect(altered.stdout.contains("Completed updating config for topic tuned."), "\(altered.stdout)\(altered.stderr)")
            let described = try KafkaTools.run("kafka-configs.sh", configs + ["--describe"])
            // What Kafka 4.0 prints for the same settings (checked against the reference broker).
            #expect(described.stdout == """
                Dynamic configs for topic tuned are:
                  file.delete.delay.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:file.delete.delay.ms=1000, DEFAULT_CONFIG:log.segment.delete.delay.ms=60000}
                  preallocate=true sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:preallocate=true, DEFAULT_CONFIG:log.preallocate=false}

                """, "\(described.stdout)\(described.stderr)")
            let refused = try KafkaTools.run("kafka-configs.sh", configs + ["--alter", "--add-config", "remote.storage.enable=true"])
            #expect(refused.stdout.contains("InvalidConfigurationException") || refused.stderr.contains("InvalidConfigurationException"),
                    "\(refused.stdout)\(refused.stderr)")
            #expect(broker.stop() == 0)
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3") && ExternalTool.mustRun("kcat")))
        func kcatShowsCreatedPartitions() throws {
            let broker = try BrokerProcess()
            _ = try ExternalTool.run("python3", arguments: ["-c", """
                import sys
                from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions
                admin = AdminClient({"bootstrap.servers": sys.argv[1]})
                admin.create_topics([NewTopic("kcat-visible", num_partitions=2, replication_factor=1)])["kcat-visible"].result(timeout=20)
                admin.create_partitions([NewPartitions("kcat-visible", 3)])["kcat-visible"].result(timeout=20)
                """, broker.bootstrap])
            let listed = try ExternalTool.run("kcat", arguments: ["-L", "-J", "-b", broker.bootstrap, "-t", "kcat-visible", "-m", "10"])
            let topics = try #require((try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])?["topics"] as? [[String: Any]])
            let partitions = try #require(topics.first?["partitions"] as? [[String: Any]])
            #expect(partitions.map { $0["partition"] as? Int } == [0, 1, 2])
            #expect(partitions.allSatisfy { $0["leader"] as? Int == 1 })
            #expect(broker.stop() == 0)
        }
    }
}

/// How many topic settings DescribeConfigs lists: every one Kafka 4.0 defines (docs/configuration.md's
/// two topic tables: the ones Pier acts on and the ones it stores without effect).
enum TopicSettingCount {
    static let kafka = 33
}
