"""A loopback TCP proxy that cuts its connections (with a TCP reset, mid-request or mid-response),
for testing how clients and the broker recover. Two kinds of cuts: at random moments
(cuts_per_second on average, preferring connections with requests awaiting their responses), and
right after a connection has passed a random number of whole requests (requests_per_cut, a range),
which loses the response to a request the broker has just received, however fast the traffic.
The upstream address is read from a file on every new connection, so the broker behind it may
restart on another port.

usage as a program: flaky_proxy.py LISTEN_PORT UPSTREAM_FILE SECONDS [CUTS_PER_SECOND]
  (serves for SECONDS, then prints {"connections": N, "cuts": N, "cutsWithRequestsUnanswered": N} and exits)
As a module: FlakyProxy(listen_port, upstream_file, cuts_per_second, requests_per_cut=(10, 60)).start() ... .stop()
"""
import json
import random
import select
import socket
import struct
import sys
import threading
import time


class FrameCounter:
    """Counts the Kafka frames (4-byte big-endian size, then the body) that have passed whole."""

    def __init__(self):
        self.frames = 0
        self.header = b""
        self.remaining = 0

    def feed(self, data):
        while data:
            if self.remaining:
                taken = min(self.remaining, len(data))
                self.remaining -= taken
                data = data[taken:]
                if not self.remaining:
                    self.frames += 1
                continue
            needed = 4 - len(self.header)
            self.header += data[:needed]
            data = data[needed:]
            if len(self.header) == 4:
                self.remaining = struct.unpack(">i", self.header)[0]
                self.header = b""
                if not self.remaining:
                    self.frames += 1


class FlakyProxy:
    def __init__(self, listen_port, upstream_file, cuts_per_second=2.0, requests_per_cut=None, seed=None):
        self.upstream_file = upstream_file
        self.cuts_per_second = cuts_per_second
        self.requests_per_cut = requests_per_cut
        self.random = random.Random(seed)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", listen_port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []  # live (client, upstream) socket pairs
        self.connections = 0
        self.cuts = 0
        # Cuts that lost the response to a request the broker had received whole: the client must
        # retry something the broker may already have done (for a produce: written).
        self.cuts_with_requests_unanswered = 0
        self.counters = {}  # (client, upstream) -> (requests forwarded, responses forwarded)
        self.chaos = threading.Event()
        self.stopping = threading.Event()

    def start(self, chaos=True):
        if chaos:
            self.chaos.set()
        threading.Thread(target=self.accept_loop, daemon=True).start()
        threading.Thread(target=self.chaos_loop, daemon=True).start()
        return self

    def stop(self):
        self.stopping.set()
        self.listener.close()
        with self.lock:
            for pair in self.pairs:
                self.reset(*pair)

    def upstream(self):
        with open(self.upstream_file) as f:
            host, port = f.read().strip().rsplit(":", 1)
        return host, int(port)

    def accept_loop(self):
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream(), timeout=2)
                upstream.settimeout(None)
            except OSError:
                # The broker is down (restarting): the client sees the connection fail and retries.
                self.reset(client)
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.pairs.append((client, upstream))
                self.connections += 1
            threading.Thread(target=self.pump, args=(client, upstream), daemon=True).start()

    def pump(self, client, upstream):
        """Both directions in one thread, until either side closes or the chaos loop cuts the pair."""
        peers = {client: upstream, upstream: client}
        counters = {client: FrameCounter(), upstream: FrameCounter()}
        with self.lock:
            self.counters[(client, upstream)] = (counters[client], counters[upstream])
            cut_after = self.random.randint(*self.requests_per_cut) if self.requests_per_cut else None
        try:
            while True:
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        raise ConnectionError
                    peers[s].sendall(data)
                    counters[s].feed(data)
                    if s is client and cut_after is not None and counters[client].frames >= cut_after and self.chaos.is_set():
                        with self.lock:
                            self.cuts += 1
                            if counters[client].frames > counters[upstream].frames:
                                self.cuts_with_requests_unanswered += 1
                        raise ConnectionError
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            with self.lock:
                if (client, upstream) in self.pairs:
                    self.pairs.remove((client, upstream))
                self.counters.pop((client, upstream), None)
            self.reset(client, upstream)

    def unanswered(self, pair):
        requests, responses = self.counters.get(pair, (FrameCounter(), FrameCounter()))
        return requests.frames > responses.frames

    def chaos_loop(self):
        """Cuts one live connection at random moments, cuts_per_second on average; a connection
        with requests awaiting their responses is preferred (that is where retries are tested)."""
        while not self.stopping.is_set():
            time.sleep(self.random.expovariate(self.cuts_per_second))
            if not self.chaos.is_set():
                continue
            with self.lock:
                busy = [pair for pair in self.pairs if self.unanswered(pair)]
                if not (busy or self.pairs):
                    continue
                pair = self.random.choice(busy or self.pairs)
                self.pairs.remove(pair)
                self.cuts += 1
                if busy:
                    self.cuts_with_requests_unanswered += 1
            self.reset(*pair)

    @staticmethod
    def reset(*sockets):
        """Closes with SO_LINGER 0: the peer gets a TCP reset, and whatever was in flight is lost."""
        for s in sockets:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass


if __name__ == "__main__":
    listen_port, upstream_file, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    proxy = FlakyProxy(listen_port, upstream_file, float(sys.argv[4]) if len(sys.argv) > 4 else 2.0).start()
    time.sleep(seconds)
    proxy.stop()
    print(json.dumps({"connections": proxy.connections, "cuts": proxy.cuts,
                      "cutsWithRequestsUnanswered": proxy.cuts_with_requests_unanswered}))
