"""Property tests of the binding with hypothesis (SECURITY.md): whatever a peer
sends and whatever a caller passes, the package answers or raises one of its
documented exceptions. It never crashes, and a Rust panic (PanicException, a
BaseException) never surfaces.

Documented: SessionTimerError and its subclasses for bad input from the wire
or a store; TypeError for a wrong Python type; ValueError for an unknown enum
name; OverflowError for an int out of range.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import sessiontimer as st

WIRE_ERRORS = (st.SessionTimerError,)
CALLER_ERRORS = (st.SessionTimerError, TypeError, ValueError, OverflowError)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = [
    "Session-Expires",
    "x",
    "Min-SE",
    "Supported",
    "k",
    "Require",
    "Proxy-Require",
    "Unsupported",
    "Allow",
    "SESSION-EXPIRES",
]
VALUES = hs.one_of(
    hs.text(max_size=40),
    hs.from_regex(r"\A[0-9 ]{0,25}(;[a-z]{0,9}(=[a-z\"0-9]{0,5})?){0,20}\Z"),
    hs.sampled_from(["1800;refresher=uac", "90", "timer", "TIMER, 100rel", "UPDATE", "0090;x"]),
)
ROWS = hs.lists(
    hs.tuples(hs.one_of(hs.sampled_from(NAMES), hs.text(max_size=12)), VALUES),
    max_size=8,
)
METHODS = hs.one_of(hs.sampled_from(["INVITE", "UPDATE", "BYE", st.Method.UPDATE]), hs.none())
POLICIES = hs.sampled_from([st.Policy.preset(name) for name in st.PRESETS])


def rows_read_back(rows: list[tuple[str, str]]) -> None:
    """Headers the library writes are headers it reads."""
    st.TimerHeaders(rows)


@FAST
@given(rows=ROWS, method=METHODS, policy=POLICIES)
def test_every_role_answers_any_header_rows(
    rows: list[tuple[str, str]], method: Any, policy: st.Policy
) -> None:
    try:
        decision = st.Uas(policy).decide(rows, method)
    except WIRE_ERRORS:
        return
    if not isinstance(decision, st.NotARefresh):
        rows_read_back(decision.headers)
    forward = st.Proxy(policy).on_request(rows, method)
    rows_read_back(forward.headers)
    uac = st.Uac(policy)
    for _ in range(20):
        try:
            rows_read_back(uac.on_422(rows))
        except WIRE_ERRORS:
            break
    uac.on_420(rows)
    uac.on_2xx(rows)
    uac.establish(rows, 0)
    b2bua = st.B2bua(policy, policy)
    b2bua.outbound_uac(rows).request()


@FAST
@given(raw=hs.one_of(hs.text(max_size=300), hs.binary(max_size=300)))
def test_any_raw_message_parses_or_raises_a_wire_error(raw: str | bytes) -> None:
    try:
        headers = st.TimerHeaders(raw)
    except (st.MalformedMessageError, st.MalformedHeaderError):
        return
    assert headers.status is None or 100 <= headers.status <= 699


@FAST
@given(
    start=hs.sampled_from(
        ["INVITE sip:b@127.0.0.1 SIP/2.0", "SIP/2.0 422 Too Small", "SIP/2.0 200 OK"]
    ),
    rows=ROWS,
)
def test_any_message_of_rows_reads_like_its_rows(start: str, rows: list[tuple[str, str]]) -> None:
    clean = [
        (n, v)
        for n, v in rows
        if n.strip() and ":" not in n and "\n" not in n + v and "\r" not in n + v
    ]
    raw = start + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in clean) + "\r\n"
    try:
        from_rows = st.TimerHeaders([(n.strip(), v.strip()) for n, v in clean])
    except WIRE_ERRORS:
        return
    try:
        from_raw = st.TimerHeaders(raw)
    except WIRE_ERRORS:
        return
    assert from_raw.session_expires == from_rows.session_expires
    assert from_raw.supports_timer == from_rows.supports_timer


SETTINGS = hs.fixed_dictionaries(
    {},
    optional={
        "mode": hs.one_of(
            hs.sampled_from(["off", "accept", "originate", "required", "bogus"]), hs.integers()
        ),
        "session_expires": hs.one_of(hs.integers(-(2**40), 2**40), hs.text(max_size=3)),
        "min_se": hs.integers(-(2**40), 2**40),
        "max_session_expires": hs.one_of(hs.none(), hs.integers(-5, 2**33)),
        "refresher": hs.sampled_from(["auto", "local", "remote", "uac", "uas", "nobody"]),
        "max_422_retries": hs.integers(-1, 300),
        "bye_margin": hs.sampled_from(["rfc", "one_tenth", "none", "half"]),
        "consume_refreshes": hs.booleans(),
    },
)


@FAST
@given(settings_=SETTINGS)
def test_any_policy_settings_build_or_raise_a_documented_error(settings_: dict[str, Any]) -> None:
    try:
        policy = st.Policy(**settings_)
    except CALLER_ERRORS:
        return
    assert st.Policy(**policy.to_dict()) == policy
    st.Engine(policy)


@FAST
@given(
    data=hs.binary(max_size=200),
    prefix=hs.sampled_from([b"", b"SSTE\x01", b"SSTS\x01", b"SSTD\x01"]),
)
def test_any_snapshot_bytes_restore_or_raise_snapshot_error(data: bytes, prefix: bytes) -> None:
    blob = prefix + data
    for restore in (st.Engine.restore, st.Session.from_bytes, st.Engine().restore_session):
        try:
            restore(blob)
        except st.SnapshotError:
            pass


class EngineMachine(RuleBasedStateMachine):
    """Random host calls and peer answers against one engine, with a model of
    which keys are alive: only documented errors, and the model holds."""

    @initialize(cap=hs.integers(0, 6))
    def start(self, cap: int) -> None:
        self.engine = st.Engine(max_sessions=cap)
        self.cap = cap
        self.alive: set[int] = set()
        self.now = 0

    @rule(key=hs.integers(0, 7), interval=hs.integers(0, 4000), local=hs.booleans())
    def establish(self, key: int, interval: int, local: bool) -> None:
        session = st.Session()
        timer = (
            st.Negotiated(max(interval, 90), "local" if local else "remote") if interval else None
        )
        session.apply(timer, self.now)
        try:
            self.engine.establish(key, session)
            self.alive.add(key)
        except st.DuplicateSessionError:
            assert key in self.alive
        except st.EngineFullError:
            assert len(self.alive) >= self.cap

    @rule(key=hs.integers(0, 7), status=hs.integers(-1, 2**16), rows=ROWS)
    def response(self, key: int, status: int, rows: list[tuple[str, str]]) -> None:
        try:
            self.engine.on_refresh_response(key, self.now, status, rows)
        except st.UnknownSessionError:
            assert key not in self.alive
        except (st.MalformedHeaderError, OverflowError):
            pass

    @rule(key=hs.integers(0, 7), rows=ROWS, method=METHODS)
    def answer(self, key: int, rows: list[tuple[str, str]], method: Any) -> None:
        try:
            self.engine.answer(key, rows, method)
        except st.UnknownSessionError:
            assert key not in self.alive
        except st.MalformedHeaderError:
            pass

    @rule(key=hs.integers(0, 7))
    def remove(self, key: int) -> None:
        try:
            self.engine.remove(key)
            self.alive.remove(key)
        except st.UnknownSessionError:
            assert key not in self.alive

    @rule(ms=hs.integers(0, 3_000_000))
    def poll(self, ms: int) -> None:
        self.now += ms
        for action in self.engine.poll(self.now):
            assert action.at_ms <= self.now
            if action.kind != st.ActionKind.SEND_REFRESH:
                self.alive.discard(action.key)

    @rule()
    def round_trip(self) -> None:
        self.engine.poll(self.now)
        self.alive = {key for key in self.alive if key in self.engine}
        self.engine = st.Engine.restore(self.engine.snapshot(), max_sessions=self.cap)

    @invariant()
    def holds_the_model(self) -> None:
        # `alive` may still hold a session whose BYE is waiting to be polled.
        if hasattr(self, "engine"):
            assert len(self.engine) <= self.cap
            assert {key for key in range(8) if key in self.engine} <= self.alive


TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
