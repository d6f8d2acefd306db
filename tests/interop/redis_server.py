"""A real redis-server (Debian's) for a test: started on a free loopback port
with no persistence, bounded in time, stopped by its PID."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from peers import Peer, free_port, require


def free_tcp_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server(seconds: float = 600) -> Iterator[str]:
    """A running redis-server; yields its URL."""
    binary = require("redis-server")
    assert binary is not None, "redis-server not installed (apt-get install redis-server)"
    port = free_tcp_port()
    server = Peer.start(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        seconds,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.stop()


__all__ = ["free_port", "free_tcp_port", "redis_server"]
