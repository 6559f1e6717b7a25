"""Prints one topic config's value as DescribeConfigs reports it (confluent-kafka AdminClient).

usage: describe_topic_config.py BOOTSTRAP TOPIC NAME
"""
import sys

from confluent_kafka.admin import AdminClient, ConfigResource

bootstrap, topic, name = sys.argv[1:4]
admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)]).values():
    print(future.result(timeout=30)[name].value)
