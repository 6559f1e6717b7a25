"""ElectLeaders through an admin client library.

usage: admin_elect_leaders.py BOOTSTRAP kafka-python|confluent-kafka preferred|unclean TOPIC:PARTITION...
Prints {"TOPIC-PARTITION": "NONE" | Kafka error name}, one entry per partition the broker answered for.
"""
import json
import sys


def with_kafka_python(bootstrap, election, partitions):
    from kafka.admin import KafkaAdminClient
    import kafka.errors as Errors

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    wanted = {}
    for topic, partition in partitions:
        wanted.setdefault(topic, []).append(partition)
    response = admin.elect_leaders({"preferred": 0, "unclean": 1}[election], wanted, raise_errors=False)
    admin.close()
    results = {}
    for topic_result in response.replica_election_results:
        for partition in topic_result.partition_result:
            error = Errors.for_code(partition.error_code)
            results[f"{topic_result.topic}-{partition.partition_id}"] = "NONE" if error is Errors.NoError else error.message
    return results


def with_confluent_kafka(bootstrap, election, partitions):
    from confluent_kafka import ElectionType, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    kind = {"preferred": ElectionType.PREFERRED, "unclean": ElectionType.UNCLEAN}[election]
    answered = admin.elect_leaders(kind, [TopicPartition(t, p) for t, p in partitions]).result(30)
    return {f"{tp.topic}-{tp.partition}": "NONE" if error is None else error.name() for tp, error in answered.items()}


if __name__ == "__main__":
    bootstrap, library, election = sys.argv[1:4]
    partitions = [(spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])) for spec in sys.argv[4:]]
    run = {"kafka-python": with_kafka_python, "confluent-kafka": with_confluent_kafka}[library]
    print(json.dumps(run(bootstrap, election, partitions), sort_keys=True))
