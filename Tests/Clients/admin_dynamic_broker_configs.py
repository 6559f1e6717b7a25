"""Dynamic broker configs through the Python admin clients, against a cluster of brokers 1..N.

usage: admin_dynamic_broker_configs.py BOOTSTRAP BROKER_COUNT TOPIC
Sets the cluster-wide default log.retention.ms=7000 with kafka-python (incremental alter on the broker
resource named '', the cluster default), waits until every broker describes it, overrides it on broker
2 with confluent-kafka (log.retention.ms=9000 on broker resource '2'), then reads back what each
broker and TOPIC describe, and tries a setting no broker changes at run time (num.io.threads).
Prints JSON.
"""
import json
import sys
import time

from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource, ResourceType
from kafka.admin import ConfigResource as KafkaPythonConfigResource, ConfigResourceType, KafkaAdminClient

bootstrap, broker_count, topic = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TIMEOUT = 30
report = {}

# kafka-python routes a broker resource to the broker its name gives; the cluster default ('') has
# none, so it goes to any broker, as Kafka's Java admin client sends it.
group = KafkaAdminClient._group_config_resources


def group_default_with_the_rest(resources):
    by_broker, other = group([r for r in resources if r.name != ""])
    return by_broker, other + [r for r in resources if r.name == ""]


KafkaAdminClient._group_config_resources = staticmethod(group_default_with_the_rest)
python_admin = KafkaAdminClient(bootstrap_servers=bootstrap)
answered = python_admin.alter_configs(
    [KafkaPythonConfigResource(ConfigResourceType.BROKER, "", configs={"log.retention.ms": "7000"})],
    raise_on_unknown=False, incremental=True)
# kafka-python answers 'OK' or the error's text for each resource.
report["default_set"] = answered.get("broker", {})

admin = AdminClient({"bootstrap.servers": bootstrap})


def described(resource_type, name, key):
    """Value and source as confluent-kafka reads them; the synonyms, in order, as kafka-python does
    (confluent-kafka keys them by name, which keeps one of a broker setting's layers)."""
    resource = ConfigResource(resource_type, name)
    entry = admin.describe_configs([resource], request_timeout=TIMEOUT)[resource].result(timeout=TIMEOUT)[key]
    python_type = {ResourceType.BROKER: ConfigResourceType.BROKER, ResourceType.TOPIC: ConfigResourceType.TOPIC}[resource_type]
    everything = python_admin.describe_configs([KafkaPythonConfigResource(python_type, name)], include_synonyms=True,
                                               config_filter="all")[python_type.name.lower()][name]
    return {"value": entry.value, "source": ConfigSource(entry.source).name,
            "synonyms": [f"{s['source']}:{s['name']}={s['value']}" for s in everything[key]["synonyms"]]}


# Each broker's watcher reads the default from the coordination store.
deadline = time.monotonic() + 60
for broker in range(1, broker_count + 1):
    while described(ResourceType.BROKER, str(broker), "log.retention.ms")["value"] != "7000" and time.monotonic() < deadline:
        time.sleep(0.5)
report["brokers_after_default"] = {str(b): described(ResourceType.BROKER, str(b), "log.retention.ms")
                                   for b in range(1, broker_count + 1)}
report["topic_after_default"] = described(ResourceType.TOPIC, topic, "retention.ms")


def incremental(broker, name, value):
    resource = ConfigResource(ResourceType.BROKER, broker,
                              incremental_configs=[ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)])
    try:
        admin.incremental_alter_configs([resource])[resource].result(timeout=TIMEOUT)
        return "NONE"
    except Exception as error:  # a KafkaException carrying the broker's error
        kafka_error = error.args[0] if error.args else error
        return kafka_error.name() if hasattr(kafka_error, "name") else repr(error)


report["override_set"] = incremental("2", "log.retention.ms", "9000")
report["broker_2_after_override"] = described(ResourceType.BROKER, "2", "log.retention.ms")
report["static_refused"] = incremental("1", "num.io.threads", "4")
python_admin.close()
print(json.dumps(report, sort_keys=True))
