"""Python benchmark: sessiontimer against pure-Python baselines, in one run.

- UAS decisions per second from header pairs, against a pure-Python
  implementation of the same decision (pure_uas.py; tests/python checks that it
  agrees with the core on the checklist's UAS and parser vectors), and, to
  show what validation costs, against a minimal one that only takes the
  happy path (below; it accepts input the decision rejects).
- Engine operations per second (establish, re-arm, cancel, poll), against a
  heapq timer manager with lazy deletion (a dict of live generations) and
  against one asyncio timer handle per session (``loop.call_at``, re-armed by
  cancel and a new handle, the loop's clock virtual so firing waits for
  nothing), on the same workload.

The machine is shared and noisy, so each figure is a ratio against a baseline
measured in the same run: the contenders run back to back in each of several
rounds, and a ratio is the median of the rounds' ratios (load drifts over a
run, and within a round every contender meets the same load). The engine
workloads are also timed phase by phase (establish, re-arm, cancel, fire), so
the printout shows where each contender spends its time.

    python bindings-python/benches/bench.py [--sessions N]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import statistics
import timeit
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TypeVar

import pure_uas

import sessiontimer as st

INVITE = [
    ("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds"),
    ("From", "<sip:alice@127.0.0.1>;tag=1928301774"),
    ("To", "<sip:bob@127.0.0.1>"),
    ("Call-ID", "a84b4c76e66710@127.0.0.1"),
    ("CSeq", "314159 INVITE"),
    ("Supported", "100rel, timer"),
    ("Session-Expires", "1800"),
    ("Min-SE", "90"),
]


def minimal_uas_decide(
    headers: Sequence[tuple[str, str]], min_se: int = 90, session_expires: int = 1800
) -> tuple[int, list[tuple[str, str]]]:
    """RFC 4028 section 9's happy path for the RFC's default policy, in plain
    Python: no check of the values' syntax, of repeated headers or parameters,
    nor of the request's Min-SE against a smaller Session-Expires (checklist
    V23). Not the same decision; it shows what skipping validation saves."""
    interval: int | None = None
    refresher: str | None = None
    peer_min_se = 90
    supported = False
    for name, value in headers:
        lowered = name.lower()
        if lowered in ("session-expires", "x"):
            delta, *params = value.split(";")
            interval = int(delta.strip())
            for param in params:
                key, _, val = param.partition("=")
                if key.strip().lower() == "refresher":
                    refresher = val.strip().lower()
        elif lowered == "min-se":
            peer_min_se = max(90, int(value.split(";")[0].strip()))
        elif lowered in ("supported", "k", "require"):
            supported |= any(t.strip().lower() == "timer" for t in value.split(","))
    if interval is not None and supported and interval < min_se:
        return 422, [("Min-SE", str(min_se))]
    if interval is None:
        interval = max(session_expires, peer_min_se)
    else:
        interval = min(interval, max(session_expires, peer_min_se))
    if not supported:
        refresher = "uas"
    elif refresher is None:
        refresher = "uac"
    rows = [("Session-Expires", f"{interval};refresher={refresher}"), ("Supported", "timer")]
    if supported:
        rows.append(("Require", "timer"))
    return 200, rows


class HeapTimers:
    """A heapq timer manager with lazy deletion: the Python baseline."""

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, int]] = []
        self.live: dict[int, int] = {}
        self.generation = 0

    def arm(self, key: int, deadline: int) -> None:
        self.generation += 1
        self.live[key] = self.generation
        heapq.heappush(self.heap, (deadline, key, self.generation))

    def cancel(self, key: int) -> None:
        del self.live[key]

    def poll(self, now: int) -> list[int]:
        due = []
        while self.heap and self.heap[0][0] <= now:
            _, key, generation = heapq.heappop(self.heap)
            if self.live.get(key) == generation:
                del self.live[key]
                due.append(key)
        return due


T = TypeVar("T")

PHASES = ("establish", "re-arm", "cancel", "fire")


class Laps:
    """The ends of a workload's phases (`PHASES`), from its start."""

    def __init__(self) -> None:
        self.marks = [timeit.default_timer()]

    def lap(self) -> None:
        """Marks the end of a phase."""
        self.marks.append(timeit.default_timer())

    def phases(self) -> list[float]:
        """Seconds each phase took."""
        return [end - start for start, end in zip(self.marks, self.marks[1:])]


def rounds(contenders: Sequence[Callable[[], T]], count: int) -> list[list[T]]:
    """Each contender's result in each of `count` rounds, run back to back."""
    return [[run() for run in contenders] for _ in range(count)]


def per_call(fn: Callable[[], object], number: int) -> Callable[[], float]:
    """A contender timing `number` calls of `fn`: seconds per call."""
    return lambda: timeit.timeit(fn, number=number) / number


def fastest(times: list[list[float]]) -> list[float]:
    """Each contender's best round."""
    return [min(column) for column in zip(*times)]


def median_ratio(times: list[list[float]], baseline: int, contender: int) -> str:
    """The median over rounds of baseline time / contender time, with its range."""
    ratios = sorted(r[baseline] / r[contender] for r in times)
    return f"{ratios[len(ratios) // 2]:.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def bench_decisions() -> list[list[float]]:
    """Seconds per decision in each round: from header pairs; the same with
    its headers read (rows are written when read, and the pure-Python
    decisions build their rows); from parsed `TimerHeaders`; pure Python;
    minimal pure Python."""
    uas = st.Uas()
    decision = uas.decide(INVITE)
    assert isinstance(decision, st.Accept)
    assert (200, decision.headers) == pure_uas.decide(INVITE), "the baselines must agree"
    assert pure_uas.decide(INVITE) == minimal_uas_decide(INVITE)
    parsed = st.TimerHeaders(INVITE)
    contenders = [
        per_call(lambda: uas.decide(INVITE), 50_000),
        # An Accept, as asserted above; a cast or check would be timed too.
        per_call(lambda: uas.decide(INVITE).headers, 50_000),  # type: ignore[union-attr]
        per_call(lambda: uas.decide(parsed), 50_000),
        per_call(lambda: pure_uas.decide(INVITE), 50_000),
        per_call(lambda: minimal_uas_decide(INVITE), 50_000),
    ]
    return rounds(contenders, 7)


BATCH = 256


def rearm_one_by_one(engine: st.Engine, sessions: int, round_: int, timer: st.Negotiated) -> None:
    for key in range(sessions):
        engine.refreshed(key, round_ * 1000 + key, timer)


def rearm_in_batches(engine: st.Engine, sessions: int, round_: int, timer: st.Negotiated) -> None:
    for first in range(0, sessions, BATCH):
        keys = range(first, min(first + BATCH, sessions))
        engine.refreshed_batch([(key, round_ * 1000 + key, timer) for key in keys])


def establish_one_by_one(engine: st.Engine, sessions: int, timer: st.Negotiated) -> None:
    for key in range(sessions):
        engine.establish(key, timer, key)


def establish_in_batches(engine: st.Engine, sessions: int, timer: st.Negotiated) -> None:
    for first in range(0, sessions, BATCH):
        keys = range(first, min(first + BATCH, sessions))
        engine.establish_batch([(key, timer, key) for key in keys])


def engine_workload(sessions: int, batched: bool = False, api: ModuleType = st) -> list[float]:
    """Seconds of each phase: establish, 3 re-arms each, 1/5 cancels, then
    firing all; `batched`: establishments, re-arms and cancels through the
    batch calls; `api`: the module whose `Engine` runs it (another build's,
    in compare_builds.py)."""
    establish = establish_in_batches if batched else establish_one_by_one
    rearm = rearm_in_batches if batched else rearm_one_by_one
    engine = api.Engine()
    engine.reserve(sessions)
    timer = api.Negotiated(1800, api.Side.REMOTE)
    laps = Laps()
    establish(engine, sessions, timer)
    laps.lap()
    for round_ in range(1, 4):
        rearm(engine, sessions, round_, timer)
    laps.lap()
    if batched:
        for first in range(0, sessions, 5 * BATCH):
            engine.remove_batch(range(first, min(first + 5 * BATCH, sessions), 5))
    else:
        for key in range(0, sessions, 5):
            engine.remove(key)
    laps.lap()
    fired = engine.poll(10**12)
    laps.lap()
    assert len(fired) == sessions - len(range(0, sessions, 5))
    return laps.phases()


def heap_workload(sessions: int) -> list[float]:
    timers = HeapTimers()
    laps = Laps()
    for key in range(sessions):
        timers.arm(key, key + 1_768_000)
    laps.lap()
    for round_ in range(1, 4):
        for key in range(sessions):
            timers.arm(key, round_ * 1000 + key + 1_768_000)
    laps.lap()
    for key in range(0, sessions, 5):
        timers.cancel(key)
    laps.lap()
    fired = timers.poll(10**12)
    laps.lap()
    assert len(fired) == sessions - len(range(0, sessions, 5))
    return laps.phases()


class VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock the bench sets: its timers fire without waiting."""

    now = 0.0

    def time(self) -> float:
        return self.now


def call_at_workload(sessions: int) -> list[float]:
    """The engine's workload with one asyncio timer handle per session."""
    loop = VirtualLoop()
    fired: list[int] = []
    handles: dict[int, asyncio.TimerHandle] = {}
    try:
        laps = Laps()
        for key in range(sessions):
            handles[key] = loop.call_at(key / 1000 + 1768, fired.append, key)
        laps.lap()
        for round_ in range(1, 4):
            for key in range(sessions):
                handles[key].cancel()
                handles[key] = loop.call_at(round_ + key / 1000 + 1768, fired.append, key)
        laps.lap()
        for key in range(0, sessions, 5):
            handles.pop(key).cancel()
        laps.lap()
        loop.now = 1e12
        loop.run_until_complete(asyncio.sleep(0))
        laps.lap()
    finally:
        loop.close()
    assert len(fired) == sessions - len(range(0, sessions, 5))
    return laps.phases()


def print_phases(names: Sequence[str], runs: list[list[list[float]]], engines: int) -> None:
    """Each contender's median phases, then each baseline's phase ratios to
    each engine contender (medians over the rounds); the first `engines`
    contenders are the engine's, the rest baselines."""
    for n, name in enumerate(names):
        medians = [statistics.median(r[n][p] for r in runs) * 1e3 for p in range(len(PHASES))]
        print(f"  {name}: " + ", ".join(f"{m:.1f}" for m in medians))
    for baseline in range(engines, len(names)):
        for engine in range(engines):
            ratios = [
                statistics.median(r[baseline][p] / r[engine][p] for r in runs)
                for p in range(len(PHASES))
            ]
            cells = ", ".join(f"{phase} {x:.2f}x" for phase, x in zip(PHASES, ratios))
            print(f"  {names[baseline]} / {names[engine]}: {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description="sessiontimer Python benchmark")
    parser.add_argument("--sessions", type=int, default=100_000)
    args = parser.parse_args()
    decisions = bench_decisions()
    native, with_rows, preparsed, python, minimal = fastest(decisions)
    print(f"UAS decision from {len(INVITE)} header pairs: {native * 1e6:.2f} us (best round)")
    print(f"the same, its headers read:          {with_rows * 1e6:.2f} us")
    print(f"UAS decision from parsed TimerHeaders:   {preparsed * 1e6:.2f} us")
    print(f"pure-Python UAS decision:                {python * 1e6:.2f} us")
    print(f"minimal pure-Python (happy path only):   {minimal * 1e6:.2f} us")
    print(f"decisions ratio (pure Python / sessiontimer): {median_ratio(decisions, 3, 0)}")
    print(f"the same, headers read: {median_ratio(decisions, 3, 1)}")
    print(f"against the minimal pure Python: {median_ratio(decisions, 4, 0)}")
    print(f"the same, headers read: {median_ratio(decisions, 4, 1)}")
    n = args.sessions
    phased = rounds(
        [
            lambda: engine_workload(n),
            lambda: engine_workload(n, batched=True),
            lambda: heap_workload(n),
            lambda: call_at_workload(n),
        ],
        5,
    )
    engine = [[sum(phases) for phases in r] for r in phased]
    best_engine, best_batched, best_heap, best_call_at = fastest(engine)
    operations = n * 4 + len(range(0, n, 5)) + 1
    print(f"engine workload ({n} sessions, {operations} operations): {best_engine:.3f} s (best)")
    print(f"engine workload, in batches of {BATCH}:                        {best_batched:.3f} s")
    print(f"heapq workload:                                            {best_heap:.3f} s")
    print(f"asyncio call_at workload:                                  {best_call_at:.3f} s")
    print(
        f"engine ops/s: {operations / best_engine:,.0f}; heapq ops/s: {operations / best_heap:,.0f}"
    )
    print(f"engine ratio (heapq / sessiontimer): {median_ratio(engine, 2, 0)}")
    print(f"engine ratio, batched: {median_ratio(engine, 2, 1)}")
    print(f"engine ratio (asyncio call_at / sessiontimer): {median_ratio(engine, 3, 0)}")
    print(f"engine ratio, batched: {median_ratio(engine, 3, 1)}")
    print(f"phases, median ms ({', '.join(PHASES)}):")
    names = ["engine", "batched engine", "heapq", "asyncio call_at"]
    print_phases(names, phased, engines=2)


if __name__ == "__main__":
    main()
