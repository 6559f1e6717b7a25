"""Sets one topic config with confluent-kafka's AdminClient (incremental alter).

usage: alter_topic_config.py BOOTSTRAP TOPIC NAME VALUE
"""
import sys

from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

bootstrap, topic, name, value = sys.argv[1:5]
admin = AdminClient({"bootstrap.servers": bootstrap})
resource = ConfigResource(ConfigResource.Type.TOPIC, topic,
                          incremental_configs=[ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)])
for future in admin.incremental_alter_configs([resource]).values():
    future.result(timeout=30)
print("ok")
