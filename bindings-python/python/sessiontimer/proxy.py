"""A stateful proxy between two fixed parties, with the library's proxy
decisions (RFC 4028 section 8); its state is bounded, oldest first."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable
from typing import Any

import sessiontimer as st

from .sip import Message, canonical, token
from .transport import Address, Clock, Event, Party

REMEMBERED_PROXY_STATE = 4096  # a relaying proxy's transactions and dialogs, oldest dropped


def remember(table: dict[str, Any], key: str, value: Any) -> None:
    """Adds to a table of a proxy's state, dropping the oldest entry past
    ``REMEMBERED_PROXY_STATE``: a peer that never answers costs bounded memory."""
    table[key] = value
    while len(table) > REMEMBERED_PROXY_STATE:
        del table[next(iter(table))]


class RelayProxy(Party):
    """A stateful proxy between two fixed parties, with the library's proxy
    decisions (section 8): it may answer 422 itself, inserts or lowers
    Session-Expires, adds ``refresher=uac`` and ``Require: timer`` to a 2xx
    from a timer-unaware UAS, and drops its state at expiry without a BYE."""

    def __init__(
        self, name: str, clock: Clock, policy: st.Policy, log: Callable[[Event], None] | None = None
    ) -> None:
        super().__init__(name, clock, policy, log)
        self.proxy = st.Proxy(self.policy)
        self.sides: tuple[Address, Address] = (("127.0.0.1", 0), ("127.0.0.1", 0))
        # Requests relayed, by our Via branch, with the timer state of an
        # INVITE or UPDATE; their responses are relayed back, others dropped.
        self.transactions: dict[str, st.ProxyTransaction | None] = {}
        self.dialog_keys: dict[str, int] = {}
        self.answered: dict[str, None] = {}  # branches of requests we answered (422)
        self.keys = itertools.count(1)
        self.ended: collections.deque[int] = collections.deque(maxlen=REMEMBERED_PROXY_STATE)

    def other(self, source: Address) -> Address:
        return self.sides[1] if source == self.sides[0] else self.sides[0]

    def on_request(self, request: Message, source: Address) -> None:
        if request.method == "ACK" and request.branch in self.answered:
            return  # the ACK of our own 422
        transaction = None
        if request.method in ("INVITE", "UPDATE"):
            decision = self.proxy.on_request(request.timer_headers(), request.method)
            if isinstance(decision, st.Reject):
                response = request.response(decision.status, decision.reason, token(4))
                response.headers += decision.headers
                remember(self.answered, request.branch, None)
                self.send(response, source)
                return
            request.headers = decision.apply(request.headers)
            transaction = decision.transaction
        if request.method == "BYE":
            self.track(request.call_id, None)
        request.headers.insert(0, self.via())
        if request.method != "ACK":
            remember(self.transactions, request.branch, transaction)
        self.send(request, self.other(source))

    def on_stray_response(self, response: Message, source: Address) -> bool:
        """Relays the response to a request we relayed; drops any other."""
        if response.branch not in self.transactions:
            return False
        transaction = self.transactions[response.branch]
        if response.status >= 200:
            del self.transactions[response.branch]
        response.headers = [
            row for i, row in enumerate(response.headers) if i != self.top_via(response)
        ]
        if transaction is not None and 200 <= response.status < 300:
            try:
                decision = self.proxy.on_2xx(transaction, response.headers)
            except st.MalformedHeaderError:
                decision = None  # relayed as it is; no timer to track
            if decision is not None:
                response.headers = decision.apply(response.headers)
                self.track(response.call_id, decision.interval)
        self.send(response, self.other(source))
        return True

    @staticmethod
    def top_via(message: Message) -> int:
        return next(i for i, (n, _) in enumerate(message.headers) if canonical(n) == "via")

    def track(self, call_id: str, interval: int | None) -> None:
        """Restarts the proxy's view of the session (section 8.3); `None`
        ends it (a BYE), and the dialog is forgotten."""
        key = self.dialog_keys.get(call_id)
        if key is None:
            key = next(self.keys)
            remember(self.dialog_keys, call_id, key)
        if key in self.engine:
            self.engine.remove(key)
        if interval is not None:
            self.engine.establish_proxy(key, interval, self.clock.now_ms())
        else:
            del self.dialog_keys[call_id]
        self.rearm()

    def act(self, action: st.Action) -> None:
        """The session expired: drop the state, no BYE (section 8.3)."""
        self.ended.append(action.key)
