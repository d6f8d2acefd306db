"""Session timers that survive a node: an engine's sessions kept in Redis, a
lease per node, and adoption of a dead node's sessions by exactly one live
node (``pip install 'sessiontimer[cluster]'`` for redis-py).

The engine stays sans-I/O; this module is the host side of its change
journal (``Engine.track_changes``, ``drain_changes``, ``adopt``):

- **Incarnations and shards.** A node that joins takes a new epoch from the
  cluster's counter (every lease gets a larger one) and becomes the
  *incarnation* ``node.epoch``, with its own *shard* of sessions. Its lease is
  a key with a TTL it renews while it lives. Every key of a shard shares the
  hash tag ``{node.epoch}``, so each script below touches one Redis Cluster
  slot (the session records a script reads or writes are named from the
  shard's prefix rather than declared one by one: one call writes a whole
  flush of a shard).
- **Writes are fenced.** Each shard names its *holder* (the incarnation that
  may write and act for it). A change is written, and an action claimed, only
  by a script that first checks the holder is the caller: a node that was
  replaced learns it from a refused write or claim and acts on none of the
  sessions it lost (no double BYE, no refresh of a call it no longer owns).
- **Adoption.** When a holder's lease lapses, a live node swaps itself in as
  holder in one script (a compare-and-set on the holder), which returns the
  shard's records; it adopts them into its engine at ``now``, so a deadline
  that passed during the outage acts at once. Two nodes racing for a shard:
  the compare-and-set lets exactly one win.
- **Nothing left behind.** A session's record expires at the session's expiry
  plus a grace; a shard's holder and member set live as long as their latest
  session; a lease lives one TTL past the last renewal.

Times are the hosts' ``now``: in a cluster every node must use the same clock,
Unix milliseconds (``wall_clock_ms``), kept in step by NTP.

What a host keeps beside the timer to act for a dead node is its *context*, a
JSON-able dict written with each record: for a dialog, its Call-ID, both tags
(From and To), the CSeq, the route set, the remote target and the peer's
address (``sessiontimer.ua`` writes these). A host that adopts a dialog sends
its next request with a CSeq well above the stored one (RFC 3261 section 12.2.1.1
asks only that it grows), since the dead node may have sent requests after its
last write.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sessiontimer as st

if TYPE_CHECKING:  # redis-py is optional: the rest of the package works without it.
    from redis.asyncio import Redis

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - only where redis-py is absent

    class RedisError(Exception):  # type: ignore[no-redef]
        """Stands for redis-py's errors where redis-py is not installed."""


__all__ = [
    "GRACE_MS",
    "LEASE_MS",
    "Adopted",
    "Cluster",
    "RedisError",
    "node_number",
    "read_context",
    "text_of",
    "wall_clock_ms",
]

LEASE_MS = 3000
GRACE_MS = 300_000  # a record outlives its session's expiry by this much
EPOCH_KEEP_MS = 7 * 24 * 3600 * 1000

# The cluster's epoch: one more than the last, and never below the current
# Unix time in ms, so epochs keep growing even if the counter expired with a
# cluster that died.
NEXT_EPOCH = """
local e = redis.call('INCR', KEYS[1])
if e < tonumber(ARGV[1]) then
  e = tonumber(ARGV[1])
  redis.call('SET', KEYS[1], e)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return e
"""

# KEYS: lease, holder; ARGV: epoch, lease ms, me. Renews a lease still ours.
RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2], 'GT')
return 1
"""

# KEYS: holder, members; ARGV: me, the record key prefix, then per session:
# key, record ("" to delete it), context, expire at (ms). One call writes a
# flush's changes of one shard, if the shard is still ours.
WRITE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local latest = 0
for i = 3, #ARGV, 4 do
  local key = ARGV[2] .. ARGV[i]
  if ARGV[i + 1] == '' then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[2], ARGV[i])
  else
    redis.call('HSET', key, 'record', ARGV[i + 1], 'context', ARGV[i + 2], 'holder', ARGV[1])
    redis.call('PEXPIREAT', key, ARGV[i + 3])
    redis.call('SADD', KEYS[2], ARGV[i])
    latest = math.max(latest, tonumber(ARGV[i + 3]))
  end
end
if latest > 0 then
  for k = 1, 2 do
    -- A key without a TTL counts as never expiring for GT: give it one first.
    if redis.call('PTTL', KEYS[k]) == -1 then
      redis.call('PEXPIREAT', KEYS[k], latest)
    else
      redis.call('PEXPIREAT', KEYS[k], latest, 'GT')
    end
  end
end
return 1
"""

# KEYS: holder, members, record; ARGV: me, key, ending. May `me` act for the
# session? A BYE (ending) deletes the record in the same step, so nobody else can.
CLAIM = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[3])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
"""

# KEYS: holder, members; ARGV: the holder seen dead, me, record key prefix.
# Swaps `me` in as holder and returns key, record, context of each session.
ADOPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local out = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local found = redis.call('HMGET', ARGV[3] .. key, 'record', 'context')
  if found[1] then
    redis.call('HSET', ARGV[3] .. key, 'holder', ARGV[2])
    table.insert(out, key)
    table.insert(out, found[1])
    table.insert(out, found[2])
  else
    redis.call('SREM', KEYS[2], key)
  end
end
if #out == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return out
"""


def wall_clock_ms() -> int:
    """Unix time in milliseconds: the clock every node of a cluster shares."""
    return time.time_ns() // 1_000_000


def text_of(value: object) -> str:
    """A Redis reply as text, whether the client decodes replies or not
    (nil reads as "None", which no key or epoch is)."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def read_context(data: bytes | str | None) -> dict[str, Any]:
    """A stored context, or an empty one when it is not a JSON object."""
    try:
        context = json.loads(data or "{}")
    except ValueError:
        return {}
    return context if isinstance(context, dict) else {}


def node_number(node: str) -> int:
    """The number a node's name stands for in replica records (``Owner.node``)."""
    return int.from_bytes(hashlib.blake2b(node.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Adopted:
    """A session this node took over: its key, shard and the host's context."""

    key: int
    shard: str
    context: dict[str, Any]


class Cluster:
    """One node of a cluster: replicates ``engine`` through Redis, renews
    its lease, adopts dead nodes' sessions and fences every action.

    The host calls ``join`` once, then ``step`` every ``lease_ms / 3`` (the
    agent's ``replicate`` does), ``claim`` before it acts on an engine action,
    and reads what ``step`` returns: sessions adopted (rebuild their dialogs)
    and sessions lost to another node (forget them without a word).
    """

    def __init__(
        self,
        redis: Redis,
        node: str,
        engine: st.Engine,
        context: Callable[[int], dict[str, Any] | None],
        *,
        prefix: str = "sessiontimer",
        lease_ms: int = LEASE_MS,
        grace_ms: int = GRACE_MS,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        if not node or any(c in node for c in "{} "):
            raise ValueError(f"node id {node!r}: not empty, without braces or spaces")
        if lease_ms < 300:
            raise ValueError(f"lease of {lease_ms} ms: at least 300")
        self.redis = redis
        self.node = node
        self.engine = engine
        self.context = context
        self.prefix = prefix
        self.lease_ms = lease_ms
        self.grace_ms = grace_ms
        self.clock = clock
        self.epoch = 0
        self.shard = ""
        self.shard_of: dict[int, str] = {}  # session key -> its shard
        self.held: set[str] = set()  # shards we hold
        # Sessions another node took from us: we write nothing of them (their
        # removal is the new holder's) and act on none, until the host
        # establishes a new session under the same key.
        self.lost: set[int] = set()
        self.scripts = {
            name: redis.register_script(body)
            for name, body in (
                ("epoch", NEXT_EPOCH),
                ("renew", RENEW),
                ("write", WRITE),
                ("claim", CLAIM),
                ("adopt", ADOPT),
            )
        }

    # ---- keys ---------------------------------------------------------------------

    def key(self, shard: str, name: str) -> str:
        return f"{self.prefix}:{{{shard}}}:{name}"

    @property
    def me(self) -> str:
        """How a shard names us as its holder: epoch and incarnation."""
        return f"{self.epoch} {self.shard}"

    def shard_keys(self, shard: str, key: int) -> list[str]:
        return [self.key(shard, "holder"), self.key(shard, "members"), self.key(shard, f"s:{key}")]

    # ---- membership ---------------------------------------------------------------

    async def join(self) -> st.Owner:
        """Takes a new epoch and lease, with a fresh shard of our own; the
        engine's records name us from now on."""
        epoch_key = f"{self.prefix}:epoch"
        now = self.clock()
        self.epoch = int(await self.scripts["epoch"](keys=[epoch_key], args=[now, EPOCH_KEEP_MS]))
        self.shard = f"{self.node}.{self.epoch}"
        # The shard is new: no one else writes its keys, so no transaction
        # (which Redis Cluster would refuse across slots) is needed.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key(self.shard, "lease"), self.epoch, px=self.lease_ms)
            pipe.set(self.key(self.shard, "holder"), self.me, px=self.lease_ms)
            pipe.sadd(f"{self.prefix}:shards", self.shard)
            pipe.pexpire(f"{self.prefix}:shards", EPOCH_KEEP_MS)
            await pipe.execute()
        self.held.add(self.shard)
        owner = st.Owner(node_number(self.node), self.epoch)
        self.engine.owner = owner
        self.engine.track_changes()
        return owner

    async def renew(self) -> bool:
        """Renews our lease; false when it lapsed (we may have been replaced)."""
        keys = [self.key(self.shard, "lease"), self.key(self.shard, "holder")]
        renewed = await self.scripts["renew"](keys=keys, args=[self.epoch, self.lease_ms, self.me])
        return bool(renewed)

    async def leave(self) -> None:
        """Ends our lease now (a clean stop): another node adopts at once."""
        if not self.shard:
            return  # never joined
        await self.flush()
        await self.redis.delete(self.key(self.shard, "lease"))

    # ---- replication ---------------------------------------------------------------

    async def flush(self) -> list[int]:
        """Writes what changed since the last flush: one call per shard, all
        pipelined. Returns the sessions of shards we turned out no longer to
        hold (forget them)."""
        changes = []
        for change in self.engine.drain_changes():
            if change.kind is st.ChangeKind.ESTABLISHED:
                self.lost.discard(change.key)  # a new session under that key
            if change.key not in self.lost:
                changes.append(change)
        if not changes:
            return []
        by_shard: dict[str, list[bytes | str | int]] = {}
        for change in changes:
            shard = self.shard_of.setdefault(change.key, self.shard)
            by_shard.setdefault(shard, [self.me, self.key(shard, "s:")]).extend(self.row(change))
            # A torn-down session's shard is kept for the claim of its BYE.
            if change.kind is st.ChangeKind.REMOVED:
                self.shard_of.pop(change.key, None)
        async with self.redis.pipeline(transaction=False) as pipe:
            for shard, args in by_shard.items():
                keys = [self.key(shard, "holder"), self.key(shard, "members")]
                await self.scripts["write"](keys=keys, args=args, client=pipe)
            written = await pipe.execute()
        return self.drop({shard for shard, ok in zip(by_shard, written) if not ok})

    def row(self, change: st.Change) -> list[bytes | str | int]:
        """The change as the write script reads it: key, record (empty for an
        ended session), context, when the record expires."""
        if change.record is None:
            return [change.key, "", "", 0]
        expires = change.expires_at_ms
        keep_until = (expires if expires is not None else self.clock()) + self.grace_ms
        context = json.dumps(self.context(change.key) or {})
        return [change.key, change.record, context, keep_until]

    def drop(self, shards: Iterable[str]) -> list[int]:
        """Forgets the sessions of `shards` (another node holds them now)."""
        lost_shards = set(shards)
        if not lost_shards:
            return []
        self.held -= lost_shards
        lost = [key for key, shard in self.shard_of.items() if shard in lost_shards]
        for key in lost:
            del self.shard_of[key]
            if key in self.engine:
                self.engine.remove(key)
        self.lost.update(lost)
        return lost

    async def claim(self, key: int, ending: bool) -> bool:
        """Whether we may act for `key` now (send its refresh, or its BYE when
        `ending`: that also deletes its record, so no other node sends one)."""
        if key in self.lost:
            return False  # another node holds it now
        # A session established since the last flush is in our own shard.
        shard = self.shard_of.pop(key, self.shard) if ending else self.shard_of.get(key, self.shard)
        keys = self.shard_keys(shard, key)
        granted = await self.scripts["claim"](keys=keys, args=[self.me, key, int(ending)])
        return bool(granted)

    # ---- adoption ----------------------------------------------------------------

    async def dead_holders(self) -> dict[str, str]:
        """Shards whose holder's lease lapsed: shard -> the holder seen."""
        shards = sorted(await self.redis.smembers(f"{self.prefix}:shards"))
        names = [text_of(s) for s in shards]
        if not names:
            return {}
        holders = await self.redis.mget([self.key(s, "holder") for s in names])
        gone = []
        seen: dict[str, tuple[str, str, str]] = {}  # shard -> holder, its epoch, its shard
        for shard, holder in zip(names, holders):
            if holder is None:
                gone.append(shard)
            elif shard not in self.held:
                text = text_of(holder)
                epoch, _, incarnation = text.partition(" ")
                seen[shard] = (text, epoch, incarnation)
        if gone:
            await self.redis.srem(f"{self.prefix}:shards", *gone)
        if not seen:
            return {}
        leases = await self.redis.mget([self.key(h[2], "lease") for h in seen.values()])
        # A holder whose lease is gone, or names another epoch, is dead.
        return {
            shard: text
            for (shard, (text, epoch, _)), lease in zip(seen.items(), leases)
            if text_of(lease) != epoch
        }

    async def adopt(self, shard: str, holder: str) -> list[Adopted]:
        """Takes over `shard` from its dead `holder`, if nobody did first."""
        keys = [self.key(shard, "holder"), self.key(shard, "members")]
        prefix = self.key(shard, "s:")
        found = await self.scripts["adopt"](keys=keys, args=[holder, self.me, prefix])
        if not found:
            return []
        self.held.add(shard)
        now = self.clock()
        adopted = []
        for i in range(0, len(found), 3):
            record, context = found[i + 1], found[i + 2]
            try:
                key = int(found[i])
            except ValueError:
                continue  # not a key this library wrote
            if key in self.engine:
                continue  # a key we already hold: the record is the older one
            try:
                self.engine.adopt(record, now)
            except st.SessionTimerError:
                continue  # a damaged record: nothing can be done for it
            self.shard_of[key] = shard
            adopted.append(Adopted(key, shard, read_context(context)))
        return adopted

    async def step(self) -> tuple[list[Adopted], list[int]]:
        """One round: renew the lease (joining again when it lapsed, with every
        session forgotten), write changes, adopt the shards of dead nodes.
        Returns the sessions adopted and the sessions lost."""
        lost: list[int] = []
        if not await self.renew():
            lost = self.drop(set(self.held))
        lost += await self.flush()
        if self.shard not in self.held:
            # Replaced: the shards we held name our old incarnation, so they
            # are let go too (and adopted again below, if nobody else has).
            lost += self.drop(set(self.held))
            await self.join()
        adopted: list[Adopted] = []
        for shard, holder in (await self.dead_holders()).items():
            adopted += await self.adopt(shard, holder)
        return adopted, lost
