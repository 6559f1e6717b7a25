"""Drives Pier's topic administration with kafka-python's KafkaAdminClient.

Usage: admin_kafka_python.py BOOTSTRAP
Prints one JSON object of observations; errors are reported by their kafka-python exception class.
"""
import json
import sys

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError

admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
report = {}


def error_name(call):
    try:
        call()
        return "OK"
    except KafkaError as failure:
        return type(failure).__name__


created = admin.create_topics([NewTopic("py-events", num_partitions=2, replication_factor=1,
                                        topic_configs={"retention.ms": "60000"})])
report["created"] = [(topic["name"], topic["error_code"]) for topic in created["topics"]]
report["create_again"] = error_name(lambda: admin.create_topics([NewTopic("py-events", 1, 1)]))
report["create_bad_name"] = error_name(lambda: admin.create_topics([NewTopic("bad/name", 1, 1)]))

topic = ConfigResource(ConfigResourceType.TOPIC, "py-events")
modified = admin.describe_configs([topic])["topic"]["py-events"]
report["modified"] = {name: entry["value"] for name, entry in modified.items()}
everything = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "py-events")], include_synonyms=True,
                                    config_filter="all")["topic"]["py-events"]
report["all_count"] = len(everything)
report["retention_synonyms"] = [(s["name"], s["source"]) for s in everything["retention.ms"]["synonyms"]]
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-events", configs={"retention.bytes": "1048576"})])
after = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "py-events")])["topic"]["py-events"]
report["after_alter"] = {name: entry["value"] for name, entry in after.items()}

broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")], config_filter="all")["broker"]["1"]
report["broker_num_partitions"] = [broker["num.partitions"]["value"], broker["num.partitions"]["config_source"]]

admin.create_partitions({"py-events": NewPartitions(total_count=4)})
report["partitions"] = len(admin.describe_topics(["py-events"])[0]["partitions"])

cluster = admin.describe_cluster()
report["cluster"] = [[b["node_id"] if "node_id" in b else b["broker_id"] for b in cluster["brokers"]], cluster["controller_id"]]

deleted = admin.delete_topics(["py-events"])
report["deleted"] = [(t["name"], t["error_code"]) for t in deleted["topics"]]
report["delete_again"] = error_name(lambda: admin.delete_topics(["py-events"]))
report["topics_after"] = sorted(admin.list_topics())
admin.close()
print(json.dumps(report, sort_keys=True))
