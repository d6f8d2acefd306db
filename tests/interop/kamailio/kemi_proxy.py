"""Kamailio KEMI routing in Python: a stateful, record-routing proxy whose
session-timer decisions all come from ``sessiontimer.Proxy`` (RFC 4028 section
8). The example of embedding the library in Kamailio; tests/interop runs it.

Kamailio forks worker processes, so nothing of a call may live in this
object: what the proxy keeps of a forwarded INVITE (``ProxyTransaction``)
travels with the tm transaction in an AVP, from the request route to the reply
route. Settings come from the environment: ``SESSIONTIMER_SITE`` (a
site-packages directory holding the package, for Debian's interpreter) and
``SESSIONTIMER_MIN_SE``.
"""

from __future__ import annotations

import os
import site

site.addsitedir(os.environ.get("SESSIONTIMER_SITE", ""))

import KSR  # type: ignore[import-not-found]

import sessiontimer as st
from sessiontimer.sip import Message, canonical

TIMER_HEADERS = ("Session-Expires", "Min-SE", "Supported", "Require", "Proxy-Require")
COMPACT = {"session-expires": "x", "supported": "k"}
TRANSACTION = "$avp(st_transaction)"


def mod_init() -> Proxy:
    return Proxy()


def rewrite(edited: list[tuple[str, str]]) -> None:
    """Replaces the message's session-timer headers with the edited rows."""
    for name in TIMER_HEADERS:
        KSR.hdr.remove(name)
        short = COMPACT.get(name.lower())
        if short:
            KSR.hdr.remove(short)
    for name, value in edited:
        if canonical(name) in {n.lower() for n in TIMER_HEADERS}:
            KSR.hdr.append(f"{name}: {value}\r\n")


def timer_rows() -> list[tuple[str, str]]:
    """The rows of the message being routed."""
    return Message.parse(KSR.pv.get("$mb").encode()).headers


class Proxy:
    def __init__(self) -> None:
        min_se = int(os.environ.get("SESSIONTIMER_MIN_SE", "90"))
        self.proxy = st.Proxy(st.Policy(min_se=min_se))

    def child_init(self, rank: int) -> int:
        return 0

    def ksr_request_route(self, msg: object) -> int:
        if KSR.maxfwd.process_maxfwd(10) < 0:
            KSR.sl.sl_send_reply(483, "Too Many Hops")
            return 1
        if KSR.siputils.has_totag() > 0:
            if KSR.rr.loose_route() > 0 or (KSR.is_ACK() and KSR.tm.t_check_trans() > 0):
                KSR.tm.t_relay()
            elif not KSR.is_ACK():
                KSR.sl.sl_send_reply(404, "No dialog here")
            return 1
        if KSR.is_INVITE():
            decision = self.proxy.on_request(timer_rows(), "INVITE")
            if isinstance(decision, st.Reject):
                for name, value in decision.headers:
                    KSR.hdr.append_to_reply(f"{name}: {value}\r\n")
                KSR.sl.sl_send_reply(decision.status, decision.reason)
                KSR.info(f"sessiontimer: {decision.status} {decision.reason}\n")
                return 1
            rewrite(decision.apply(timer_rows()))
            txn = decision.transaction
            interval = "" if txn.interval is None else str(txn.interval)
            KSR.pv.sets(TRANSACTION, f"{int(txn.requested)},{int(txn.uac_supports)},{interval}")
            KSR.rr.record_route()
            KSR.tm.t_on_reply("ksr_onreply_invite")
        KSR.tm.t_relay()
        return 1

    def ksr_onreply_invite(self, msg: object) -> int:
        """A 2xx to the INVITE: the library's edits (section 8.2), which add
        refresher=uac and Require: timer for a UAS without timers."""
        status = KSR.pv.get("$rs")
        kept = KSR.pv.get(TRANSACTION)
        if not kept or not 200 <= int(status) < 300:
            return 1
        requested, supports, interval = kept.split(",")
        txn = st.ProxyTransaction(
            requested == "1", supports == "1", int(interval) if interval else None
        )
        decision = self.proxy.on_2xx(txn, timer_rows())
        rewrite(decision.apply(timer_rows()))
        KSR.info(f"sessiontimer: 2xx with interval {decision.interval}\n")
        return 1

    def ksr_reply_route(self, msg: object) -> int:
        return 1

    def ksr_onsend_route(self, msg: object) -> int:
        return 1
