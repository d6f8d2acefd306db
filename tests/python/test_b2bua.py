"""The agent's back-to-back UA between two agents over loopback UDP, on a clock
50 times real time: each leg has its own session timer (RFC 4028 applies per
dialog), a pure refresh is consumed on its leg or relayed to the other, and a
BYE on one leg ends the other with the same Reason."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import sessiontimer as st
from sessiontimer.agent import Agent, Clock, Event
from sessiontimer.b2bua import BackToBack

SPEED = 50.0


@dataclass
class Run:
    """The messages of one call, and who ended each leg."""

    events: list[Event]
    caller_end: tuple[str, str | None]
    callee_end: tuple[str, str | None]

    def refreshes(self, src: str, dst: str) -> list[float]:
        """When `src` sent `dst` an UPDATE, in session seconds."""
        return [
            e.at_ms / 1000
            for e in self.events
            if e.src == src and e.dst == dst and e.message.is_request
            if e.message.method == "UPDATE"
        ]

    def session_expires(self, src: str, dst: str) -> list[str]:
        """The Session-Expires of `src`'s INVITEs and UPDATEs to `dst`."""
        return [
            e.message.get("Session-Expires") or ""
            for e in self.events
            if e.src == src and e.dst == dst and e.message.method in ("INVITE", "UPDATE")
            if e.message.is_request
        ]


def call(
    b2bua: st.B2bua, caller: st.Policy, *, hang_up_at: float, silent_after: int | None = None
) -> Run:
    async def scenario() -> Run:
        clock = Clock(SPEED)
        events: list[Event] = []
        a = Agent("caller", clock, caller, silent_after=silent_after, log=events.append)
        b = Agent("callee", clock, st.Policy(), log=events.append)
        await b.bind()
        middle = BackToBack("b2bua", clock, b2bua, b.address, "sip:callee@127.0.0.1", events.append)
        await middle.bind()
        await a.bind()
        parties = (a, b, *middle.legs)
        for party in parties:
            party.names = {p.address: p.name for p in parties}
        dialog = await a.call(middle.inbound.address, "sip:b2bua@127.0.0.1")
        assert dialog is not None
        answered = await b.incoming.get()
        done = asyncio.wait_for(dialog.ended.wait(), hang_up_at / SPEED)
        try:
            await done
        except asyncio.TimeoutError:
            await a.hang_up(dialog)
        await asyncio.wait_for(answered.ended.wait(), 5)
        await asyncio.sleep(0.05)
        for party in parties:
            party.close()
        return Run(events, (dialog.ended_by, dialog.reason), (answered.ended_by, answered.reason))

    return asyncio.run(scenario())


def near(times: list[float], expected: list[float], slack: float = 2.0) -> bool:
    return len(times) == len(expected) and all(abs(t - e) < slack for t, e in zip(times, expected))


def test_each_leg_negotiates_its_own_interval_and_consumed_refreshes_stay_on_their_leg() -> None:
    """Consumption on both legs: the caller's UPDATEs every 45 s are answered by
    the B2BUA; the callee only sees the B2BUA's own, every 60 s (its 120 s leg)."""
    consuming = st.Policy(consume_refreshes=True)
    outbound = st.Policy(session_expires=120, consume_refreshes=True)
    run = call(st.B2bua(consuming, outbound), st.Policy(session_expires=90), hang_up_at=130)
    assert run.session_expires("caller", "b2bua")[0] == "90"
    assert run.session_expires("b2bua", "callee")[0] == "120"
    assert near(run.refreshes("caller", "b2bua"), [45, 90])
    assert near(run.refreshes("b2bua", "callee"), [60, 120])
    assert run.caller_end[0] == "us" and run.callee_end[0] == "peer"


def test_without_consumption_each_refresh_is_relayed_with_the_other_legs_headers() -> None:
    outbound = st.Policy(session_expires=1800, min_se=120)
    run = call(st.B2bua(st.Policy(), outbound), st.Policy(session_expires=90), hang_up_at=100)
    caller = run.refreshes("caller", "b2bua")
    assert near(caller, [45, 90])
    # Relayed at once, and the outbound leg's own timer restarts with each.
    assert near(run.refreshes("b2bua", "callee"), caller, slack=0.5)
    assert run.session_expires("b2bua", "callee") == ["1800"] + ["1800;refresher=uac"] * 2


def test_a_silent_caller_gets_bye_and_so_does_the_callee_with_the_same_reason() -> None:
    """Section 10: the B2BUA, non-refresher on the inbound leg, sends BYE at
    90 - min(32, 90/3) = 60 s; the outbound leg ends with it."""
    run = call(st.B2bua(), st.Policy(session_expires=90), hang_up_at=300, silent_after=0)
    assert run.caller_end[0] == "peer" and run.callee_end[0] == "peer"
    assert run.caller_end[1] is not None and "No session refresh received" in run.caller_end[1]
    assert run.callee_end[1] == run.caller_end[1]
    bye = next(e for e in run.events if e.message.method == "BYE" and e.message.is_request)
    assert abs(bye.at_ms / 1000 - 60) < 2


def test_a_back_to_back_call_adopted_by_another_node_pairs_its_legs_again() -> None:
    """A standby adopts each leg's dialog from its own cluster (in either
    order); the partner key in the contexts pairs them again, so a BYE on one
    leg still ends the other (field notes 2.13: exportable dialog state)."""
    from sessiontimer.cluster import Adopted

    def context(call_id: str, partner: int | None) -> dict[str, object]:
        found: dict[str, object] = {
            "call_id": call_id,
            "local": "<sip:a@127.0.0.1>;tag=1",
            "remote": "<sip:b@127.0.0.1>;tag=2",
            "peer": ["127.0.0.1", 5060],
            "target": "sip:b@127.0.0.1:5060",
            "cseq": 3,
            "route": [],
            "sdp_version": 1,
        }
        if partner is not None:
            found["partner"] = partner
        return found

    async def main() -> None:
        for inbound_first in (True, False):
            b2bua = st.B2bua(st.Policy(), st.Policy())
            middle = BackToBack("b", Clock(), b2bua, ("127.0.0.1", 5060), "sip:b@127.0.0.1")
            inbound = Adopted(10, "in", context("in@x", 20))
            outbound = Adopted(20, "out", context("out@x", 10))
            for leg, session in [(middle.inbound, inbound), (middle.outbound, outbound)][
                :: 1 if inbound_first else -1
            ]:
                leg.engine.establish(session.key, st.Negotiated(90, st.Side.REMOTE), 0)
                leg.take_over(session)
            assert middle.inbound.partners[10].key == 20
            assert middle.outbound.partners[20].key == 10
            assert middle.inbound.dialogs[10].cseq == 3 + 100
            written = middle.inbound.dialog_context(10)
            assert written is not None and written["partner"] == 20

    asyncio.run(main())


def test_an_adopted_dialog_whose_context_cannot_be_read_is_dropped() -> None:
    """A damaged store's context (SECURITY.md): no dialog to act in, so the
    session is let go rather than crashing the agent."""
    from sessiontimer.cluster import Adopted

    async def main() -> None:
        agent = Agent("a", Clock())
        whole = dict.fromkeys(("call_id", "local", "remote", "target", "route"), "x")
        broken: list[dict[str, object]] = [
            {},
            {**whole, "peer": ["h"], "cseq": 1, "sdp_version": 1},
            {**whole, "peer": ["h", 5], "cseq": "n", "sdp_version": 1},
            {**whole, "peer": 5, "cseq": 1, "sdp_version": 1},
        ]
        for context in broken:
            agent.engine.establish(1, st.Negotiated(90, st.Side.REMOTE), 0)
            agent.take_over(Adopted(1, "s", dict(context)))
            assert 1 not in agent.engine and 1 not in agent.dialogs

    asyncio.run(main())
