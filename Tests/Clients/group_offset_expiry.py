"""Offset expiry and OffsetDelete through kafka-python (3.x: KafkaAdminClient.delete_group_offsets).

usage: group_offset_expiry.py BOOTSTRAP TOPIC
  expiry: commits TOPIC-0 for group "expiring" with an OffsetCommit v2-v4 retention_time_ms of 1000
  (kafka-python's admin always sends -1, so the request is built from its protocol classes) and
  TOPIC-0 for "kept" with the default; then waits (15 s at most) for the broker's expiry pass to
  drop "expiring" from OffsetFetch and ListGroups.
  delete: a KafkaConsumer in group "readers" subscribed to TOPIC commits both partitions; OffsetDelete
  of TOPIC-0 while it is a member, then after it closed; and of an unknown group.
Prints one JSON object; a partition error is kafka-python's error class name.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError
from kafka.protocol.consumer import OffsetCommitRequest
from kafka.structs import OffsetAndMetadata

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
if not hasattr(admin, "delete_group_offsets"):
    sys.exit("kafka-python 3.x is needed (KafkaAdminClient.delete_group_offsets)")
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
report = {}


def commit_with_retention(group, partition, offset, retention_ms):
    request = OffsetCommitRequest(
        group_id=group, generation_id_or_member_epoch=-1, member_id="", group_instance_id=None,
        retention_time_ms=retention_ms,
        topics=[OffsetCommitRequest.OffsetCommitRequestTopic(name=topic, partitions=[
            OffsetCommitRequest.OffsetCommitRequestTopic.OffsetCommitRequestPartition(
                partition_index=partition, committed_offset=offset, committed_leader_epoch=-1, committed_metadata="")])],
        min_version=2, max_version=4)

    async def send():
        coordinator = await admin._find_coordinator_id(group)
        return await admin._manager.send(request, node_id=coordinator)

    response = admin._manager.run(send)
    return [p.error_code for t in response.topics for p in t.partitions]


def committed(group):
    return {tp.partition: oam.offset for tp, oam in admin.list_group_offsets({group: None})[group].items()}


def listed():
    return sorted(group["group_id"] for group in admin.list_groups())


report["commit_errors"] = commit_with_retention("expiring", 0, 11, 1000)
admin.alter_group_offsets("kept", {TopicPartition(topic, 0): OffsetAndMetadata(12, "", -1)})
report["before"] = {"expiring": committed("expiring"), "kept": committed("kept"), "groups": listed()}
started = time.monotonic()
while time.monotonic() - started < 15 and (committed("expiring") or "expiring" in listed()):
    time.sleep(0.2)
report["expired_after_s"] = round(time.monotonic() - started, 1)
report["after"] = {"expiring": committed("expiring"), "kept": committed("kept"), "groups": listed()}


def name(error):
    return error.__name__ if isinstance(error, type) else type(error).__name__


consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="readers", enable_auto_commit=False,
                         auto_offset_reset="earliest")
deadline = time.monotonic() + 20
while len(consumer.assignment()) < 2 and time.monotonic() < deadline:
    consumer.poll(timeout_ms=200)
if len(consumer.assignment()) < 2:
    sys.exit(f"readers never got both partitions: {consumer.assignment()}")
consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(20 + p, "", -1) for p in range(2)})
member_result = admin.delete_group_offsets("readers", [TopicPartition(topic, 0)])
report["delete_while_subscribed"] = {str(tp.partition): name(error) for tp, error in member_result.items()}
report["readers_while_subscribed"] = committed("readers")
consumer.close()
empty_result = admin.delete_group_offsets("readers", [TopicPartition(topic, 0)])
report["delete_when_empty"] = {str(tp.partition): name(error) for tp, error in empty_result.items()}
report["readers_when_empty"] = committed("readers")
try:
    admin.delete_group_offsets("nobody", [TopicPartition(topic, 0)])
    report["delete_unknown_group"] = "OK"
except KafkaError as failure:
    report["delete_unknown_group"] = name(failure)
admin.close()
print(json.dumps(report, sort_keys=True))
