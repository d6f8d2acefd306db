"""The checklist's vectors (RFC 4028 checklist section 3) through the Python API.

Each row names its vector; the Rust suite (core/tests/vectors.rs) holds the
same vectors against the core.
"""

from __future__ import annotations

from typing import Any

import pytest

import sessiontimer as st

ST = ("Supported", "timer")


def se(value: str) -> tuple[str, str]:
    return ("Session-Expires", value)


def min_se(value: str) -> tuple[str, str]:
    return ("Min-SE", value)


# (vector, policy settings, request headers, status, expected rows, refresher, interval)
UAS_VECTORS: list[tuple[str, dict[str, Any], list[tuple[str, str]], int, list[tuple[str, str]]]] = [
    ("V01", {}, [ST, se("1800")], 200, [se("1800;refresher=uac"), ST, ("Require", "timer")]),
    (
        "V02",
        {"refresher": "uas"},
        [ST, se("1800")],
        200,
        [se("1800;refresher=uas"), ST, ("Require", "timer")],
    ),
    (
        "V03",
        {},
        [ST, se("1800;refresher=uac")],
        200,
        [se("1800;refresher=uac"), ST, ("Require", "timer")],
    ),
    (
        "V04",
        {"refresher": "uac"},
        [ST, se("1800;refresher=uas")],
        200,
        [se("1800;refresher=uas"), ST, ("Require", "timer")],
    ),
    ("V05", {}, [se("1800")], 200, [se("1800;refresher=uas"), ST]),
    ("V06", {}, [se("1800;refresher=uac")], 200, [se("1800;refresher=uas"), ST]),
    ("V07", {}, [], 200, [se("1800;refresher=uas"), ST]),
    ("V08", {"mode": "accept"}, [ST], 200, [ST]),
    (
        "V09",
        {},
        [ST, min_se("3600")],
        200,
        [se("3600;refresher=uac"), ST, ("Require", "timer")],
    ),
    ("V10", {"min_se": 1800}, [ST, se("1000")], 422, [min_se("1800")]),
    ("V11", {}, [ST, se("89")], 422, [min_se("90")]),
    ("V12", {}, [ST, se("90")], 200, [se("90;refresher=uac"), ST, ("Require", "timer")]),
    (
        "V13",
        {"session_expires": 3600},
        [ST, se("7200")],
        200,
        [se("3600;refresher=uac"), ST, ("Require", "timer")],
    ),
    (
        "V17",
        {"mode": "off"},
        [("Require", "timer"), ST, se("1800")],
        420,
        [("Unsupported", "timer")],
    ),
    ("V18", {"mode": "off"}, [ST, se("1800")], 200, []),
    ("V23", {}, [ST, se("600"), min_se("1200")], 422, [min_se("1200")]),
    (
        "V24",
        {},
        [("x", "1800;REFRESHER=UAC"), ("k", "TIMER")],
        200,
        [se("1800;refresher=uac"), ST, ("Require", "timer")],
    ),
]


@pytest.mark.parametrize(
    ("vector", "settings", "request_headers", "status", "rows"),
    UAS_VECTORS,
    ids=[v[0] for v in UAS_VECTORS],
)
def test_uas_vectors(
    vector: str,
    settings: dict[str, Any],
    request_headers: list[tuple[str, str]],
    status: int,
    rows: list[tuple[str, str]],
) -> None:
    decision = st.Uas(st.Policy(**settings)).decide(request_headers)
    assert isinstance(decision, (st.Accept, st.Reject)), vector
    assert decision.status == status, vector
    names = {name for name, _ in rows}
    assert [r for r in decision.headers if r[0] in names] == rows, vector
    assert {name for name, _ in decision.headers} == names, vector


@pytest.mark.parametrize(
    ("vector", "session_expires", "refresh_ms", "bye_ms"),
    [
        ("V73", 90, 45_000, 60_000),
        ("V74", 96, 48_000, 64_000),
        ("V75", 1800, 900_000, 1_768_000),
        ("V76", 4000, 2_000_000, 3_968_000),
        ("V77", 86400, 43_200_000, 86_368_000),
        ("V78", 91, 45_500, 60_667),
        ("V79", 4294967295, 2_147_483_647_500, 4_294_967_263_000),
    ],
)
def test_timer_vectors(vector: str, session_expires: int, refresh_ms: int, bye_ms: int) -> None:
    """Section 10: refresh at half the interval, BYE at interval - min(32, interval/3)."""
    ours = st.Session()
    ours.apply(st.Negotiated(session_expires, st.Side.LOCAL), 0)
    theirs = st.Session()
    theirs.apply(st.Negotiated(session_expires, "remote"), 0)
    assert ours.refresh_at_ms() == refresh_ms, vector
    assert theirs.bye_at_ms() == bye_ms, vector
    assert theirs.refresh_at_ms() is None and ours.bye_at_ms() is None


def test_v26_other_methods_ignore_session_expires() -> None:
    decision = st.Uas().decide([se("60")], method="BYE")
    assert decision == st.NotARefresh()


def test_v25_duplicate_session_expires_is_a_400() -> None:
    with pytest.raises(st.MalformedHeaderError) as raised:
        st.Uas().decide([ST, se("1800"), se("1800")])
    assert raised.value.status_code == 400
    assert raised.value.header == "Session-Expires"


def test_v27_v28_uac_requests() -> None:
    assert st.Uac().request() == [se("1800"), ST]
    assert st.Uac(st.Policy(mode="accept")).request() == [ST]


def test_v30_to_v36_uac_reads_the_2xx() -> None:
    uac = st.Uac()
    local, remote = st.Side.LOCAL, st.Side.REMOTE
    assert uac.on_2xx([("Require", "timer"), se("1800;refresher=uac")]) == st.Negotiated(
        1800, local
    )
    assert uac.on_2xx([("Require", "timer"), se("1800;refresher=uas")]) == st.Negotiated(
        1800, remote
    )
    assert uac.on_2xx([se("1800;refresher=uas")]) == st.Negotiated(1800, remote)
    assert uac.on_2xx([]) == st.Negotiated(1800, local)
    assert uac.on_2xx([("Require", "timer"), se("1200;refresher=uac")]) == st.Negotiated(
        1200, local
    )
    assert st.Uac(st.Policy(mode="accept")).on_2xx([]) is None
    assert uac.on_2xx([("Require", "timer"), se("1800")]) == st.Negotiated(1800, local)


def test_v38_to_v41_uac_retries_after_422() -> None:
    uac = st.Uac()
    assert uac.on_422([("Min-SE", "3600")]) == [se("3600"), min_se("3600"), ST]
    assert uac.on_422([("Min-SE", "4000")]) == [se("4000"), min_se("4000"), ST]
    assert uac.retries == 2
    with pytest.raises(st.Unusable422Error):
        uac.on_422([("Min-SE", "3600")])
    with pytest.raises(st.Unusable422Error):
        st.Uac().on_422([])


def test_v58_uac_drops_require_after_420() -> None:
    uac = st.Uac(st.Policy(mode="required"))
    assert ("Require", "timer") in uac.request()
    retry = uac.on_420([("Unsupported", "timer")])
    assert retry is not None and ("Require", "timer") not in retry and ST in retry


@pytest.mark.parametrize(
    ("vector", "settings", "request_headers", "rows"),
    [
        ("V59", {}, [ST], [se("1800")]),
        ("V60", {}, [se("3600")], [se("1800")]),
        ("V61", {"session_expires": 900}, [se("1800"), min_se("1800")], []),
        ("V63", {"min_se": 1800}, [se("1000")], [se("1800"), min_se("1800")]),
        ("V64", {"min_se": 1800}, [se("1000"), min_se("900")], [se("1800"), min_se("1800")]),
        ("V65", {"min_se": 600}, [ST, se("1000"), min_se("900")], []),
        ("V66", {}, [se("3600;refresher=uac")], [se("1800;refresher=uac")]),
    ],
)
def test_proxy_request_vectors(
    vector: str,
    settings: dict[str, Any],
    request_headers: list[tuple[str, str]],
    rows: list[tuple[str, str]],
) -> None:
    decision = st.Proxy(st.Policy(**settings)).on_request(request_headers)
    assert isinstance(decision, st.Forward), vector
    assert decision.headers == rows, vector


def test_v62_proxy_rejects_small_interval_with_422() -> None:
    decision = st.Proxy(st.Policy(min_se=1800)).on_request([ST, se("1000")])
    assert isinstance(decision, st.Reject)
    assert decision == st.Reject(422, [min_se("1800")])
    assert decision.reason == "Session Interval Too Small"


def test_v67_to_v69_proxy_responses() -> None:
    proxy = st.Proxy()
    forward = proxy.on_request([ST])
    assert isinstance(forward, st.Forward)
    added = proxy.on_2xx(forward.transaction, [("Require", "100rel")])
    assert added.headers == [se("1800;refresher=uac"), ("Require", "timer")]
    assert added.expires_at_ms(5_000) == 1_805_000
    unaware = proxy.on_request([])
    assert isinstance(unaware, st.Forward)
    assert proxy.on_2xx(unaware.transaction, []).interval is None
    kept = proxy.on_2xx(forward.transaction, [se("1200;refresher=uas")])
    assert kept.headers == [] and kept.interval == 1200
