"""sessiontimer: RFC 4028 SIP Session Timers, every decision and a timer engine.

Sans-I/O: nothing here opens a socket or reads a clock. Pass header pairs (or a
raw SIP message) and ``now_ms`` (milliseconds of your own monotonic clock) in;
get decisions, headers to add and deadlines back.

>>> import sessiontimer as st
>>> st.Uas().decide([("Supported", "timer"), ("Session-Expires", "1800")])
Accept(headers=[('Session-Expires', '1800;refresher=uac'), ('Supported', 'timer'), ('Require', 'timer')], timer=Negotiated(interval=1800, refresher=Side.REMOTE))
"""

from collections.abc import Mapping, Sequence
from typing import Union

from ._errors import (
    DuplicateSessionError,
    EngineFullError,
    InternalError,
    InvalidIntervalError,
    InvalidPolicyError,
    MalformedHeaderError,
    MalformedMessageError,
    MinSeAboveMaxError,
    MissingMinSeError,
    NegotiationError,
    OutOfMemoryError,
    SessionTimerError,
    SnapshotError,
    TooMany422Error,
    UnknownSessionError,
    Unusable422Error,
    Useless422Error,
)
from ._native import (
    PRESETS,
    Accept,
    Action,
    ActionKind,
    B2bua,
    ByeMargin,
    Change,
    ChangeKind,
    Engine,
    Forward,
    Leg,
    Method,
    Mode,
    Negotiated,
    NotARefresh,
    Owner,
    Policy,
    Proxy,
    ProxyResponse,
    ProxyTransaction,
    Refresher,
    RefresherPreference,
    RefreshKind,
    RefreshMethod,
    RefreshOutcome,
    RefreshRequest,
    Reject,
    Session,
    Side,
    Teardown,
    TimerHeaders,
    Uac,
    Uas,
    __version__,
    classify_refresh,
    reason_phrase,
    split_message,
)

Rows = list[tuple[str, str]]
"""Header rows to add to a message: (name, value) pairs."""

HeadersLike = Union[
    Sequence[tuple[str, str]], Mapping[str, Union[str, Sequence[str]]], str, bytes, TimerHeaders
]
"""Headers in any accepted form: pairs, a mapping, a raw SIP message, or parsed."""

UasDecision = Union[Accept, Reject, NotARefresh]
"""What a UAS answers to one request."""

__all__ = [
    "PRESETS",
    "Accept",
    "Action",
    "ActionKind",
    "B2bua",
    "ByeMargin",
    "Change",
    "ChangeKind",
    "DuplicateSessionError",
    "Engine",
    "EngineFullError",
    "Forward",
    "HeadersLike",
    "InternalError",
    "InvalidIntervalError",
    "InvalidPolicyError",
    "Leg",
    "MalformedHeaderError",
    "MalformedMessageError",
    "Method",
    "MinSeAboveMaxError",
    "MissingMinSeError",
    "Mode",
    "Negotiated",
    "NegotiationError",
    "NotARefresh",
    "OutOfMemoryError",
    "Owner",
    "Policy",
    "Proxy",
    "ProxyResponse",
    "ProxyTransaction",
    "RefreshKind",
    "RefreshMethod",
    "RefreshOutcome",
    "RefreshRequest",
    "Refresher",
    "RefresherPreference",
    "Reject",
    "Rows",
    "Session",
    "SessionTimerError",
    "Side",
    "SnapshotError",
    "Teardown",
    "TimerHeaders",
    "TooMany422Error",
    "Uac",
    "Uas",
    "UasDecision",
    "UnknownSessionError",
    "Unusable422Error",
    "Useless422Error",
    "__version__",
    "classify_refresh",
    "reason_phrase",
    "split_message",
]
