"""Partition reassignments through kafka-python's admin client (confluent-kafka has no such calls).

usage: admin_reassign_partitions.py BOOTSTRAP create TOPIC REPLICAS[/REPLICAS...]   (REPLICAS: 1,2,3; one per partition)
       admin_reassign_partitions.py BOOTSTRAP alter TOPIC:PARTITION=REPLICAS|cancel...
       admin_reassign_partitions.py BOOTSTRAP list [TOPIC:PARTITION...]
       admin_reassign_partitions.py BOOTSTRAP brokers
create prints {}; brokers {"brokers": [ids]}; alter prints {"TOPIC-PARTITION": "NONE" | Kafka error name}; list prints
{"TOPIC-PARTITION": {"replicas": [...], "adding": [...], "removing": [...]}}.
"""
import json
import sys

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic


def parse_partition(spec):
    topic, partition = spec.rsplit(":", 1)
    return TopicPartition(topic, int(partition))


def create(admin, topic, assignments):
    replicas = {index: [int(b) for b in spec.split(",")] for index, spec in enumerate(assignments.split("/"))}
    admin.create_topics([NewTopic(topic, num_partitions=-1, replication_factor=-1, replica_assignments=replicas,
                                  topic_configs={"min.insync.replicas": "2"})])
    return {}


def alter(admin, specs):
    wanted = {}
    for spec in specs:
        partition, replicas = spec.split("=", 1)
        wanted[parse_partition(partition)] = None if replicas == "cancel" else [int(b) for b in replicas.split(",")]
    answered = admin.alter_partition_reassignments(wanted)
    return {f"{tp.topic}-{tp.partition}": "NONE" if error is None else error.message for tp, error in answered.items()}


def list_ongoing(admin, specs):
    ongoing = admin.list_partition_reassignments([parse_partition(s) for s in specs] if specs else None)
    return {f"{tp.topic}-{tp.partition}": {"replicas": state["replicas"], "adding": state["adding_replicas"],
                                           "removing": state["removing_replicas"]}
            for tp, state in ongoing.items()}


if __name__ == "__main__":
    bootstrap, command, arguments = sys.argv[1], sys.argv[2], sys.argv[3:]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    if command == "create":
        result = create(admin, arguments[0], arguments[1])
    elif command == "alter":
        result = alter(admin, arguments)
    elif command == "brokers":
        result = {"brokers": sorted(broker["broker_id"] for broker in admin.describe_cluster()["brokers"])}
    else:
        result = list_ongoing(admin, arguments)
    admin.close()
    print(json.dumps(result, sort_keys=True))
