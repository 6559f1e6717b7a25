"""Drives Pier's topic administration with confluent-kafka's AdminClient (librdkafka).

Usage: admin_confluent.py BOOTSTRAP DATA_DIR
Prints one JSON object of observations: what each call returned, or the Kafka error name it
raised, so the Swift test can check results and error codes together.
"""
import json
import os
import sys
import warnings

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource, NewPartitions,
                                   NewTopic, ResourceType)

# alter_configs is deprecated in favour of incremental_alter_configs, but clients still send it.
warnings.simplefilter("ignore", DeprecationWarning)
bootstrap, data_dir = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
TIMEOUT = 20
report = {}


def outcome(future):
    """The future's result, or the name of the Kafka error it failed with."""
    try:
        return {"ok": future.result(timeout=TIMEOUT)}
    except KafkaException as failure:
        return {"error": failure.args[0].name()}


def errors(futures):
    return {str(key): (outcome(future).get("error") or "OK") for key, future in futures.items()}


def source_name(source):
    """ConfigEntry.source is a ConfigSource, or a bare int on some confluent-kafka versions."""
    return ConfigSource(source).name


def topic_configs(topic):
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = admin.describe_configs([resource], request_timeout=TIMEOUT)[resource].result(timeout=TIMEOUT)
    return {name: {"value": entry.value, "source": source_name(entry.source), "read_only": entry.is_read_only,
                   "synonyms": [(s.name, source_name(s.source)) for s in entry.synonyms.values()]}
            for name, entry in entries.items()}


def partition_count(topic):
    metadata = admin.list_topics(topic=topic, timeout=TIMEOUT)
    return len(metadata.topics[topic].partitions) if topic in metadata.topics and metadata.topics[topic].error is None else None


# CreateTopics: one good topic with settings, then every refusal a client acts on.
report["create"] = errors(admin.create_topics([
    NewTopic("admin-orders", num_partitions=3, replication_factor=1,
             config={"retention.ms": "3600000", "cleanup.policy": "delete"}),
    NewTopic("bad name!", num_partitions=1, replication_factor=1),
    NewTopic("too-replicated", num_partitions=1, replication_factor=3),
    NewTopic("bad-config", num_partitions=1, replication_factor=1, config={"retention.ms": "soon"}),
    NewTopic("unknown-config", num_partitions=1, replication_factor=1, config={"flux.capacitor": "on"}),
    NewTopic("no-partitions", num_partitions=0, replication_factor=1),
    NewTopic("defaults"),
], request_timeout=TIMEOUT))
report["create_again"] = errors(admin.create_topics([NewTopic("admin-orders", 1, 1)], request_timeout=TIMEOUT))
report["validate_only"] = errors(admin.create_topics([NewTopic("validated", 2, 1)], validate_only=True, request_timeout=TIMEOUT))
report["validate_only_bad"] = errors(admin.create_topics([NewTopic("validated", 2, 5)], validate_only=True, request_timeout=TIMEOUT))
listed = admin.list_topics(timeout=TIMEOUT).topics
report["listed"] = sorted(name for name in listed)
report["partitions"] = partition_count("admin-orders")
report["partitions_defaults"] = partition_count("defaults")

# DescribeConfigs on a topic: every implemented setting, with where its value comes from.
configs = topic_configs("admin-orders")
report["described"] = {name: configs[name] for name in ("retention.ms", "cleanup.policy", "segment.bytes")}
report["described_count"] = len(configs)
unknown = ConfigResource(ResourceType.TOPIC, "no-such-topic")
report["describe_unknown"] = outcome(admin.describe_configs([unknown], request_timeout=TIMEOUT)[unknown]).get("error")

# AlterConfigs replaces the overrides: cleanup.policy goes back to its default.
resource = ConfigResource(ResourceType.TOPIC, "admin-orders", set_config={"retention.ms": "7200000"})
report["alter"] = outcome(admin.alter_configs([resource], request_timeout=TIMEOUT)[resource]).get("error", "OK")
configs = topic_configs("admin-orders")
report["after_alter"] = {name: [configs[name]["value"], configs[name]["source"]] for name in ("retention.ms", "cleanup.policy")}
bad = ConfigResource(ResourceType.TOPIC, "admin-orders", set_config={"retention.ms": "-5"})
report["alter_bad"] = outcome(admin.alter_configs([bad], request_timeout=TIMEOUT)[bad]).get("error")
checked = ConfigResource(ResourceType.TOPIC, "admin-orders", set_config={"retention.ms": "1"})
report["alter_validate_only"] = outcome(admin.alter_configs([checked], validate_only=True, request_timeout=TIMEOUT)[checked]).get("error", "OK")
report["after_validate_only"] = topic_configs("admin-orders")["retention.ms"]["value"]


def incremental(*entries, validate_only=False):
    resource = ConfigResource(ResourceType.TOPIC, "admin-orders", incremental_configs=list(entries))
    return outcome(admin.incremental_alter_configs([resource], validate_only=validate_only, request_timeout=TIMEOUT)[resource]).get("error", "OK")


# IncrementalAlterConfigs edits one setting at a time and keeps the others.
report["incremental_set"] = incremental(
    ConfigEntry("max.message.bytes", "2000000", incremental_operation=AlterConfigOpType.SET),
    ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.APPEND))
configs = topic_configs("admin-orders")
report["after_incremental"] = {name: [configs[name]["value"], configs[name]["source"]]
                               for name in ("max.message.bytes", "cleanup.policy", "retention.ms")}
report["incremental_subtract_all"] = incremental(ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.SUBTRACT))
report["incremental_append_compact"] = incremental(ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND))
report["incremental_append_scalar"] = incremental(ConfigEntry("retention.ms", "5", incremental_operation=AlterConfigOpType.APPEND))
report["incremental_delete"] = incremental(ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE))
configs = topic_configs("admin-orders")
report["after_delete"] = [configs["retention.ms"]["value"], configs["retention.ms"]["source"],
                          configs["max.message.bytes"]["value"]]

# The broker's settings are described, and static.
broker = ConfigResource(ResourceType.BROKER, "1")
broker_configs = admin.describe_configs([broker], request_timeout=TIMEOUT)[broker].result(timeout=TIMEOUT)
report["broker_configs"] = {name: [broker_configs[name].value, source_name(broker_configs[name].source), broker_configs[name].is_read_only]
                            for name in ("num.partitions", "node.id", "log.retention.ms") if name in broker_configs}
altered_broker = ConfigResource(ResourceType.BROKER, "1", set_config={"num.partitions": "4"})
report["alter_broker"] = outcome(admin.alter_configs([altered_broker], request_timeout=TIMEOUT)[altered_broker]).get("error")

# CreatePartitions grows a topic; the new count must be larger.
report["create_partitions"] = errors(admin.create_partitions([NewPartitions("admin-orders", 5)], request_timeout=TIMEOUT))
report["create_partitions_smaller"] = errors(admin.create_partitions([NewPartitions("admin-orders", 2)], request_timeout=TIMEOUT))
report["create_partitions_unknown"] = errors(admin.create_partitions([NewPartitions("no-such-topic", 2)], request_timeout=TIMEOUT))
report["partitions_after"] = partition_count("admin-orders")

# DeleteRecords on an empty partition: -1 (the high watermark) is 0; beyond it is out of range.
deleted = admin.delete_records([TopicPartition("admin-orders", 0, -1), TopicPartition("admin-orders", 1, 5)], request_timeout=TIMEOUT)
report["delete_records"] = {str(tp.partition): (lambda o: o.get("error") or o["ok"].low_watermark)(outcome(future))
                            for tp, future in deleted.items()}

# DescribeCluster.
cluster = admin.describe_cluster(request_timeout=TIMEOUT).result(timeout=TIMEOUT)
report["cluster"] = {"id": bool(cluster.cluster_id), "controller": cluster.controller.id, "nodes": [n.id for n in cluster.nodes]}

# DeleteTopics: the topic and its partition directories go.
report["directory_before_delete"] = os.path.isdir(os.path.join(data_dir, "admin-orders-0"))
# A group's committed offsets for the topic go with it (as Kafka drops them), others stay.
committer = Consumer({"bootstrap.servers": bootstrap, "group.id": "admin-auditor", "enable.auto.commit": False})
committer.commit(offsets=[TopicPartition("admin-orders", 0, 0), TopicPartition("defaults", 0, 0)], asynchronous=False)
committer.close()


def committed_topics(group):
    listed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=TIMEOUT)
    return sorted({tp.topic for tp in listed[group].result(timeout=TIMEOUT).topic_partitions})


report["committed_before_delete"] = committed_topics("admin-auditor")
report["delete"] = errors(admin.delete_topics(["admin-orders", "no-such-topic"], request_timeout=TIMEOUT))
report["committed_after_delete"] = committed_topics("admin-auditor")
report["listed_after_delete"] = sorted(admin.list_topics(timeout=TIMEOUT).topics)
report["directories_after_delete"] = sorted(name for name in os.listdir(data_dir) if name.startswith("admin-orders"))

print(json.dumps(report, sort_keys=True))
