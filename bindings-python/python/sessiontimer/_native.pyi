"""Type stubs of the native module. Import from ``sessiontimer``."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias, final, overload

from ._enums import NamedEnum
from ._errors import SessionTimerError

_Rows: TypeAlias = list[tuple[str, str]]
"""Header rows to add to a message: (name, value) pairs."""

__all__ = [
    "PRESETS",
    "Accept",
    "Action",
    "ActionKind",
    "B2bua",
    "ByeMargin",
    "Change",
    "ChangeKind",
    "Engine",
    "Forward",
    "Leg",
    "Method",
    "Mode",
    "Negotiated",
    "NotARefresh",
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
    "Session",
    "Side",
    "Teardown",
    "TimerHeaders",
    "Uac",
    "Uas",
    "__version__",
    "_check_panic_boundary",
    "_error_classes",
    "_member",
    "classify_refresh",
    "reason_phrase",
    "split_message",
]

__version__: str
PRESETS: list[str]

def reason_phrase(status: int) -> str:
    """The reason phrase of a status code."""

def _member(type_name: str, text: str) -> NamedEnum:
    """The member of the enum `type_name` named `text`. `NamedEnum`'s
    lookup calls it, so the rule for names lives here only.
    """

def split_message(raw: bytes | str) -> tuple[str, list[tuple[str, str]], str, str | None]:
    """A raw SIP message split by its framing (RFC 3261 section 7): `(start
    line, [(name, value), ...], body, problem)`, the start line as written,
    `problem` the first rule of the header section a line broke (that line
    skipped) or `None`. The core's one reader of a header section (folding,
    names, size limit); bytes that are not UTF-8 read as U+FFFD. Raises
    `MalformedMessageError` for a header section over the size limit.
    """

def _check_panic_boundary() -> None:
    """Panics inside the guard: `_native._check_panic_boundary()` raises
    `InternalError`, which the test of the boundary expects.
    """

def _error_classes() -> list[str]:
    """The class name of every kind of core error, in `ErrorKind::ALL`'s order:
    the test that guards the mirror compares it with the package's classes.
    """

def classify_refresh(
    method: Method | str, body: str | None = None, in_force: str | None = None
) -> RefreshKind:
    """Whether a re-INVITE or UPDATE with SDP `body` only refreshes the session,
    given the SDP in force on that leg (`o=` lines compared).
    """

class Mode(NamedEnum):
    """Whether and how much a party wants session timers."""

    OFF = "off"
    ACCEPT = "accept"
    ORIGINATE = "originate"
    REQUIRED = "required"
    ALWAYS = "always"

class RefresherPreference(NamedEnum):
    """Who should refresh when the choice is ours."""

    AUTO = "auto"
    LOCAL = "local"
    REMOTE = "remote"
    UAC = "uac"
    UAS = "uas"

class RefreshMethod(NamedEnum):
    """How refreshes are sent."""

    AUTO = "auto"
    REINVITE_ONLY = "reinvite_only"

class ByeMargin(NamedEnum):
    """When the non-refresher sends BYE before expiry."""

    RFC = "rfc"
    ONE_TENTH = "one_tenth"
    NONE = "none"

class Side(NamedEnum):
    """Which side of the dialog refreshes: us or the peer."""

    LOCAL = "local"
    REMOTE = "remote"

class Refresher(NamedEnum):
    """Who refreshes, relative to one transaction: its client or its server
    (the `refresher` parameter of Session-Expires).
    """

    UAC = "uac"
    UAS = "uas"

class Method(NamedEnum):
    """A request method, as far as session timers care."""

    INVITE = "INVITE"
    UPDATE = "UPDATE"
    OTHER = "OTHER"

_MethodLike: TypeAlias = Method | str

class Leg(NamedEnum):
    """A back-to-back UA's leg."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"

class RefreshKind(NamedEnum):
    """Whether an in-dialog re-INVITE or UPDATE only refreshes the session."""

    PURE_REFRESH = "pure_refresh"
    SESSION_CHANGE = "session_change"

class ActionKind(NamedEnum):
    """What an action asks the host to do."""

    SEND_REFRESH = "send_refresh"
    SEND_BYE = "send_bye"
    SESSION_ENDED = "session_ended"

class Teardown(NamedEnum):
    """Why a session was torn down."""

    NO_REFRESH_RECEIVED = "no_refresh_received"
    REFRESH_UNANSWERED = "refresh_unanswered"
    REFRESH_REJECTED = "refresh_rejected"
    TOO_MANY_422 = "too_many_422"
    EXPIRED = "expired"
    REMOVED_BY_HOST = "removed_by_host"

class ChangeKind(NamedEnum):
    """What happened to a session since the journal was last drained."""

    ESTABLISHED = "established"
    REFRESHED = "refreshed"
    UPDATED = "updated"
    TORN_DOWN = "torn_down"
    REMOVED = "removed"

@final
class Owner:
    """Who holds a session: a node and the epoch of the lease it holds it under."""

    def __new__(cls, node: int = 0, epoch: int = 0) -> Owner: ...
    @property
    def node(self) -> int:
        """The node's id, as the host numbers its nodes."""
    @property
    def epoch(self) -> int:
        """The lease's epoch: every lease a cluster grants has a larger one."""
    def supersedes(self, other: Owner) -> bool:
        """Whether a record of this owner replaces one of `other`: a later lease
        always wins; within one lease the latest write wins.
        """
    @staticmethod
    def of_replica(data: bytes) -> Owner:
        """The owner written in a replica record."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Change:
    """One session's change, as `Engine.drain_changes` hands it out."""

    @property
    def key(self) -> int:
        """The session's key."""
    @property
    def kind(self) -> ChangeKind:
        """What happened (the last of its changes)."""
    @property
    def record(self) -> bytes | None:
        """The replica record to store; `None` for an ended session (delete it)."""
    @property
    def expires_at_ms(self) -> int | None:
        """When the session expires (the host's clock), if a timer runs."""

@final
class TimerHeaders:
    """The session-timer headers of one message, parsed once."""

    def __new__(cls, headers: _HeadersLike) -> TimerHeaders: ...
    @property
    def session_expires(self) -> int | None:
        """Session-Expires in seconds, if present."""
    @property
    def refresher(self) -> str | None:
        """The `refresher` parameter (`"uac"` or `"uas"`), if present."""
    @property
    def min_se(self) -> int | None:
        """Min-SE as written, if present."""
    @property
    def supports_timer(self) -> bool:
        """`timer` in Supported or Require."""
    @property
    def require_timer(self) -> bool:
        """`timer` in Require."""
    @property
    def unsupported_timer(self) -> bool:
        """`timer` in Unsupported."""
    @property
    def allow_update(self) -> bool | None:
        """Whether Allow lists UPDATE (`None` without Allow)."""
    @property
    def method(self) -> Method | None:
        """The method of a raw request message."""
    @property
    def status(self) -> int | None:
        """The status code of a raw response message."""
    def __eq__(self, value: object, /) -> bool: ...

_HeadersLike: TypeAlias = (
    Sequence[tuple[str, str]] | Mapping[str, str | Sequence[str]] | str | bytes | TimerHeaders
)
"""Headers in any accepted form: pairs, a mapping, a raw SIP message, or parsed."""

@final
class Policy:
    """Every session-timer setting of one party (or one B2BUA leg)."""

    def __new__(
        cls,
        *,
        mode: Mode | str = ...,
        session_expires: int = ...,
        min_se: int = ...,
        max_session_expires: int | None = ...,
        refresher: RefresherPreference | str = ...,
        refresh_method: RefreshMethod | str = ...,
        max_422_retries: int = ...,
        raise_unsupported_interval: bool = ...,
        insert_on_outbound_leg: bool = ...,
        consume_refreshes: bool = ...,
        bye_margin: ByeMargin | str = ...,
        refresh_for_silent_peer: bool = ...,
        accept_501_as_refreshed: bool = ...,
    ) -> Policy: ...
    @staticmethod
    def preset(name: str, **settings: Any) -> Policy:
        """A vendor preset by name (`PRESETS`), with any setting overridden."""
    def replace(self, **settings: Any) -> Policy:
        """A copy with the given settings changed."""
    @property
    def mode(self) -> Mode:
        """Whether and how much we want timers."""
    @property
    def session_expires(self) -> int:
        """The interval we ask for or insert, in seconds."""
    @property
    def min_se(self) -> int:
        """The smallest interval we accept (our Min-SE)."""
    @property
    def max_session_expires(self) -> int | None:
        """The largest interval we accept from a peer, and the furthest a 422 is
        followed (`None`: `session_expires` caps what we accept; a 422 is
        followed up to a day, or `session_expires` if larger).
        """
    @property
    def refresher(self) -> RefresherPreference:
        """Who should refresh when the choice is ours."""
    @property
    def refresh_method(self) -> RefreshMethod:
        """How refreshes are sent."""
    @property
    def max_422_retries(self) -> int:
        """How many 422 responses a UAC answers with a retry."""
    @property
    def raise_unsupported_interval(self) -> bool:
        """As UAS, raise a too-small interval from a timer-unaware UAC (erratum 1687)."""
    @property
    def insert_on_outbound_leg(self) -> bool:
        """As B2BUA, add Session-Expires to the outbound INVITE."""
    @property
    def consume_refreshes(self) -> bool:
        """As B2BUA, answer pure refreshes on their own leg."""
    @property
    def bye_margin(self) -> ByeMargin:
        """When the non-refresher sends BYE."""
    @property
    def refresh_for_silent_peer(self) -> bool:
        """Refresh on a silent refresher's behalf before sending BYE (Ribbon)."""
    @property
    def accept_501_as_refreshed(self) -> bool:
        """Take a 501 answer to a refresh as success (SEMS)."""
    @property
    def cap(self) -> int:
        """The largest interval this policy accepts."""
    def to_dict(self) -> dict[str, Any]:
        """Every setting, as keyword arguments for `Policy(**settings)`."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Negotiated:
    """A session timer a negotiation settled on: the interval and who refreshes."""

    def __new__(cls, interval: int, refresher: Side | str) -> Negotiated: ...
    @property
    def interval(self) -> int:
        """The interval in seconds."""
    @property
    def refresher(self) -> Side:
        """Who refreshes: us or the peer."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Accept:
    """Send a 2xx with these headers; once sent, the dialog's timer is ``timer``."""

    def __new__(cls, headers: _Rows, timer: Negotiated | None = None) -> Accept: ...
    @property
    def headers(self) -> _Rows:
        """Session-timer headers of the 2xx."""
    @property
    def timer(self) -> Negotiated | None:
        """The timer in force once the 2xx is sent."""
    @property
    def status(self) -> int:
        """Always 200."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Reject:
    """Reject the request with ``status`` (420, 421 or 422) and these headers."""

    def __new__(cls, status: int, headers: _Rows) -> Reject: ...
    @property
    def status(self) -> int:
        """The response code."""
    @property
    def headers(self) -> _Rows:
        """Session-timer headers of the response."""
    @property
    def reason(self) -> str:
        """The reason phrase of `status`."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class NotARefresh:
    """The method is not INVITE or UPDATE: session timers do not apply."""

    def __new__(cls) -> NotARefresh: ...
    def __eq__(self, value: object, /) -> bool: ...

_UasDecision: TypeAlias = Accept | Reject | NotARefresh
"""What a UAS answers to one request."""

@final
class RefreshRequest:
    """A re-INVITE or UPDATE to send on a dialog, with its session-timer headers."""

    @property
    def method(self) -> Method:
        """UPDATE or INVITE."""
    @property
    def headers(self) -> _Rows:
        """Session-timer headers of the request."""
    @property
    def interval(self) -> int | None:
        """Session-Expires of the request, if any."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class RefreshOutcome:
    """The outcome of a response to a refresh we sent."""

    @property
    def kind(self) -> str:
        """`"refreshed"`, `"retry"`, `"retry_after_glare"`, `"terminate"` or `"failed"`."""
    @property
    def timer(self) -> Negotiated | None:
        """After `"refreshed"`: the timer now in force."""
    @property
    def retry(self) -> RefreshRequest | None:
        """After `"retry"`: the request to send now."""
    @property
    def status(self) -> int | None:
        """After `"failed"`: the status code."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Session:
    """One dialog's session-timer state."""

    def __new__(cls, require_timer: bool = False, owns_call_id: bool = False) -> Session: ...
    @property
    def timer(self) -> Negotiated | None:
        """The timer in force, if any."""
    @property
    def refreshed_at_ms(self) -> int:
        """When the last successful refresh happened."""
    @property
    def dialog_min_se(self) -> int | None:
        """The Min-SE learnt on this dialog, if any."""
    @property
    def peer_supports_timer(self) -> bool:
        """Whether the peer has shown support for timers."""
    @property
    def owns_call_id(self) -> bool:
        """Whether we placed the call."""
    def apply(self, timer: Negotiated | None, now_ms: int) -> None:
        """A 2xx to an INVITE or UPDATE was sent or received at `now_ms`: the timer
        becomes `timer` and restarts. A timer below 90 s raises
        `InvalidIntervalError` and changes nothing.
        """
    def note_peer(self, message: _HeadersLike) -> None:
        """Records what a message from the peer shows (timer support, UPDATE in Allow)."""
    def expires_at_ms(self) -> int | None:
        """When the session expires, if a timer runs."""
    def refresh_at_ms(self) -> int | None:
        """When we must refresh, if we are the refresher."""
    def bye_at_ms(self, margin: ByeMargin | str | None = None) -> int | None:
        """When we must send BYE, if the peer is the refresher."""
    def refresh_request(self, policy: Policy | None = None) -> RefreshRequest:
        """The refresh to send now (or any re-INVITE or UPDATE on the dialog)."""
    def on_refresh_response(
        self,
        sent: RefreshRequest,
        now_ms: int,
        status: int,
        response: _HeadersLike | None = None,
        policy: Policy | None = None,
    ) -> RefreshOutcome:
        """A final response to `sent` arrived at `now_ms` (a timeout is 408)."""
    def answer(
        self, uas: Uas, request: _HeadersLike, method: _MethodLike | None = None
    ) -> _UasDecision:
        """A mid-dialog INVITE or UPDATE from the peer: the UAS decision given the
        timer in force. Call `apply` with its timer when the 2xx is sent.
        """
    def to_bytes(self) -> bytes:
        """The session as 22 bytes."""
    @staticmethod
    def from_bytes(data: bytes) -> Session:
        """A session from `to_bytes`, every field checked."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Uac:
    """The UAC role (RFC 4028 section 7)."""

    def __new__(cls, policy: Policy | None = None, offer: int | None = None) -> Uac: ...
    @property
    def policy(self) -> Policy:
        """The policy."""
    @property
    def retries(self) -> int:
        """How many 422 retries were sent."""
    @property
    def offered_interval(self) -> int | None:
        """The Session-Expires of the current request, if any."""
    def request(self) -> _Rows:
        """Session-timer headers of the (next) INVITE."""
    def on_422(self, response: _HeadersLike) -> _Rows:
        """A 422 arrived: the headers of the retried INVITE (section 7.3)."""
    def on_420(self, response: _HeadersLike) -> _Rows | None:
        """A 420 naming `timer` arrived: the headers of a retry without
        `Require: timer`, or `None` when retrying is pointless.
        """
    def on_2xx(self, response: _HeadersLike) -> Negotiated | None:
        """The timer a 2xx to our INVITE settles on (`None`: no expiration)."""
    def establish(self, response: _HeadersLike, now_ms: int) -> Session:
        """The dialog's session once the 2xx arrived at `now_ms`."""

@final
class Uas:
    """The UAS role (RFC 4028 section 9)."""

    def __new__(cls, policy: Policy | None = None) -> Uas: ...
    @property
    def policy(self) -> Policy:
        """The policy."""
    def decide(
        self,
        request: _HeadersLike,
        method: _MethodLike | None = None,
        current: Negotiated | None = None,
    ) -> _UasDecision:
        """The answer to a request: `Accept`, `Reject` or `NotARefresh`. `method`
        defaults to the raw message's, else INVITE; `current` is the timer in
        force for a mid-dialog request.
        """
    def establish(self, request: _HeadersLike, timer: Negotiated | None, now_ms: int) -> Session:
        """The dialog's session once the 2xx to the initial `request` went out at
        `now_ms`, with the `timer` of the `Accept` for it. What the request
        showed is kept (timer support, UPDATE in Allow, its Min-SE), so the
        session refreshes by UPDATE when the peer allows it. Hand it to
        `Engine.establish`.
        """

@final
class ProxyTransaction:
    """What a proxy keeps of a forwarded request until its final response."""

    def __new__(
        cls, requested: bool, uac_supports: bool, interval: int | None = None
    ) -> ProxyTransaction: ...
    @property
    def requested(self) -> bool:
        """Whether the forwarded request asked for a session timer."""
    @property
    def uac_supports(self) -> bool:
        """Whether the UAC supports timers."""
    @property
    def interval(self) -> int | None:
        """The interval forwarded, if any."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Forward:
    """Forward the request with these headers set, and keep ``transaction``."""

    @property
    def headers(self) -> _Rows:
        """Session-timer headers to set on the forwarded request."""
    @property
    def transaction(self) -> ProxyTransaction:
        """State to keep until the final response."""
    def apply(self, rows: _Rows) -> _Rows:
        """The request's header pairs `rows` as they must be forwarded."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class ProxyResponse:
    """What a proxy does with a 2xx: these headers, and the session interval."""

    @property
    def headers(self) -> _Rows:
        """Session-timer headers to set on the forwarded 2xx."""
    @property
    def interval(self) -> int | None:
        """The session interval, `None` when the session does not expire."""
    @property
    def refresher(self) -> Refresher | None:
        """Who refreshes the session the 2xx sets up (`Refresher.UAC` when the
        proxy filled the 2xx in); `None` with no expiration.
        """
    def expires_at_ms(self, forwarded_at_ms: int) -> int | None:
        """When the proxy may drop the dialog's state, for a 2xx forwarded at
        `forwarded_at_ms` (section 8.3).
        """
    def apply(self, rows: _Rows) -> _Rows:
        """The 2xx's header pairs `rows` as they must be forwarded."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Proxy:
    """The proxy role (RFC 4028 section 8)."""

    def __new__(cls, policy: Policy | None = None) -> Proxy: ...
    @property
    def policy(self) -> Policy:
        """The policy."""
    def on_request(
        self, request: _HeadersLike, method: _MethodLike | None = None
    ) -> Forward | Reject:
        """A request to forward: `Forward`, or `Reject` (422; 420 to
        `Proxy-Require: timer` with timers off).
        """
    def on_2xx(self, transaction: ProxyTransaction, response: _HeadersLike) -> ProxyResponse:
        """The 2xx of a transaction to forward."""

@final
class B2bua:
    """A back-to-back UA: each leg negotiates on its own with its own policy."""

    def __new__(cls, inbound: Policy | None = None, outbound: Policy | None = None) -> B2bua: ...
    @staticmethod
    def inbound_status(outbound: int | None) -> int:
        """The final status the inbound caller gets when the outbound INVITE
        failed with `outbound` (`None`: no response): 503 for a session-timer
        failure of the outbound leg alone (420, 421, 422) or no response, 502
        for a 2xx that could not be used, any other status as it is.
        """
    def policy(self, leg: Leg | str) -> Policy:
        """The policy of `leg`."""
    def inbound_uas(self) -> Uas:
        """The UAS answering the inbound INVITE."""
    def outbound_uac(self, inbound_request: _HeadersLike) -> Uac:
        """The UAC of the outbound INVITE, given the inbound INVITE."""
    def on_in_dialog_request(
        self,
        leg: Leg | str,
        session: Session,
        request: _HeadersLike,
        kind: RefreshKind | str,
        method: _MethodLike | None = None,
    ) -> _UasDecision | None:
        """An in-dialog re-INVITE or UPDATE on `leg`: the decision when the leg
        consumes it (answer it there), `None` to relay it to the other leg.
        """

@final
class Action:
    """One thing the host must do now."""

    @property
    def key(self) -> int:
        """The session's key."""
    @property
    def at_ms(self) -> int:
        """When it was due."""
    @property
    def kind(self) -> ActionKind:
        """What to do."""
    @property
    def refresh(self) -> RefreshRequest | None:
        """For `SEND_REFRESH`: the request to send."""
    @property
    def reason(self) -> Teardown | None:
        """For `SEND_BYE` and `SESSION_ENDED`: why."""
    @property
    def status(self) -> int | None:
        """For `Teardown.REFRESH_REJECTED`: the status code."""
    @property
    def bye_reason(self) -> str | None:
        """For `SEND_BYE`: the BYE's `Reason` header (RFC 3326), as the library
        words it for the teardown.
        """
    @property
    def method(self) -> Method | None:
        """The refresh's method (`Method.UPDATE` or `Method.INVITE`; `str()` of
        it is the SIP name), if any: the same as `refresh.method`.
        """
    @property
    def headers(self) -> _Rows:
        """The refresh's session-timer headers (empty for a teardown)."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Engine:
    """Many sessions' timers and their refresh lifecycle, keyed by integers."""

    def __new__(
        cls,
        policy: Policy | None = None,
        *,
        max_sessions: int | None = None,
        refresh_jitter_ms: int | None = None,
        retry_delay_ms: int | None = None,
        max_refresh_retries: int | None = None,
        seed: int | None = None,
    ) -> Engine: ...
    @staticmethod
    def restore(
        data: bytes,
        policy: Policy | None = None,
        *,
        max_sessions: int | None = None,
        refresh_jitter_ms: int | None = None,
        retry_delay_ms: int | None = None,
        max_refresh_retries: int | None = None,
        seed: int | None = None,
    ) -> Engine:
        """An engine rebuilt from `snapshot()` bytes, with these settings (which
        are the host's, not part of the snapshot).
        """
    @property
    def policy(self) -> Policy:
        """The policy of every session."""
    def settings(self) -> dict[str, Any]:
        """Every setting, as keyword arguments for `Engine(**settings)`."""
    def reserve(self, additional: int) -> None:
        """Reserves room for `additional` more sessions, at most up to
        `max_sessions`; `OutOfMemoryError` when the memory cannot be had.
        """
    def __len__(self) -> int: ...
    def __contains__(self, key: int, /) -> bool: ...
    @property
    def counters(self) -> dict[str, int]:
        """The counters of what the engine did, by name."""
    def session(self, key: int) -> Session | None:
        """The session under `key`, if any (a copy)."""
    @overload
    def establish(self, key: int, session: Session, now_ms: None = None) -> None:
        """Starts tracking a dialog's session under `key`: a `Session`, or the
        `Negotiated` timer (or `None`) a decision settled on with `now_ms`, when
        its 2xx went out or came in.
        """
    @overload
    def establish(self, key: int, session: Negotiated | None, now_ms: int) -> None:
        """Starts tracking a dialog's session under `key`: a `Session`, or the
        `Negotiated` timer (or `None`) a decision settled on with `now_ms`, when
        its 2xx went out or came in.
        """
    def establish_batch(
        self,
        sessions: Iterable[tuple[int, Session] | tuple[int, Negotiated | None, int]],
    ) -> list[tuple[int, SessionTimerError]]:
        """Many `establish` calls at once, in order, each a `(key, session)` or
        `(key, timer, now_ms)` tuple (the arguments of `establish`), applied
        with the interpreter released; the engine fetches the memory of the
        sessions ahead, as `refreshed_batch` does. An item of the wrong shape
        fails the call before any applies. Returns `(position, error)` for
        each session that failed (a key in use: `DuplicateSessionError`; the
        cap: `EngineFullError`); the others are established.
        """
    def establish_proxy(self, key: int, interval: int, now_ms: int) -> None:
        """Starts tracking a proxy's view of a session: the interval of the 2xx it
        forwarded at `now_ms`. It ends with `SESSION_ENDED`, never BYE.
        """
    def refreshed(self, key: int, now_ms: int, timer: Negotiated | None) -> None:
        """A 2xx to an INVITE or UPDATE on the dialog was sent or received at
        `now_ms`: the timer becomes `timer` and restarts.
        """
    def refreshed_batch(
        self, reports: Iterable[tuple[int, int, Negotiated | None]]
    ) -> list[tuple[int, SessionTimerError]]:
        """Many `refreshed` reports at once, in order, each a `(key, now_ms,
        timer)` tuple, applied with the interpreter released. The engine
        overlaps the lookups of a batch, which pays when sessions outgrow the
        CPU's caches (a million); with fewer, building the tuples costs about
        what the calls save. Returns `(position, error)` for each report that
        failed (an unknown key: `UnknownSessionError`); the others apply.
        """
    def answer(
        self, key: int, request: _HeadersLike, method: _MethodLike | None = None
    ) -> _UasDecision:
        """A mid-dialog INVITE or UPDATE from the peer: the UAS decision. Call
        `refreshed` with its timer when the 2xx is sent.
        """
    def on_in_dialog_request(
        self,
        key: int,
        b2bua: B2bua,
        leg: Leg | str,
        request: _HeadersLike,
        kind: RefreshKind | str,
        method: _MethodLike | None = None,
    ) -> _UasDecision | None:
        """A mid-dialog INVITE or UPDATE on one leg of `b2bua`, whose session this
        engine holds: the decision when the leg consumes it (answer it there,
        then call `refreshed`), `None` to relay it to the other leg.
        """
    def on_refresh_response(
        self, key: int, now_ms: int, status: int, response: _HeadersLike | None = None
    ) -> None:
        """The final response to a refresh arrived at `now_ms` (a timeout is 408)."""
    def offer_started(self, key: int) -> bool:
        """The host starts an offer of its own on the dialog (a hold or codec
        change re-INVITE or UPDATE, carrying the session's timer headers): a
        refresh that falls due meanwhile waits for it, and the offer's 2xx,
        reported with `on_refresh_response`, counts as the refresh; a failure
        sends the waiting refresh at once. `False` while a refresh of ours is in
        flight: wait for its answer, then start the offer (RFC 3261 section 14.1).
        """
    def remove(self, key: int) -> Session:
        """Forgets the session under `key`, returning it."""
    def remove_batch(self, keys: Iterable[int]) -> list[tuple[int, SessionTimerError]]:
        """Many `remove` calls at once, in order, applied with the interpreter
        released (a host ending many dialogs at once); the sessions are
        dropped. Returns `(position, error)` for each key that failed (an
        unknown key: `UnknownSessionError`); the others are removed.
        """
    def next_deadline(self) -> int | None:
        """When to call `poll` next (a lower bound), `None` when no timer runs."""
    def poll(self, now_ms: int, limit: int | None = None) -> list[Action]:
        """The actions due at or before `now_ms`, in deadline order (at most
        `limit` of them; the rest stay due). Actions hold no Python objects, so
        the cyclic collector does not track them.
        """
    def snapshot(self) -> bytes:
        """The whole engine as bytes (poll first: unpolled actions are not kept)."""
    def snapshot_session(self, key: int) -> bytes:
        """The session under `key` as bytes, its deadline included."""
    def restore_session(self, data: bytes) -> int:
        """Takes over a session from `snapshot_session` bytes, returning its key."""
    def track_changes(self, on: bool = True) -> None:
        """Turns the change journal on (or off, dropping what it held). Turning it
        on notes every session held as `ESTABLISHED`, so the first drain gives
        a store the whole state.
        """
    @property
    def owner(self) -> Owner:
        """The owner written in replica records: this node and its lease's epoch."""
    @owner.setter
    def owner(self, owner: Owner) -> None:
        """Sets the owner written in replica records; with the journal on, every
        session is noted as `UPDATED`, so the store gets the new owner.
        """
    def pending_changes(self) -> int:
        """How many sessions changed since the last drain."""
    def drain_changes(self) -> list[Change]:
        """The sessions that changed since the last drain, each once, in the order
        of their first change, with their replica records.
        """
    def replica(self, key: int) -> bytes:
        """The replica record of the session under `key`, with this engine's owner."""
    def adopt(self, data: bytes, now_ms: int) -> tuple[int, Owner]:
        """Takes over a session at `now_ms` from a replica record (or
        `snapshot_session` bytes): its key and the owner the record names. A
        deadline that passed while nobody owned it is due now.
        """
    def __reduce__(self) -> tuple[Any, ...]: ...
