"""Loopback TCP proxies a test switches between open, isolated and closed, to cut a broker off from
its peers (and, for a store that is a server, from the store) while a client still reaches it.

usage: partition_proxy.py [--allow CLIENT_ID,...] ROUTE...
  ROUTE  NAME:LISTEN_PORT:UPSTREAM_PORT[:kafka]   (all on 127.0.0.1)
Reads commands from stdin, one a line, and answers each with one line on stdout once it holds:
  NAME open       forward everything (the start)
  NAME isolate    kafka routes only: pass connections whose first request names an allowed client
                  id (Kafka request header), reset every other one, live or new
  NAME closed     reset every connection, live or new
  -> "ok NAME MODE"
At end of input: prints {"connections": N, "refused": N, "cut": N} and exits.

A route marked kafka reads each new connection's first request header before connecting upstream,
so it knows whose connection it is: the brokers' own connections (replica fetchers) carry their
client ids, the test's producer and the pier tools carry allowed ones.
"""
import argparse
import json
import select
import socket
import struct
import sys
import threading

from flaky_proxy import FlakyProxy


class Route:
    def __init__(self, spec, proxy):
        parts = spec.split(":")
        self.name, self.listen_port, self.upstream_port = parts[0], int(parts[1]), int(parts[2])
        self.kafka = len(parts) > 3 and parts[3] == "kafka"
        self.proxy = proxy
        self.mode = "open"
        self.live = {}  # (client, upstream) -> client id (None for plain routes)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.listen_port))
        self.listener.listen(64)
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def passes(self, client_id):
        if self.mode == "closed":
            return False
        if self.mode == "isolate":
            return client_id in self.proxy.allowed
        return True

    def set_mode(self, mode):
        with self.proxy.lock:
            self.mode = mode
            doomed = [pair for pair, client_id in self.live.items() if not self.passes(client_id)]
            for pair in doomed:
                del self.live[pair]
                self.proxy.cut += 1
        for pair in doomed:
            FlakyProxy.reset(*pair)

    def accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    @staticmethod
    def first_request_client_id(client):
        """Reads up to the client id of the first request (Kafka request header v1/v2: api key,
        version, correlation id, then the client id as a nullable int16-length string)."""
        data = b""
        client.settimeout(10)
        while True:
            if len(data) >= 14:
                length = struct.unpack(">h", data[12:14])[0]
                if length < 0:
                    return None, data
                if len(data) >= 14 + length:
                    return data[14:14 + length].decode(errors="replace"), data
            chunk = client.recv(65536)
            if not chunk:
                raise ConnectionError
            data += chunk

    def serve(self, client):
        try:
            client_id, buffered = self.first_request_client_id(client) if self.kafka else (None, b"")
            client.settimeout(None)
            with self.proxy.lock:
                self.proxy.connections += 1
                allowed = self.passes(client_id)
                if not allowed:
                    self.proxy.refused += 1
            if not allowed:
                FlakyProxy.reset(client)
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            upstream.settimeout(None)
        except OSError:
            FlakyProxy.reset(client)
            return
        except ConnectionError:
            FlakyProxy.reset(client)
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = (client, upstream)
        with self.proxy.lock:
            if not self.passes(client_id):  # the mode changed while connecting
                FlakyProxy.reset(*pair)
                return
            self.live[pair] = client_id
        try:
            if buffered:
                upstream.sendall(buffered)
            peers = {client: upstream, upstream: client}
            while True:
                readable, _, _ = select.select(list(peers), [], [], 0.2)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        raise ConnectionError
                    peers[s].sendall(data)
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            with self.proxy.lock:
                self.live.pop(pair, None)
            FlakyProxy.reset(*pair)


class PartitionProxy:
    def __init__(self, allowed):
        self.allowed = allowed
        self.lock = threading.Lock()
        self.connections = self.refused = self.cut = 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--allow", default="")
    parser.add_argument("routes", nargs="+")
    args = parser.parse_args()
    proxy = PartitionProxy(set(filter(None, args.allow.split(","))))
    routes = {route.name: route for route in (Route(spec, proxy) for spec in args.routes)}
    print("ready", flush=True)
    for line in sys.stdin:
        fields = line.split()
        if len(fields) != 2 or fields[0] not in routes or fields[1] not in ("open", "isolate", "closed"):
            print(f"error {line.strip()}", flush=True)
            continue
        routes[fields[0]].set_mode(fields[1])
        print(f"ok {fields[0]} {fields[1]}", flush=True)
    print(json.dumps({"connections": proxy.connections, "refused": proxy.refused, "cut": proxy.cut}), flush=True)


if __name__ == "__main__":
    main()
