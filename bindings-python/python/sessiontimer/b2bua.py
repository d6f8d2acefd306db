"""A back-to-back UA built from two agents, one per leg: the inbound leg answers
callers as UAS, the outbound leg calls the target as UAC. Each leg negotiates
its session timer on its own, with its own policy and engine (RFC 4028 applies
to each dialog); the library's ``B2bua`` makes the decisions that join them:

- the outbound INVITE's interval (``B2bua.outbound_uac``): mirrored from the
  inbound one, or inserted when the inbound had none and the outbound policy
  says ``insert_on_outbound_leg`` (Cisco CUBE's ``session refresh``);
- what to do with a re-INVITE or UPDATE on a leg
  (``Engine.on_in_dialog_request``): with ``consume_refreshes`` a pure refresh
  (no SDP, or the same ``o=`` line) is answered on its own leg and restarts only
  that leg's timer; anything else is relayed, so it refreshes both legs.

A BYE on either leg, sent or received, ends the other with the same Reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sessiontimer as st

from .cluster import Adopted
from .sip import Message, param
from .transport import Address, Clock, Event
from .ua import LOST, Agent, Dialog


class Leg(Agent):
    """One leg of a ``BackToBack``: an agent whose dialogs are paired with the
    other leg's."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        b2bua: st.B2bua,
        side: st.Leg,
        log: Callable[[Event], None] | None,
    ) -> None:
        super().__init__(name, clock, b2bua.policy(side), log=log)
        self.b2bua = b2bua
        self.side = side
        self.other: Leg | None = None
        self.partners: dict[int, Dialog] = {}  # our dialog's key -> the other leg's dialog
        self.target: tuple[Address, str] | None = None  # where inbound calls go
        self.unpaired: dict[int, int] = {}  # adopted: partner's key -> ours, until it comes

    def pair(self, ours: Dialog, theirs: Dialog) -> None:
        assert self.other is not None
        self.partners[ours.key] = theirs
        self.other.partners[theirs.key] = ours

    def dialog_context(self, key: int) -> dict[str, Any] | None:
        """The dialog's context, with its partner on the other leg."""
        context = super().dialog_context(key)
        if context is not None and (theirs := self.partners.get(key)) is not None:
            context["partner"] = theirs.key
        return context

    def take_over(self, session: Adopted) -> None:
        """An adopted dialog, paired again with its partner once both legs
        have adopted theirs (whichever comes second pairs them)."""
        super().take_over(session)
        assert self.other is not None
        ours = self.dialogs[session.key]
        partner = session.context.get("partner")
        mine = self.other.unpaired.pop(session.key, None)
        theirs = self.other.dialogs.get(partner if partner is not None else mine or -1)
        if theirs is not None:
            self.pair(ours, theirs)
        elif partner is not None:
            self.unpaired[int(partner)] = session.key

    async def admit(self, request: Message, dialog: Dialog) -> Message | None:
        """Places the outbound call before the inbound one is answered; a
        refusal there refuses this call."""
        assert self.other is not None and self.target is not None, "an inbound leg"
        self.send(request.response(100, "Trying"), dialog.peer)
        to, uri = self.target
        theirs = await self.other.call(to, uri, self.b2bua.outbound_uac(request.timer_headers()))
        if theirs is not None:
            self.pair(dialog, theirs)
            return None
        return request.response(*self.outbound_failure(), param(dialog.local, "tag"))

    def outbound_failure(self) -> tuple[int, str]:
        """The final response the caller gets when the outbound call failed,
        as the library maps it (``B2bua.inbound_status``)."""
        assert self.other is not None
        failure = self.other.last_failure
        status = st.B2bua.inbound_status(failure.status if failure is not None else None)
        if failure is not None and status == failure.status:
            return status, failure.start.split(" ", 2)[-1]
        return status, st.reason_phrase(status)

    def answer_refresh(self, dialog: Dialog, request: Message, source: Address) -> None:
        """Consumed or relayed, as the library says for this leg."""
        kind = st.classify_refresh(request.method, request.body or None, dialog.remote_sdp or None)
        decision = self.engine.on_in_dialog_request(
            dialog.key, self.b2bua, self.side, request.timer_headers(), kind, request.method
        )
        if decision is not None:
            self.respond_refresh(dialog, request, source, decision)
        else:
            self.spawn(self.relay(dialog, request, source))

    async def relay(self, dialog: Dialog, request: Message, source: Address) -> None:
        """Sends the request on the other leg, with that leg's session-timer
        headers, and answers this one as the other leg answered."""
        theirs = self.partners.get(dialog.key)
        if self.other is None or theirs is None:
            self.send(request.response(481, "Call/Transaction Does Not Exist"), source)
            return
        if request.body and request.body != dialog.remote_sdp:
            theirs.sdp_version += 1  # a new offer on this leg is a new offer on that one
        response = await self.other.refresh(theirs, request.method, self.other.refresh_rows(theirs))
        if 200 <= response.status < 300 and dialog.key in self.engine:
            decision = self.engine.answer(dialog.key, request.timer_headers(), request.method)
            self.respond_refresh(dialog, request, source, decision)
        else:
            status = response.status if response.status >= 300 else 500
            self.send(request.response(status, response.start.split(" ", 2)[-1]), source)

    def refresh_rows(self, dialog: Dialog) -> list[tuple[str, str]]:
        """The session-timer headers of a refresh on `dialog` now."""
        session = self.engine.session(dialog.key)
        return [] if session is None else session.refresh_request(self.policy).headers

    def end(self, dialog: Dialog, by: str, reason: str | None = None) -> None:
        """Ends the paired dialog on the other leg too, with the same Reason
        (not one another node of the cluster took over: it goes on there)."""
        super().end(dialog, by, reason)
        theirs = self.partners.pop(dialog.key, None)
        if theirs is not None and self.other is not None and by != LOST:
            self.other.partners.pop(theirs.key, None)
            self.other.spawn(self.other.hang_up(theirs, reason))


class BackToBack:
    """A back-to-back UA that answers on one address and calls `uri` at `to`
    from another, with the library's ``B2bua`` (each leg's policy)."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        b2bua: st.B2bua,
        to: Address,
        uri: str,
        log: Callable[[Event], None] | None = None,
    ) -> None:
        self.inbound = Leg(name, clock, b2bua, st.Leg.INBOUND, log)
        self.outbound = Leg(name, clock, b2bua, st.Leg.OUTBOUND, log)
        self.inbound.other, self.outbound.other = self.outbound, self.inbound
        self.inbound.target = (to, uri)

    @property
    def legs(self) -> tuple[Leg, Leg]:
        return (self.inbound, self.outbound)

    async def bind(self, host: str = "127.0.0.1", port: int = 0, outbound_port: int = 0) -> Address:
        """Binds both legs (the outbound one on `outbound_port`, 0: any);
        returns the inbound leg's address (where to call)."""
        await self.outbound.bind(host, outbound_port)
        return await self.inbound.bind(host, port)

    def close(self) -> None:
        for leg in self.legs:
            leg.close()
