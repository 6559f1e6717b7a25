"""DeleteRecords with confluent-kafka's AdminClient on a partition that holds records.

Usage: admin_delete_records.py BOOTSTRAP TOPIC
Deletes partition 0 before offset 2, then beyond the high watermark, then up to it (-1), and
prints one JSON object: the low watermark or the Kafka error name of each call.
"""
import json
import sys

from confluent_kafka import KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})


def delete_before(offset):
    partition = TopicPartition(topic, 0, offset)
    future = admin.delete_records([partition], request_timeout=20)[partition]
    try:
        return future.result(timeout=20).low_watermark
    except KafkaException as failure:
        return failure.args[0].name()


print(json.dumps({"before_2": delete_before(2), "beyond": delete_before(99), "to_high_watermark": delete_before(-1)}, sort_keys=True))
