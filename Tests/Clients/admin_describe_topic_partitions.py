"""DescribeTopicPartitions through kafka-python's admin client, page by page.

usage: admin_describe_topic_partitions.py BOOTSTRAP LIMIT [TOPIC...]
Follows the cursor from page to page (every topic when none are named); prints
{"pages": [["TOPIC-PARTITION leader=L replicas=R isr=I", ...], ...], "errors": {"TOPIC": error_code}}.
"""
import json
import sys

from kafka.admin import KafkaAdminClient


def main(bootstrap, limit, topics):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    pages, errors, cursor = [], {}, None
    while len(pages) < 50:
        answer = admin.describe_topic_partitions(topics, response_partition_limit=limit, cursor=cursor)
        page = []
        for topic in answer["topics"]:
            if topic["error_code"] != 0:
                errors[topic["name"]] = topic["error_code"]
            for p in topic["partitions"]:
                page.append(f"{topic['name']}-{p['partition_index']} leader={p['leader_id']} "
                            f"replicas={p['replica_nodes']} isr={p['isr_nodes']}")
        pages.append(page)
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    admin.close()
    print(json.dumps({"pages": pages, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
