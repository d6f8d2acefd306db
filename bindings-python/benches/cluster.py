"""What replication through Redis costs (``sessiontimer.cluster``), against a
redis-server this script starts on a loopback port and stops by its PID:

- the cost per refresh with replication against without, at SESSIONS sessions:
  the same refreshes (``Engine.refreshed``) timed alone and then with the
  cluster's pipelined writes after each batch of BATCH, in paired rounds
  (the machine is shared and noisy: the ratio is of the same run);
- the time a live node takes to adopt all SESSIONS sessions of a dead one;
- Redis memory per session (``INFO memory``, before and after the writes).

A benchmark, not a test: run it by hand.

    python bindings-python/benches/cluster.py [--sessions 100000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

import sessiontimer as st
from sessiontimer.cluster import Cluster, wall_clock_ms

THEIRS = st.Negotiated(1800, st.Side.REMOTE)
LEASE_MS = 60_000  # long enough for the whole bench; death is the lease deleted


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = free_tcp_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return server, f"redis://127.0.0.1:{port}/0"


def node(client: Any, name: str) -> Cluster:
    return Cluster(
        client, name, st.Engine(), lambda key: {"call_id": f"{key}@bench"}, lease_ms=LEASE_MS
    )


def refresh_all(engine: st.Engine, keys: range, now: int) -> None:
    for key in keys:
        engine.refreshed(key, now, THEIRS)


async def replicated_refreshes(cluster: Cluster, keys: range, batch: int) -> float:
    start = time.perf_counter()
    now = wall_clock_ms()
    for first in range(keys.start, keys.stop, batch):
        refresh_all(cluster.engine, range(first, min(first + batch, keys.stop)), now)
        await cluster.flush()
    return time.perf_counter() - start


def plain_refreshes(engine: st.Engine, keys: range) -> float:
    start = time.perf_counter()
    refresh_all(engine, keys, wall_clock_ms())
    return time.perf_counter() - start


async def bench(url: str, sessions: int, batch: int, rounds: int) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    keys = range(1, sessions + 1)
    before = int((await client.info("memory"))["used_memory"])
    dead = node(client, "dead")
    await dead.join()
    now = wall_clock_ms()
    for key in keys:
        dead.engine.establish(key, THEIRS, now)
    await dead.flush()
    after = int((await client.info("memory"))["used_memory"])
    print(f"Redis memory per session: {(after - before) / sessions:.0f} bytes")

    plain = st.Engine()
    for key in keys:
        plain.establish(key, THEIRS, now)
    ratios, with_us, without_us = [], [], []
    for _ in range(rounds):
        alone = plain_refreshes(plain, keys)
        replicated = await replicated_refreshes(dead, keys, batch)
        ratios.append(replicated / alone)
        with_us.append(replicated / sessions * 1e6)
        without_us.append(alone / sessions * 1e6)
    print(
        f"refresh, {sessions} sessions, writes pipelined by {batch}: "
        f"{statistics.median(with_us):.1f} us with replication, "
        f"{statistics.median(without_us):.2f} us without; ratio {statistics.median(ratios):.1f}x "
        f"(range {min(ratios):.1f}-{max(ratios):.1f}, {rounds} paired rounds)"
    )

    standby = node(client, "standby")
    await standby.join()
    await client.delete(dead.key(dead.shard, "lease"))  # the node dies: its lease lapses
    start = time.perf_counter()
    adopted, _ = await standby.step()
    took = time.perf_counter() - start
    assert len(adopted) == sessions, len(adopted)
    print(
        f"adopt {sessions} sessions of a dead node: {took:.2f} s ({took / sessions * 1e6:.1f} us each)"
    )
    await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="refreshes per pipelined flush")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (Debian package redis-server)", file=sys.stderr)
        return 2
    server, url = start_redis()
    try:
        asyncio.run(bench(url, args.sessions, args.batch, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
