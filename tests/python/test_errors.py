"""Bad input of every kind raises the documented exception, never crashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sessiontimer as st


@pytest.mark.parametrize(
    ("headers", "header"),
    [
        ([("Session-Expires", "abc")], "Session-Expires"),
        ([("Session-Expires", "")], "Session-Expires"),
        ([("x", "1800;=x")], "Session-Expires"),
        ([("Session-Expires", "1800, 1800")], "Session-Expires"),
        ([("Session-Expires", "1800" + ";p" * 40)], "Session-Expires"),
        ([("Session-Expires", "9" * 2000)], "Session-Expires"),
        ([("Min-SE", "-5")], "Min-SE"),
        ([("Min-SE", "90"), ("Min-SE", "90")], "Min-SE"),
    ],
)
def test_malformed_headers(headers: list[tuple[str, str]], header: str) -> None:
    with pytest.raises(st.MalformedHeaderError) as raised:
        st.Uas().decide(headers)
    error = raised.value
    assert isinstance(error, ValueError) and isinstance(error, st.SessionTimerError)
    assert error.header == header and error.problem and error.status_code == 400
    assert header in str(error)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "garbage",
        "INVITE\r\n\r\n",
        "SIP/2.0 abc Bad\r\n\r\n",
        "INVITE sip:a SIP/2.0\r\nNoColon\r\n",
    ],
)
def test_malformed_messages(raw: str) -> None:
    with pytest.raises(st.MalformedMessageError) as raised:
        st.TimerHeaders(raw)
    assert raised.value.status_code == 400


def test_non_utf8_bytes_do_not_crash() -> None:
    raw = b"INVITE sip:a@b SIP/2.0\r\nSubject: \xff\xfe\r\nSession-Expires: \xff90\r\n\r\n"
    with pytest.raises(st.MalformedHeaderError):
        st.TimerHeaders(raw)
    assert (
        st.TimerHeaders(b"INVITE sip:a@b SIP/2.0\r\nSubject: \xff\r\n\r\n").session_expires is None
    )


@pytest.mark.parametrize(
    "headers",
    [42, None, [("only-one",)], [("Session-Expires", 1800)], [(1, "x")], {"x": 5}, [["x", "90"]]],
)
def test_wrong_types_raise_type_errors(headers: Any) -> None:
    with pytest.raises(TypeError):
        st.Uas().decide(headers)


@pytest.mark.parametrize(
    "headers",
    [[("Via", 5), ("X-Note", None)], (("Via", b"raw"),), {"Via": 5, "Call-ID": None}],
)
def test_rows_of_other_headers_are_skipped_unread(headers: Any) -> None:
    decision = st.Uas().decide(headers)
    assert isinstance(decision, st.Accept)
    assert decision.status == 200


@pytest.mark.parametrize("bad", [-1, 2**64, "1"])
def test_bad_numbers(bad: Any) -> None:
    with pytest.raises((OverflowError, TypeError)):
        st.Engine().session(bad)


def test_engine_errors() -> None:
    engine = st.Engine(max_sessions=1)
    session = st.Session()
    session.apply(st.Negotiated(90, st.Side.LOCAL), 0)
    engine.establish(1, session)
    with pytest.raises(st.DuplicateSessionError):
        engine.establish(1, session)
    with pytest.raises(st.EngineFullError):
        engine.establish(2, session)
    with pytest.raises(st.UnknownSessionError) as raised:
        engine.remove(7)
    assert isinstance(raised.value, KeyError) and str(raised.value) == "no session with key 7"
    with pytest.raises(st.UnknownSessionError):
        engine.on_refresh_response(7, 0, 200)
    with pytest.raises(st.SnapshotError):
        st.Engine.restore(b"not a snapshot")
    with pytest.raises(st.SnapshotError):
        engine.restore_session(b"SSTS\x01")
    with pytest.raises(st.EngineFullError):
        st.Engine(max_sessions=2**31)


def test_too_many_422() -> None:
    uac = st.Uac(st.Policy(session_expires=90, max_422_retries=1))
    uac.on_422([("Min-SE", "600")])
    with pytest.raises(st.TooMany422Error) as raised:
        uac.on_422([("Min-SE", "1200")])
    assert isinstance(raised.value, st.NegotiationError)


# ---- round two of the outside review (SECURITY.md) -------------------------------------


@pytest.mark.parametrize("interval", [0, 1, 89])
def test_review_2_an_interval_below_90_is_refused_and_changes_nothing(interval: int) -> None:
    timer = st.Negotiated(interval, st.Side.LOCAL)
    session = st.Session()
    with pytest.raises(st.InvalidIntervalError) as raised:
        session.apply(timer, 5)
    assert isinstance(raised.value, ValueError) and session.timer is None
    engine = st.Engine()
    with pytest.raises(st.InvalidIntervalError):
        engine.establish(1, timer, now_ms=0)
    with pytest.raises(st.InvalidIntervalError):
        engine.establish_proxy(1, interval, 0)
    engine.establish(1, st.Negotiated(90, st.Side.LOCAL), now_ms=0)
    with pytest.raises(st.InvalidIntervalError):
        engine.refreshed(1, 10, timer)
    st.Engine.restore(engine.snapshot())


def test_review_2_a_clock_that_goes_backwards_still_pickles() -> None:
    import pickle

    engine = st.Engine()
    engine.establish(1, st.Negotiated(1800, st.Side.LOCAL), now_ms=1_000_000)
    assert [a.kind for a in engine.poll(1_900_000)] == [st.ActionKind.SEND_REFRESH]
    engine.on_refresh_response(1, 3_000, 491)
    engine.on_refresh_response(1, 2_000, 500)
    restored = pickle.loads(pickle.dumps(engine))
    assert restored.snapshot() == engine.snapshot()


@pytest.mark.parametrize("additional", [2**31, 2**40, 2**63])
def test_review_4_reserve_is_bounded_by_max_sessions(additional: int) -> None:
    engine = st.Engine(max_sessions=1000)
    engine.reserve(additional)  # never aborts: at most max_sessions
    with pytest.raises(OverflowError):
        engine.reserve(2**64)
    with pytest.raises(OverflowError):
        engine.reserve(-1)


def test_review_5_snapshots_do_not_depend_on_the_engine() -> None:
    one, two = st.Engine(), st.Engine()
    for engine in (one, two):
        for key in (9, 3, 2**40, 7, 0, 2**64 - 1):
            engine.establish(key, st.Negotiated(90 + key % 1000, st.Side.REMOTE), now_ms=key % 50)
    assert one.snapshot() == two.snapshot()
    assert st.Engine.restore(one.snapshot()).snapshot() == one.snapshot()


def test_each_error_kind_of_core_has_its_own_exception_class() -> None:
    """The mirror of core's `ErrorKind`: one class per kind, all exported,
    none a fallback (the binding's match has no wildcard arm)."""
    from sessiontimer import _native

    names = _native._error_classes()
    assert len(set(names)) == len(names)
    for name in names:
        cls = getattr(st, name)
        assert issubclass(cls, st.SessionTimerError) and cls is not st.SessionTimerError
        assert name in st.__all__


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([], st.MissingMinSeError),
        ([("Min-SE", "1800")], st.Useless422Error),
        ([("Min-SE", "99999")], st.MinSeAboveMaxError),
    ],
)
def test_the_three_unusable_422s_are_told_apart(
    rows: list[tuple[str, str]], error: type[st.Unusable422Error]
) -> None:
    uac = st.Uac(st.Policy(max_session_expires=3600))
    with pytest.raises(error):
        uac.on_422(rows)


def test_a_panic_reaches_python_as_internal_error_never_panic_exception() -> None:
    """A panic in the native module would be a bug; it must still reach a
    host as an `Exception` it can catch (`InternalError`), not pyo3's
    `PanicException`, a `BaseException` that `except Exception` misses."""
    from sessiontimer import _native

    with pytest.raises(st.InternalError, match="a bug, please report it") as caught:
        _native._check_panic_boundary()
    assert isinstance(caught.value, Exception) and isinstance(caught.value, st.SessionTimerError)


def test_every_entry_point_of_the_native_module_is_inside_the_panic_boundary() -> None:
    """Every `#[pymethods]` block and `#[pyfunction]` carries `#[guarded]`,
    so the guard above covers each of them."""
    sources = Path(__file__).parents[2] / "bindings-python" / "src"
    unguarded = []
    for path in sorted(sources.glob("*.rs")):
        lines = [line.strip() for line in path.read_text().splitlines()]
        for number, line in enumerate(lines):
            if line in ("#[pymethods]", "#[pyfunction]") and lines[number - 1] != "#[guarded]":
                unguarded.append(f"{path.name}:{number + 1}")
    assert unguarded == []
