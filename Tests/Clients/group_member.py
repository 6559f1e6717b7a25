"""A consumer that joins a group and stays in it, so tests can see an active member.

usage: group_member.py BOOTSTRAP TOPIC GROUP
Prints "joined" once it has an assignment, then keeps polling until stdin closes (or 120 s pass).
"""
import select
import sys
import time

from kafka import KafkaConsumer

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", session_timeout_ms=10000, heartbeat_interval_ms=1000)
deadline = time.time() + 120
announced = False
while time.time() < deadline:
    consumer.poll(timeout_ms=200)
    if not announced and consumer.assignment():
        print("joined", flush=True)
        announced = True
    readable, _, _ = select.select([sys.stdin], [], [], 0)
    if readable and not sys.stdin.read(1):
        break
consumer.close()
