"""confluent-kafka and kafka-python over a secured listener: each produces COUNT records to its own
topic and reads them back. Prints one JSON object: per client, the values read back or the error.

usage: secure_clients.py BOOTSTRAP TOPIC_PREFIX SECURITY_PROTOCOL [key=value ...]
keys: ca (CA file), cert, key (client certificate and key), mechanism, user, password
"""
import json
import sys

BOOTSTRAP, PREFIX, PROTOCOL = sys.argv[1], sys.argv[2], sys.argv[3]
OPTIONS = dict(argument.split("=", 1) for argument in sys.argv[4:])
COUNT = 50
VALUES = [f"secret-{i}" for i in range(COUNT)]


def confluent_settings():
    settings = {"bootstrap.servers": BOOTSTRAP, "security.protocol": PROTOCOL}
    if "ca" in OPTIONS:
        settings["ssl.ca.location"] = OPTIONS["ca"]
    if "cert" in OPTIONS:
        settings["ssl.certificate.location"] = OPTIONS["cert"]
        settings["ssl.key.location"] = OPTIONS["key"]
    if "mechanism" in OPTIONS:
        settings.update({"sasl.mechanisms": OPTIONS["mechanism"], "sasl.username": OPTIONS["user"], "sasl.password": OPTIONS["password"]})
    return settings


def confluent():
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    topic = PREFIX + "-confluent"
    errors = []
    producer = Producer({**confluent_settings(), "message.timeout.ms": 15000, "error_cb": lambda e: errors.append(str(e))})
    for value in VALUES:
        producer.produce(topic, value.encode(), partition=0)
    left = producer.flush(20)
    if left:
        return {"error": f"{left} records not delivered: {errors[:3]}"}
    consumer = Consumer({**confluent_settings(), "group.id": PREFIX + "-confluent-group", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got = []
    for _ in range(200):
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            raise KafkaException(message.error())
        got.append(message.value().decode())
        if len(got) == COUNT:
            break
    consumer.close()
    return {"values": got}


def kafka_python_settings():
    settings = {"bootstrap_servers": BOOTSTRAP, "security_protocol": PROTOCOL, "request_timeout_ms": 15000}
    if "ca" in OPTIONS:
        settings["ssl_cafile"] = OPTIONS["ca"]
        settings["ssl_check_hostname"] = True
    if "cert" in OPTIONS:
        settings["ssl_certfile"] = OPTIONS["cert"]
        settings["ssl_keyfile"] = OPTIONS["key"]
    if "mechanism" in OPTIONS:
        settings.update({"sasl_mechanism": OPTIONS["mechanism"], "sasl_plain_username": OPTIONS["user"],
                         "sasl_plain_password": OPTIONS["password"]})
    return settings


def kafka_python():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    topic = PREFIX + "-kafka-python"
    producer = KafkaProducer(acks="all", enable_idempotence=False, **kafka_python_settings())
    for value in VALUES:
        producer.send(topic, value.encode(), partition=0)
    producer.flush(20)
    producer.close()
    consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest", consumer_timeout_ms=5000,
                             **kafka_python_settings())
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    got = []
    for message in consumer:
        got.append(message.value.decode())
        if len(got) == COUNT:
            break
    consumer.close()
    return {"values": got}


def attempt(client):
    try:
        return client()
    except Exception as error:  # the test reports which client failed and how
        return {"error": f"{type(error).__name__}: {error}"}


print(json.dumps({"expected": VALUES, "confluent": attempt(confluent), "kafka-python": attempt(kafka_python)}))
