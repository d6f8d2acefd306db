"""Session timers that survive a node (``sessiontimer.cluster``) against a
real redis-server: adoption by exactly one node, fencing of a node that was
replaced, at-once action on what expired during the outage, and a store that
empties itself (field notes section 2 items 7-11; RFC 4028 section 10).

The nodes here are engines with their ``Cluster``; the SIP-level tests, with
agents and SIPp, are in test_cluster_agents.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from peers import require
from redis_server import redis_server

import sessiontimer as st

pytestmark = pytest.mark.skipif(
    require("redis-server") is None,
    reason="redis-server not installed (apt-get install redis-server)",
)
redis_asyncio = pytest.importorskip("redis.asyncio")

from sessiontimer.cluster import Cluster, wall_clock_ms  # noqa: E402

LEASE_MS = 400
THEIRS = st.Negotiated(90, st.Side.REMOTE)  # the peer refreshes; we BYE at 60 s


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with redis_server() as running:
        yield running


def node(client: Any, name: str, clock: Callable[[], int] = wall_clock_ms) -> Cluster:
    engine = st.Engine()
    return Cluster(
        client, name, engine, lambda key: {"call": key}, lease_ms=LEASE_MS, prefix=name, clock=clock
    )


def run(url: str, test: Callable[[Any], Awaitable[None]]) -> None:
    async def main() -> None:
        client = redis_asyncio.Redis.from_url(url)
        try:
            await test(client)
        finally:
            await client.aclose()

    asyncio.run(main())


def named(cluster: Cluster, name: str) -> Cluster:
    """`cluster`, sharing the key prefix of node `name` (one cluster)."""
    cluster.prefix = name
    return cluster


async def lapse() -> None:
    """Waits until a lease not renewed has lapsed."""
    await asyncio.sleep(LEASE_MS / 1000 + 0.2)


def test_exactly_one_live_node_adopts_a_dead_nodes_sessions(url: str) -> None:
    async def test(client: Any) -> None:
        dead = named(node(client, "a"), "one")
        await dead.join()
        now = wall_clock_ms()
        for key in (1, 2, 3):
            dead.engine.establish(key, THEIRS, now)
        assert await dead.flush() == []
        b, c = named(node(client, "b"), "one"), named(node(client, "c"), "one")
        await b.join()
        await c.join()
        await lapse()
        (b_adopted, _), (c_adopted, _) = await asyncio.gather(b.step(), c.step())
        assert sorted(s.key for s in b_adopted + c_adopted) == [1, 2, 3]
        assert not (b_adopted and c_adopted), "one node took the whole shard"
        winner = b if b_adopted else c
        assert len(winner.engine) == 3 and len(b.engine) + len(c.engine) == 3
        assert (b_adopted + c_adopted)[0].context == {"call": 1}
        # Another round adopts nothing more.
        assert (await b.step())[0] == [] and (await c.step())[0] == []

    run(url, test)


def test_partition_both_nodes_believe_they_own_a_call_and_exactly_one_acts(url: str) -> None:
    """Node a stops renewing (cut off from Redis) and b adopts its call; a
    comes back with its engine still armed. At the BYE time both engines say
    BYE, and only b's claim is granted; a then learns it was replaced."""

    async def test(client: Any) -> None:
        a = named(node(client, "a"), "two")
        await a.join()
        # The peer refreshed 61 s ago: the BYE is due (RFC 4028 section 10).
        a.engine.establish(7, THEIRS, wall_clock_ms() - 61_000)
        await a.flush()
        b = named(node(client, "b"), "two")
        await b.join()
        await lapse()  # a's lease lapses while it cannot reach Redis
        adopted, _ = await b.step()
        assert [s.key for s in adopted] == [7]
        now = wall_clock_ms()
        a_actions, b_actions = a.engine.poll(now), b.engine.poll(now)
        assert [x.kind for x in a_actions] == [st.ActionKind.SEND_BYE]
        assert [x.kind for x in b_actions] == [st.ActionKind.SEND_BYE]
        granted = await asyncio.gather(a.claim(7, True), b.claim(7, True))
        assert list(granted) == [False, True]
        # a's next round finds its lease gone: it joins again, holding nothing of b's.
        adopted, _lost = await a.step()
        assert adopted == [] and len(a.engine) == 0
        assert a.epoch > b.epoch

    run(url, test)


def test_a_replaced_node_refreshes_nothing_and_its_writes_are_refused(url: str) -> None:
    async def test(client: Any) -> None:
        a = named(node(client, "a"), "three")
        await a.join()
        a.engine.establish(5, st.Negotiated(90, st.Side.LOCAL), wall_clock_ms() - 50_000)
        await a.flush()
        b = named(node(client, "b"), "three")
        await b.join()
        await lapse()
        assert [s.key for s in (await b.step())[0]] == [5]
        (refresh,) = a.engine.poll(wall_clock_ms())
        assert refresh.kind is st.ActionKind.SEND_REFRESH
        assert not await a.claim(5, False)
        # a's write of the refresh in flight is refused: a forgets the call.
        assert await a.flush() == [5] and 5 not in a.engine
        (theirs,) = b.engine.poll(wall_clock_ms())
        assert theirs.kind is st.ActionKind.SEND_REFRESH and await b.claim(5, False)

    run(url, test)


def test_a_session_that_expired_during_the_outage_ends_at_once_on_adoption(url: str) -> None:
    async def test(client: Any) -> None:
        a = named(node(client, "a"), "four")
        await a.join()
        now = wall_clock_ms()
        a.engine.establish(9, st.Negotiated(90, st.Side.LOCAL), now - 100_000)
        a.engine.establish(10, THEIRS, now - 100_000)
        await a.flush()  # written just before a died: both expired 10 s ago
        b = named(node(client, "b"), "four")
        await b.join()
        await lapse()
        assert sorted(s.key for s in (await b.step())[0]) == [9, 10]
        acted = b.engine.poll(wall_clock_ms())
        assert {(x.key, x.kind) for x in acted} == {
            (9, st.ActionKind.SEND_BYE),
            (10, st.ActionKind.SEND_BYE),
        }
        assert {x.reason for x in acted} == {st.Teardown.EXPIRED, st.Teardown.NO_REFRESH_RECEIVED}

    run(url, test)


def test_every_key_expires_on_its_own(url: str) -> None:
    """A dead cluster leaves nothing behind: every key has a TTL, a session's
    record its expiry plus the grace."""

    async def test(client: Any) -> None:
        a = named(node(client, "a"), "five")
        await a.join()
        now = wall_clock_ms()
        a.engine.establish(1, THEIRS, now)
        await a.flush()
        keys = [k async for k in client.scan_iter("five:*")]
        assert len(keys) >= 5
        for key in keys:
            assert await client.pttl(key) > 0, key
        record = a.key(a.shard, "s:1")
        expires = await client.pexpiretime(record)
        assert abs(expires - (now + 90_000 + a.grace_ms)) < 1000
        a.engine.remove(1)
        await a.flush()
        assert not await client.exists(record)

    run(url, test)


def test_a_damaged_store_is_adopted_without_a_crash(url: str) -> None:
    """A store an attacker may write (SECURITY.md): a record that is not one,
    a key that is not a number and a context that is not JSON are skipped
    or read as empty; the good record is adopted."""

    async def test(client: Any) -> None:
        a = named(node(client, "a"), "six")
        await a.join()
        a.engine.establish(1, THEIRS, wall_clock_ms())
        await a.flush()
        members, prefix = a.key(a.shard, "members"), a.key(a.shard, "s:")
        await client.sadd(members, "2", "x")
        await client.hset(f"{prefix}2", mapping={"record": b"SSTR\x01junk", "context": "{"})
        await client.hset(f"{prefix}x", mapping={"record": b"", "context": "[]"})
        await client.hset(f"{prefix}1", "context", "not json")
        b = named(node(client, "b"), "six")
        await b.join()
        await lapse()
        adopted, _ = await b.step()
        assert [(s.key, s.context) for s in adopted] == [(1, {})]

    run(url, test)


def test_a_node_whose_lease_lapsed_with_nobody_to_replace_it_takes_its_calls_back(url: str) -> None:
    """A pause longer than the lease on a cluster of one: the node joins again
    under a new epoch and adopts its own earlier shard, deadlines intact."""

    async def test(client: Any) -> None:
        a = named(node(client, "a"), "seven")
        first = await a.join()
        a.engine.establish(1, THEIRS, wall_clock_ms())
        await a.flush()
        await lapse()
        adopted, lost = await a.step()
        assert lost == [1] and [s.key for s in adopted] == [1]
        assert a.engine.owner.epoch > first.epoch and 1 in a.engine
        await a.flush()
        record = await client.hget(a.key(a.shard_of[1], "s:1"), "record")
        assert st.Owner.of_replica(record) == a.engine.owner

    run(url, test)
