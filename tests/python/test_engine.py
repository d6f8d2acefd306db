"""The timer engine from Python: lifecycle, snapshots, pickling, threads."""

from __future__ import annotations

import contextlib
import gc
import pickle
import threading
import time

import pytest

import sessiontimer as st

S = 1000


def refresher_session(interval: int = 1800, at: int = 0) -> st.Session:
    session = st.Session(owns_call_id=True)
    session.note_peer([("Allow", "INVITE, UPDATE")])
    session.apply(st.Negotiated(interval, st.Side.LOCAL), at)
    return session


def test_refresh_is_due_at_half_the_interval_then_rearms_on_2xx() -> None:
    engine = st.Engine()
    engine.establish(1, refresher_session())
    assert engine.next_deadline() is not None
    assert engine.poll(900 * S - 1) == []
    [action] = engine.poll(900 * S)
    assert action.kind == st.ActionKind.SEND_REFRESH and action.key == 1
    assert action.method == st.Method.UPDATE and str(action.method) == "UPDATE"
    assert ("Session-Expires", "1800;refresher=uac") in action.headers
    engine.on_refresh_response(1, 901 * S, 200, [("x", "1800;refresher=uac")])
    assert engine.poll(1800 * S) == []
    [again] = engine.poll(1801 * S)
    assert again.kind == st.ActionKind.SEND_REFRESH
    assert engine.counters["refreshes_succeeded"] == 1


def test_501_to_update_falls_back_to_reinvite() -> None:
    engine = st.Engine()
    engine.establish(1, refresher_session())
    engine.poll(900 * S)
    engine.on_refresh_response(1, 900 * S, 501)
    [retry] = engine.poll(900 * S)
    assert retry.method == st.Method.INVITE


def test_unanswered_refresh_ends_with_bye() -> None:
    engine = st.Engine()
    engine.establish(1, refresher_session())
    engine.poll(900 * S)
    engine.on_refresh_response(1, 932 * S, 408)
    [bye] = engine.poll(932 * S)
    assert bye.kind == st.ActionKind.SEND_BYE
    assert bye.reason == st.Teardown.REFRESH_UNANSWERED
    assert 1 not in engine and len(engine) == 0


def test_silent_peer_gets_bye_at_the_rfc_time() -> None:
    engine = st.Engine()
    engine.establish(5, st.Negotiated(1800, st.Side.REMOTE), now_ms=0)
    [bye] = engine.poll(10**9)
    assert (bye.at_ms, bye.reason) == (1768 * S, st.Teardown.NO_REFRESH_RECEIVED)
    assert "reason=Teardown.NO_REFRESH_RECEIVED" in repr(bye)


def test_establish_from_a_timer_is_a_fresh_session_applied_at_now() -> None:
    """RFC 4028 section 10: the timer starts when the 2xx is sent or received."""
    timer = st.Negotiated(1800, st.Side.LOCAL)
    by_timer, by_session = st.Engine(), st.Engine()
    by_timer.establish(5, timer, now_ms=7)
    session = st.Session()
    session.apply(timer, 7)
    by_session.establish(5, session)
    assert by_timer.snapshot_session(5) == by_session.snapshot_session(5)
    assert by_timer.poll(10**9) == by_session.poll(10**9)
    by_timer.establish(6, None, now_ms=0)
    assert 6 in by_timer and by_timer.next_deadline() is None


def test_refreshed_batch_applies_each_report_and_returns_the_failures() -> None:
    """RFC 4028 section 10: each 2xx restarts its session's timer."""
    theirs = st.Negotiated(1800, st.Side.REMOTE)
    batched, one_by_one = st.Engine(), st.Engine()
    for engine in (batched, one_by_one):
        for key in range(40):
            engine.establish(key, theirs, now_ms=0)
    reports: list[tuple[int, int, st.Negotiated | None]] = [
        (key % 45, 1000 * S + key, st.Negotiated(90 + key, st.Side.REMOTE)) for key in range(90)
    ]
    reports.append((3, 2000 * S, None))
    failed = batched.refreshed_batch(iter(reports))
    assert [n for n, _ in failed] == [n for n, (key, _, _) in enumerate(reports) if key >= 40]
    assert all(isinstance(e, st.UnknownSessionError) for _, e in failed)
    for key, now_ms, timer in reports:
        if key in one_by_one:
            one_by_one.refreshed(key, now_ms, timer)
    assert batched.poll(10**9) == one_by_one.poll(10**9)
    assert batched.refreshed_batch([]) == []
    with pytest.raises((TypeError, ValueError)):
        batched.refreshed_batch([(1, 2)])  # type: ignore[list-item]


def test_establish_batch_establishes_each_session_and_returns_the_failures() -> None:
    """RFC 4028 section 10: each session's timer starts when its 2xx is sent
    or received; a batch does what the calls one by one do."""
    mine = st.Negotiated(1800, st.Side.LOCAL)
    session = st.Session()
    session.apply(st.Negotiated(90, st.Side.REMOTE), 5 * S)
    batched, one_by_one = st.Engine(max_sessions=28), st.Engine(max_sessions=28)
    sessions: list[tuple[int, st.Session] | tuple[int, st.Negotiated | None, int]] = [
        (key % 25, mine, key * S) for key in range(30)
    ]
    sessions += [(40, session), (41, None, 0), (42, mine, 0), (43, mine, 0)]
    failed = batched.establish_batch(iter(sessions))
    expected = [n for n, item in enumerate(sessions) if 25 <= n < 30 or item[0] == 43]
    assert [n for n, _ in failed] == expected
    assert all(isinstance(e, st.DuplicateSessionError) for _, e in failed[:5])
    assert isinstance(failed[-1][1], st.EngineFullError)
    for item in sessions:
        if item[0] not in one_by_one and len(one_by_one) < 28:
            one_by_one.establish(*item)
    assert len(batched) == len(one_by_one) == 28
    assert batched.poll(10**9) == one_by_one.poll(10**9)
    assert batched.establish_batch([]) == []


def test_remove_batch_removes_each_key_and_returns_the_failures() -> None:
    """RFC 4028 section 10: a session ends with its dialog; the host removes
    it, and nothing more is due for it."""
    engine = st.Engine()
    for key in range(10):
        engine.establish(key, st.Negotiated(90, st.Side.REMOTE), now_ms=0)
    failed = engine.remove_batch(iter([3, 12, 4, 3, 9]))
    assert [n for n, _ in failed] == [1, 3]
    assert all(isinstance(e, st.UnknownSessionError) for _, e in failed)
    assert engine.remove_batch([]) == []
    with pytest.raises(TypeError):
        engine.remove_batch([1, "2"])  # type: ignore[list-item]
    with pytest.raises(OverflowError):
        engine.remove_batch([2, -1])
    assert sorted(a.key for a in engine.poll(10**9)) == [0, 1, 2, 5, 6, 7, 8]


@pytest.mark.parametrize(
    "item",
    [(1,), (1, None, 0, 0), (1, st.Session(), 0), (1, st.Negotiated(90, st.Side.LOCAL)), [1, None]],
)
def test_establish_batch_refuses_an_item_of_the_wrong_shape_before_any_applies(
    item: object,
) -> None:
    engine = st.Engine()
    with pytest.raises(TypeError):
        engine.establish_batch([(7, None, 0), item])  # type: ignore[list-item]
    assert len(engine) == 0


def test_establish_takes_now_ms_with_a_timer_and_only_then() -> None:
    engine = st.Engine()
    with pytest.raises(TypeError, match="now_ms"):
        engine.establish(1, st.Negotiated(90, st.Side.LOCAL))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="now_ms"):
        engine.establish(1, st.Session(), now_ms=0)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        engine.establish(1, "1800", now_ms=0)  # type: ignore[call-overload]
    assert len(engine) == 0


def test_rejected_refresh_reports_its_status() -> None:
    engine = st.Engine(max_refresh_retries=0)
    engine.establish(1, refresher_session())
    engine.poll(900 * S)
    engine.on_refresh_response(1, 900 * S, 488)
    [bye] = engine.poll(10**9)
    assert bye.reason == st.Teardown.REFRESH_REJECTED and bye.status == 488


def test_proxy_sessions_end_without_bye() -> None:
    engine = st.Engine()
    engine.establish_proxy(9, 90, 0)
    [ended] = engine.poll(90 * S)
    assert ended.kind == st.ActionKind.SESSION_ENDED and ended.reason == st.Teardown.EXPIRED


def test_engine_answers_the_peers_refresh() -> None:
    engine = st.Engine()
    session = st.Session()
    session.apply(st.Negotiated(1800, st.Side.REMOTE), 0)
    engine.establish(3, session)
    decision = engine.answer(3, [("k", "timer"), ("x", "1800;refresher=uac")], "UPDATE")
    assert isinstance(decision, st.Accept)
    engine.refreshed(3, 1000 * S, decision.timer)
    [bye] = engine.poll(10**9)
    assert bye.at_ms == 2768 * S


def busy_engine() -> st.Engine:
    engine = st.Engine(seed=7)
    for key in range(200):
        engine.establish(key, refresher_session(90 + key, key))
    engine.poll(100 * S)
    return engine


def test_snapshot_and_pickle_keep_every_deadline() -> None:
    engine = busy_engine()
    restored = st.Engine.restore(engine.snapshot(), seed=7)
    unpickled = pickle.loads(pickle.dumps(engine))
    assert restored.counters == engine.counters == unpickled.counters
    expected = [(a.key, a.at_ms, a.kind) for a in engine.poll(10**9)]
    assert [(a.key, a.at_ms, a.kind) for a in restored.poll(10**9)] == expected
    assert [(a.key, a.at_ms, a.kind) for a in unpickled.poll(10**9)] == expected


def test_a_session_moves_between_engines() -> None:
    first, second = busy_engine(), st.Engine()
    data = first.snapshot_session(150)
    first.remove(150)
    assert second.restore_session(data) == 150 and 150 in second
    assert second.session(150) is not None


def test_poll_limit_leaves_the_rest_due() -> None:
    engine = busy_engine()
    assert len(engine.poll(10**9, limit=5)) == 5
    assert len(engine.poll(10**9)) > 0


def test_poll_hands_over_every_action_in_order_across_its_chunks() -> None:
    """`poll` takes actions from the engine 1024 at a time: a limit that is
    not a multiple of that, and polls longer than one chunk, lose nothing,
    repeat nothing and keep (deadline, key) order."""
    engine = st.Engine()
    sessions = 3000
    for key in range(sessions):
        engine.establish(key, st.Negotiated(90, st.Side.REMOTE), now_ms=key % 7)
    first = engine.poll(10**9, limit=2500)
    rest = engine.poll(10**9)
    polled = [(action.at_ms, action.key) for action in first + rest]
    assert len(first) == 2500 and len(rest) == sessions - 2500
    assert polled == sorted(polled) and len({key for _, key in polled}) == sessions
    assert engine.poll(10**9) == [] and len(engine) == 0


def test_polled_actions_are_left_out_of_the_cyclic_gc() -> None:
    """An action holds no Python object, so the collector need not walk it;
    untracked, it still lives as long as a reference to it does."""
    engine = busy_engine()
    actions = engine.poll(10**9)
    assert actions and not any(gc.is_tracked(action) for action in actions)
    before = [repr(action) for action in actions]
    gc.collect()
    assert [repr(action) for action in actions] == before


def test_sessions_an_engine_hands_out_are_left_out_of_the_cyclic_gc() -> None:
    """`session` and `remove` return copies that hold no Python object."""
    engine = st.Engine()
    engine.establish(1, st.Negotiated(90, st.Side.REMOTE), now_ms=0)
    copy = engine.session(1)
    removed = engine.remove(1)
    assert copy is not None and not gc.is_tracked(copy) and not gc.is_tracked(removed)
    gc.collect()
    assert removed.refreshed_at_ms == copy.refreshed_at_ms == 0
    restored: st.Session = pickle.loads(pickle.dumps(removed))
    assert restored.timer is not None and restored.timer.interval == 90


def test_threads_hammering_one_engine() -> None:
    """Eight threads establish, answer, poll and remove on one engine at once."""
    engine = st.Engine()
    uas = st.Uas()
    errors: list[BaseException] = []
    per_thread = 2000

    def work(base: int) -> None:
        try:
            for i in range(per_thread):
                key = base * per_thread + i
                decision = uas.decide([("k", "timer"), ("x", str(90 + i % 1000))])
                assert isinstance(decision, st.Accept) and decision.timer is not None
                session = st.Session()
                session.apply(decision.timer, i * S)
                engine.establish(key, session)
                engine.poll(i * S)
                if i % 3 == 0:
                    # Another thread's poll may end the session first, even
                    # between a `key in engine` test and this call.
                    with contextlib.suppress(st.UnknownSessionError):
                        engine.remove(key)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counters = engine.counters
    assert counters["established"] == 8 * per_thread
    ended = sum(counters[k] for k in ("no_refresh_received", "removed_by_host", "expired"))
    assert ended + len(engine) == 8 * per_thread
    engine.poll(10**12)
    assert len(engine) == 0


def test_a_call_waits_out_another_threads_long_detached_calls() -> None:
    """While one thread snapshots a large engine back to back (each snapshot
    holds the engine's lock with the interpreter released), another thread's
    re-arms take turns with the snapshots: none is lost, none fails, neither
    thread deadlocks, and no re-arm waits out more than a few snapshots (a
    lock that lets its holder take it again at once kept a re-arm waiting
    for 10 to 48 snapshots)."""
    engine = st.Engine()
    timer = st.Negotiated(1800, st.Side.REMOTE)
    sessions = 200_000
    engine.reserve(sessions)
    for key in range(sessions):
        engine.establish(key, timer, 0)
    done = threading.Event()
    snapshots: list[float] = []

    def snapshot_until_done() -> None:
        while not done.is_set():
            start = time.monotonic()
            engine.snapshot()
            snapshots.append(time.monotonic() - start)

    snapshotter = threading.Thread(target=snapshot_until_done)
    snapshotter.start()
    rearmed, longest_wait = 0, 0.0
    give_up = time.monotonic() + 30
    try:
        while len(snapshots) < 5 and time.monotonic() < give_up:
            start = time.monotonic()
            engine.refreshed(rearmed * 100 % sessions, 5_000, timer)
            longest_wait = max(longest_wait, time.monotonic() - start)
            rearmed += 1
    finally:
        done.set()
        snapshotter.join(timeout=60)
    assert not snapshotter.is_alive()
    assert len(snapshots) >= 5
    assert longest_wait <= 4 * max(snapshots) + 0.05, (longest_wait, snapshots)
    assert engine.counters["refreshes_succeeded"] == rearmed
    # Unrefreshed sessions end first, in key order; key 0 was refreshed.
    (first,) = engine.poll(1_800_000 - 32_000, limit=1)
    assert first.key == 1 and first.at_ms == 1_800_000 - 32_000


def test_rfc3326_a_bye_action_carries_its_reason_header() -> None:
    engine = st.Engine()
    engine.establish(1, st.Negotiated(90, st.Side.REMOTE), now_ms=0)
    (bye,) = engine.poll(60_000)
    assert bye.kind == st.ActionKind.SEND_BYE
    assert bye.bye_reason == 'SIP;cause=408;text="No session refresh received"'
    engine.establish(2, st.Negotiated(90, st.Side.LOCAL), now_ms=0)
    (refresh,) = engine.poll(45_000)
    assert refresh.bye_reason is None


def test_a_refresh_waits_for_the_hosts_own_offer_and_its_2xx_counts() -> None:
    """RFC 3261 section 14.1: one INVITE at a time. A hold re-INVITE is out when
    the refresh falls due: it waits; the hold's 2xx (with the timer headers)
    is the refresh; a failed offer sends the waiting refresh at once."""
    engine = st.Engine()
    engine.establish(1, refresher_session())
    engine.establish(2, refresher_session())
    assert engine.offer_started(1) and engine.offer_started(2)
    assert engine.poll(900 * S) == []
    engine.on_refresh_response(1, 905 * S, 200, [("Session-Expires", "1800;refresher=uac")])
    engine.on_refresh_response(2, 906 * S, 488)
    [refresh] = engine.poll(906 * S)
    assert refresh.key == 2 and refresh.kind == st.ActionKind.SEND_REFRESH
    assert not engine.offer_started(2)  # its refresh is in flight: wait for the answer
    engine.on_refresh_response(2, 907 * S, 200, [("Session-Expires", "1800;refresher=uac")])
    assert engine.poll(1804 * S) == []
    [again] = engine.poll(1805 * S)
    assert again.key == 1


def test_the_journal_gives_each_changed_session_once_with_its_record() -> None:
    """A host replicating its sessions writes only what changed (field notes 2.7)."""
    engine = st.Engine()
    engine.track_changes()
    engine.owner = st.Owner(node=3, epoch=7)
    engine.establish(1, st.Negotiated(90, st.Side.REMOTE), 0)
    engine.establish(2, st.Negotiated(90, st.Side.LOCAL), 0)
    engine.refreshed(1, 10_000, st.Negotiated(90, st.Side.REMOTE))
    assert engine.pending_changes() == 2
    changes = engine.drain_changes()
    assert [(c.key, c.kind) for c in changes] == [
        (1, st.ChangeKind.ESTABLISHED),
        (2, st.ChangeKind.ESTABLISHED),
    ]
    assert changes[0].expires_at_ms == 100_000
    assert changes[0].record == engine.replica(1)
    assert st.Owner.of_replica(engine.replica(1)) == st.Owner(3, 7)
    engine.remove(2)
    (removed,) = engine.drain_changes()
    assert removed.kind is st.ChangeKind.REMOVED and removed.record is None
    assert "REMOVED" in repr(removed)


def test_rfc4028_s10_an_adopted_session_past_its_bye_time_ends_at_once() -> None:
    """A node adopting a dead node's session acts at once on a deadline that
    passed while nobody owned it (field notes 2.9)."""
    dead = st.Engine()
    dead.owner = st.Owner(1, 1)
    dead.establish(5, st.Negotiated(90, st.Side.REMOTE), 0)
    record = dead.replica(5)
    standby = st.Engine()
    assert standby.adopt(record, 200_000) == (5, st.Owner(1, 1))
    (bye,) = standby.poll(200_000)
    assert bye.kind is st.ActionKind.SEND_BYE
    assert bye.reason is st.Teardown.NO_REFRESH_RECEIVED
    assert st.Owner(2, 2).supersedes(st.Owner(1, 1))
    assert not st.Owner(1, 1).supersedes(st.Owner(2, 2))
    with pytest.raises(st.SnapshotError):
        standby.adopt(record[:20], 0)
