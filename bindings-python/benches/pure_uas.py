"""The UAS decision of RFC 4028 section 9 in plain Python: the benchmark's baseline.

It makes the same decision as ``sessiontimer.Uas().decide(headers)`` for the
RFC's default policy (Session-Expires 1800, Min-SE 90, refresher chosen by
the UAC or else ``uac``), including what that decision rejects: a malformed
Session-Expires or Min-SE (not delta-seconds, a list, a repeated header or
parameter, a parameter that is not ``token [= value]``) raises ``ValueError``.
``tests/python/test_bench_baseline.py`` checks the two agree on the
checklist's UAS vectors and on the parser vectors of its section 1.4.

Written as a careful Python programmer would: one pass over the headers, str
methods (C code) for the lexing, and one compiled pattern for parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: RFC 3261 section 25.1: a parameter is ``token [EQUAL (token / host / quoted-string)]``.
_PARAM = re.compile(
    r"[ \t\r\n]*([A-Za-z0-9.!%*_+`'~-]+)[ \t\r\n]*"
    r"(?:=[ \t\r\n]*([A-Za-z0-9.!%*_+`'~:\[\]-]+|\"[^\"]*\")[ \t\r\n]*)?"
)
_DELTA_MAX = 4_294_967_295
_RFC_MIN_SE = 90
_OPTION_HEADERS = frozenset(("supported", "k", "require"))


class MalformedHeader(ValueError):
    """A Session-Expires or Min-SE the decision cannot use."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"malformed {header} header: {reason}")


def _delta_seconds(header: str, text: str) -> int:
    """``1*DIGIT``, saturated at 2^32 - 1 (checklist P6, P9, P10)."""
    digits = text.strip()
    if not digits:
        raise MalformedHeader(header, "the value is empty")
    if not (digits.isascii() and digits.isdigit()):
        raise MalformedHeader(header, f"expected delta-seconds (digits), found {digits!r}")
    return min(int(digits), _DELTA_MAX)


def _parse(header: str, value: str) -> tuple[int, str | None]:
    """A Session-Expires or Min-SE value: its delta-seconds and refresher parameter."""
    if "," in value:
        raise MalformedHeader(header, "a list of values where exactly one is allowed")
    delta, *params = value.split(";")
    seconds = _delta_seconds(header, delta)
    refresher = None
    seen: set[str] = set()
    for param in params:
        match = _PARAM.fullmatch(param)
        if match is None:
            raise MalformedHeader(header, f"malformed parameter {param.strip()!r}")
        name = match[1].lower()
        if name in seen:
            raise MalformedHeader(header, f"parameter {name!r} appears more than once")
        seen.add(name)
        if name == "refresher" and match[2] is not None:
            # An unknown (or quoted) refresher counts as none (checklist P8).
            chosen = match[2].lower()
            refresher = chosen if chosen in ("uac", "uas") else None
    return seconds, refresher


def decide(
    headers: Sequence[tuple[str, str]], min_se: int = 90, session_expires: int = 1800
) -> tuple[int, list[tuple[str, str]]]:
    """The status and header rows of the UAS's answer to an initial INVITE."""
    expires_value = min_se_value = None
    supported = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "session-expires" or lowered == "x":
            if expires_value is not None:
                raise MalformedHeader("Session-Expires", "the header appears more than once")
            expires_value = value
        elif lowered == "min-se":
            if min_se_value is not None:
                raise MalformedHeader("Min-SE", "the header appears more than once")
            min_se_value = value
        elif lowered in _OPTION_HEADERS and not supported:
            supported = any(tag.strip().lower() == "timer" for tag in value.split(","))
    peer_min_se = _RFC_MIN_SE
    if min_se_value is not None:
        peer_min_se = max(_RFC_MIN_SE, _parse("Min-SE", min_se_value)[0])
    largest = max(session_expires, peer_min_se)
    refresher = None
    if expires_value is None:
        interval = largest
    else:
        interval, refresher = _parse("Session-Expires", expires_value)
        smallest = max(min_se, peer_min_se)
        if interval < smallest:
            if supported:
                return 422, [("Min-SE", str(smallest))]
            interval = smallest
        interval = min(interval, largest)
    refresher = (refresher or "uac") if supported else "uas"
    rows = [("Session-Expires", f"{interval};refresher={refresher}"), ("Supported", "timer")]
    if supported:
        rows.append(("Require", "timer"))
    return 200, rows
