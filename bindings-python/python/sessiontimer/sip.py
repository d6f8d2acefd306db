"""A small SIP message: start line, header pairs and body (RFC 3261 section 7).

Just enough SIP for the agent: it reads and writes the headers a dialog
needs (Via, From, To, Call-ID, CSeq, Contact, Content-Length) and hands every
session-timer header to the library as pairs. Compact names are understood
on input (section 7.3.3); output uses the long names.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sessiontimer as st

COMPACT = {
    "i": "call-id",
    "m": "contact",
    "e": "content-encoding",
    "l": "content-length",
    "c": "content-type",
    "f": "from",
    "s": "subject",
    "k": "supported",
    "t": "to",
    "v": "via",
    "x": "session-expires",
}


def canonical(name: str) -> str:
    """The long, lower-case form of a header name."""
    lower = name.strip().lower()
    return COMPACT.get(lower, lower)


def token(size: int = 8) -> str:
    """A random token for tags, branches and Call-IDs."""
    return secrets.token_hex(size)


# RFC 3261 section 25.1: the characters of a token (a method, a header name).
TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
# The headers every request must carry (RFC 3261 section 8.1.1).
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
MAX_CSEQ = 2**31 - 1  # RFC 3261 section 8.1.1.5


def is_token(text: str) -> bool:
    return bool(text) and all(char in TOKEN for char in text)


def status_of(start: str) -> int | None:
    """The status code of a response's start line, ``None`` if it is not one
    (``SIP/2.0 NNN reason``, a code from 100 to 699)."""
    parts = start.split(" ", 2)
    if len(parts) < 2 or parts[0] != "SIP/2.0":
        return None
    code = parts[1]
    if len(code) != 3 or not code.isdigit() or not 100 <= int(code) <= 699:
        return None
    return int(code)


def one_line(text: str, limit: int = 120) -> str:
    """`text` as one printable line: what may go into a reason phrase or a header."""
    flat = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(flat.split())[:limit]


@dataclass
class Message:
    """A SIP request or response. ``local`` marks a response made here, not
    received: the 408 of a transaction timeout (RFC 3261 section 17.1.1.2).
    ``framing`` is the rule of the header section a line of a received request
    broke, as the library found it (that line is skipped; ``problem()``
    reports it, so the request is answered 400)."""

    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    local: bool = False
    framing: str | None = None
    parsed: st.TimerHeaders | None = field(default=None, repr=False, compare=False)

    def timer_headers(self) -> st.TimerHeaders:
        """The session-timer headers, parsed once (by the library) for every
        decision on this message: read them before editing its headers."""
        if self.parsed is None:
            self.parsed = st.TimerHeaders(self.headers)
        return self.parsed

    @classmethod
    def parse(cls, data: bytes) -> Message:
        """Splits a datagram; raises ValueError when it is not SIP: a response
        without a valid status line, or a first line that names no SIP/2.0.
        A request with other faults parses; ``problem()`` names them."""
        text = data.decode("utf-8", errors="replace")
        start = text.split("\n", 1)[0].strip()
        if start.startswith("SIP/") and status_of(start) is None:
            raise ValueError(f"not a SIP status line: {one_line(start, 60)!r}")
        if "SIP/2.0" not in start:
            raise ValueError(f"not a SIP message: {one_line(start, 60)!r}")
        # The header section by the library's one reader (RFC 3261 section 7.3).
        start, headers, body, framing = st.split_message(text)
        if framing is not None and status_of(start) is not None:
            raise ValueError(f"malformed response: {framing}")
        body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        return cls(start, headers, body, framing=framing)

    def problem(self) -> str | None:
        """What makes this request malformed (RFC 3261 sections 7.1, 8.1.1 and
        20), to state in a 400; ``None`` when it is well-formed enough to answer."""
        parts = self.start.split(" ")
        if len(parts) != 3 or parts[2] != "SIP/2.0" or not is_token(parts[0]) or not parts[1]:
            return "bad request line"
        if self.framing is not None:
            return self.framing
        for name in REQUIRED:
            if not (self.get(name) or "").strip():
                return f"missing {name}"
        number, _, method = (self.get("CSeq") or "").partition(" ")
        if not number.isdigit() or int(number) > MAX_CSEQ:
            return "CSeq number is not a 32-bit number"
        if method.strip() != parts[0]:
            return "CSeq method does not match the request line"
        return None

    def encode(self) -> bytes:
        """The message on the wire, with Content-Length set."""
        rows = [(n, v) for n, v in self.headers if canonical(n) != "content-length"]
        rows.append(("Content-Length", str(len(self.body.encode()))))
        # A bare CR or LF that came in inside a value never ends a line here.
        head = "".join(f"{n}: {v.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for n, v in rows)
        return f"{self.start}\r\n{head}\r\n{self.body}".encode()

    # ---- headers --------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        """The first value of a header (any case, compact or long name)."""
        wanted = canonical(name)
        return next((v for n, v in self.headers if canonical(n) == wanted), None)

    def all(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        wanted = canonical(name)
        return [v for n, v in self.headers if canonical(n) == wanted]

    def remove(self, name: str) -> None:
        """Drops every row of a header."""
        wanted = canonical(name)
        self.headers = [(n, v) for n, v in self.headers if canonical(n) != wanted]

    def set(self, name: str, value: str) -> None:
        """Replaces every row of a header with one."""
        self.remove(name)
        self.headers.append((name, value))

    # ---- start line and dialog identifiers -------------------------------------------

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        """The request's method, or the method of the CSeq for a response."""
        return self.start.split(" ", 1)[0] if self.is_request else self.cseq[1]

    @property
    def status(self) -> int:
        """The response's status code (0 for a request)."""
        return 0 if self.is_request else status_of(self.start) or 0

    @property
    def cseq(self) -> tuple[int, str]:
        """The CSeq number (0 when it is not one) and method."""
        number, _, method = (self.get("CSeq") or "0 UNKNOWN").partition(" ")
        return (int(number) if number.isdigit() else 0), method.strip()

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def branch(self) -> str:
        return param(self.get("Via") or "", "branch") or ""

    def tag(self, name: str) -> str | None:
        """The tag parameter of From or To."""
        return param(self.get(name) or "", "tag")

    def response(self, status: int, reason: str, to_tag: str | None = None) -> Message:
        """A response to this request (RFC 3261 section 8.2.6.2)."""
        rows = [
            (n, v)
            for n, v in self.headers
            if canonical(n) in ("via", "from", "to", "call-id", "cseq")
        ]
        if to_tag and not self.tag("To"):
            rows = [(n, f"{v};tag={to_tag}" if canonical(n) == "to" else v) for n, v in rows]
        return Message(f"SIP/2.0 {status} {one_line(reason) or 'Unknown'}", rows)


def param(value: str, name: str) -> str | None:
    """A `;name=value` parameter of a header value, outside any `<...>`."""
    outside = value.rsplit(">", 1)[-1]
    for part in outside.split(";")[1:]:
        key, _, found = part.partition("=")
        if key.strip().lower() == name:
            return found.strip()
    return None


def split_list(values: list[str]) -> list[str]:
    """The elements of comma-separated header values (Route, Record-Route),
    splitting only outside ``<...>`` and quotes (RFC 3261 section 7.3.1)."""
    items: list[str] = []
    for value in values:
        depth, quoted, start = 0, False, 0
        for i, char in enumerate(value):
            if char == '"':
                quoted = not quoted
            elif not quoted and char in "<>":
                depth += 1 if char == "<" else -1
            elif not quoted and depth == 0 and char == ",":
                items.append(value[start:i].strip())
                start = i + 1
        items.append(value[start:].strip())
    return [item for item in items if item]


def sdp(address: str, port: int, version: int) -> str:
    """A minimal audio offer or answer; `version` goes up when the session changes."""
    return (
        f"v=0\r\no=- 1 {version} IN IP4 {address}\r\ns=sessiontimer\r\n"
        f"c=IN IP4 {address}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    )
