"""The benchmark's pure-Python UAS decision makes the same decision as the core.

The Python benchmark (bindings-python/benches/bench.py) times decisions against
a plain-Python implementation of RFC 4028 section 9; a ratio means something
only if both decide the same. They must agree on the checklist's UAS vectors
whose policy the baseline takes as arguments, and on the parser vectors of its
section 1.4: the same status and rows, or both raising ``ValueError``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from test_vectors import ST, UAS_VECTORS, min_se, se

import sessiontimer as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings-python" / "benches"))
import pure_uas

Headers = list[tuple[str, str]]

#: Section 1.4 (P1-P16) and the corners of its grammar, default policy.
PARSER_CASES: list[Headers] = [
    [ST, se("1800")],
    [ST, ("x", "1800;refresher=uac")],
    [ST, ("SESSION-EXPIRES", " 1800 ; Refresher = UAS")],
    [ST, se("1800\r\n ;refresher=uac")],
    [ST, se("1800\t;\trefresher=uas")],
    [ST, se("1800;refresher=uac;foo=bar;baz")],
    [ST, se("0090")],
    [ST, se("1800;refresher=uac;refresher=uas")],
    [ST, se("1800;refresher=xyz")],
    [ST, se('1800;refresher="uas"')],
    [ST, se("1800;refresher")],
    [ST, se("1800;refresher=")],
    [ST, se("1800;")],
    [ST, se("1800;;refresher=uas")],
    [ST, se("1800;a b")],
    [ST, se("1800;=x")],
    [ST, se("1800;maddr=[::1]")],
    *(
        [ST, se(bad)]
        for bad in ("abc", "-5", "+5", "18.5", "", "1e3", "1_800", "\u0663\u0660\u0660")
    ),
    [ST, se("99999999999999999999")],
    [ST, se("1800"), se("1800")],
    [ST, se("1800"), ("x", "1800")],
    [ST, se("1800, 900")],
    [ST, se("1800"), min_se("90;foo=1")],
    [se("80"), min_se("60")],
    [min_se("0")],
    [min_se("99999999999")],
    [se("1000"), min_se("")],
    [min_se("90"), min_se("90")],
    [min_se("90, 100")],
    [se("1000"), min_se("1800;foo")],
    [("y", "90"), ST, se("1800")],
    [("k", "TIMER"), se("1800")],
    [("Supported", "timerx"), se("1800")],
    [("Supported", ",timer,"), se("1800")],
    [("Supported", "")],
    [("Supported", "100rel"), ("Supported", "path, timer")],
    [("Require", "timer, 100rel"), se("100")],
    [ST, se("0")],
    [se("0")],
    [ST, se("600"), min_se("1200")],
    [se("600"), min_se("1200")],
    [ST, se("7200"), min_se("3600")],
    [ST, se("1000"), min_se("3600")],
]


def outcome(decide: Callable[[], tuple[int, Headers]]) -> tuple[int, Headers] | str:
    """``(status, rows)``, or ``"ValueError"`` when the decision refuses."""
    try:
        return decide()
    except ValueError:
        return "ValueError"


def core(headers: Headers, min_se: int = 90, session_expires: int = 1800) -> tuple[int, Headers]:
    policy = st.Policy(min_se=min_se, session_expires=session_expires)
    decision = st.Uas(policy).decide(headers)
    assert isinstance(decision, (st.Accept, st.Reject))
    return decision.status, decision.headers


@pytest.mark.parametrize("headers", PARSER_CASES, ids=[repr(h) for h in PARSER_CASES])
def test_baseline_agrees_on_the_parser_vectors(headers: Headers) -> None:
    assert outcome(lambda: pure_uas.decide(headers)) == outcome(lambda: core(headers))


VECTORS = [v for v in UAS_VECTORS if set(v[1]) <= {"min_se", "session_expires"}]


@pytest.mark.parametrize("vector", VECTORS, ids=[v[0] for v in VECTORS])
def test_baseline_agrees_on_the_uas_vectors(
    vector: tuple[str, dict[str, int], Headers, int, Headers],
) -> None:
    _, policy, headers, _, _ = vector
    assert pure_uas.decide(headers, **policy) == core(headers, **policy)


def test_the_cases_cover_rejections_422_and_both_refreshers() -> None:
    outcomes = [outcome(partial(pure_uas.decide, h)) for h in PARSER_CASES]
    assert "ValueError" in outcomes
    answers = [o for o in outcomes if isinstance(o, tuple)]
    assert any(status == 422 for status, _ in answers)
    rows = {value for _, headers in answers for name, value in headers if name == "Session-Expires"}
    assert any(v.endswith("refresher=uac") for v in rows)
    assert any(v.endswith("refresher=uas") for v in rows)
    assert len(VECTORS) >= 10
