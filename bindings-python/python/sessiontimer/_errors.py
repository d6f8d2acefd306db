"""The exceptions of sessiontimer, raised for the core's typed errors."""

from __future__ import annotations


class SessionTimerError(Exception):
    """Base class of every sessiontimer error.

    ``status_code`` is the SIP response a UAS or proxy sends when a received
    request caused the error (400 for a malformed header), else ``None``.
    """

    status_code: int | None = None


class MalformedHeaderError(SessionTimerError, ValueError):
    """A session-timer header from the wire is malformed (answer 400).

    ``header`` names the header (``"Session-Expires"``); ``problem`` says why.
    """

    header: str = ""
    problem: str = ""


class MalformedMessageError(SessionTimerError, ValueError):
    """A raw SIP message could not be split into start line and headers."""


class InvalidPolicyError(SessionTimerError, ValueError):
    """Settings that break RFC 4028 or each other (Min-SE below 90, ...)."""


class InvalidIntervalError(SessionTimerError, ValueError):
    """A session interval below 90 s (0 included) handed to a session or engine.

    RFC 4028 never negotiates one; no timer at all is ``None``, not 0.
    """


class InternalError(SessionTimerError):
    """A bug in sessiontimer: a panic caught at the boundary of the native
    module (please report it). The object it happened on is left as it was
    before the call or consistent; never pyo3's ``PanicException``."""


class NegotiationError(SessionTimerError):
    """A negotiation cannot go on."""


class Unusable422Error(NegotiationError):
    """A 422 without Min-SE, asking nothing new, or above our maximum."""


class MissingMinSeError(Unusable422Error):
    """A 422 without Min-SE (RFC 4028 section 6: it must carry one)."""


class Useless422Error(Unusable422Error):
    """A 422 asking for no more than the request offered: a retry would repeat it."""


class MinSeAboveMaxError(Unusable422Error):
    """A 422 asking for more than the policy lets us follow."""


class TooMany422Error(NegotiationError):
    """More 422 responses than the policy's retry cap."""


class UnknownSessionError(SessionTimerError, KeyError):
    """No session has this key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DuplicateSessionError(SessionTimerError, ValueError):
    """A session with this key exists already."""


class EngineFullError(SessionTimerError):
    """The engine holds its maximum number of sessions."""


class OutOfMemoryError(SessionTimerError, MemoryError):
    """Memory for the sessions asked for could not be had; nothing was reserved."""


class SnapshotError(SessionTimerError, ValueError):
    """Snapshot bytes that are not valid (damaged, another version)."""


__all__ = [
    "DuplicateSessionError",
    "EngineFullError",
    "InvalidIntervalError",
    "InvalidPolicyError",
    "MalformedHeaderError",
    "MalformedMessageError",
    "MinSeAboveMaxError",
    "MissingMinSeError",
    "NegotiationError",
    "OutOfMemoryError",
    "SessionTimerError",
    "SnapshotError",
    "TooMany422Error",
    "UnknownSessionError",
    "Unusable422Error",
    "Useless422Error",
]
