"""Driving the sessiontimer engine from asyncio: loop.call_at and time.monotonic().

The engine never reads a clock: the host passes ``now_ms`` in and asks when to
wake up next. This host wakes at ``next_deadline()`` with ``loop.call_at``,
polls, and acts. A fake peer answers refreshes after 20 ms, except on one dialog
where it stays silent, so the engine gives up and asks for BYE.

RFC 4028's smallest interval is 90 s; to finish in seconds, the host runs the
engine on a clock ``SPEED`` times faster than the loop's (``--speed 1`` is real time).

    python bindings-python/examples/asyncio_timers.py
"""

from __future__ import annotations

import argparse
import asyncio
import time

import sessiontimer as st


class TimerHost:
    """Owns one engine and keeps exactly one loop timer armed at its next deadline."""

    def __init__(self, engine: st.Engine, speed: float) -> None:
        self.engine = engine
        self.speed = speed
        self.loop = asyncio.get_running_loop()
        self.timer: asyncio.TimerHandle | None = None
        self.done = asyncio.Event()
        self.start = time.monotonic()

    def now_ms(self) -> int:
        """The engine's clock: milliseconds of time.monotonic(), sped up."""
        return int((time.monotonic() - self.start) * 1000 * self.speed)

    def rearm(self) -> None:
        """Call after every change to the engine: wake at its next deadline."""
        if self.timer is not None:
            self.timer.cancel()
        deadline = self.engine.next_deadline()
        if deadline is None:
            self.done.set()
            return
        # loop.time() is time.monotonic(); convert the engine's deadline back.
        self.timer = self.loop.call_at(self.start + deadline / 1000 / self.speed, self.fire)

    def fire(self) -> None:
        now = self.now_ms()
        for action in self.engine.poll(now):
            self.act(action, now)
        self.rearm()

    def act(self, action: st.Action, now: int) -> None:
        if action.kind == st.ActionKind.SEND_REFRESH:
            print(f"{now / 1000:8.1f}s  dialog {action.key}: send {action.method} {action.headers}")
            if action.key != SILENT_PEER:
                self.loop.call_later(0.02, self.peer_answers, action.key)
        else:
            print(f"{now / 1000:8.1f}s  dialog {action.key}: {action.kind}, reason {action.reason}")

    def peer_answers(self, key: int) -> None:
        """The peer's 200 OK to our refresh arrived."""
        now = self.now_ms()
        self.engine.on_refresh_response(key, now, 200, [("Session-Expires", "90;refresher=uac")])
        print(f"{now / 1000:8.1f}s  dialog {key}: 200 OK, timer restarted")
        self.rearm()


SILENT_PEER = 3


async def main(speed: float, duration_s: float) -> st.Engine:
    host = TimerHost(st.Engine(), speed)
    uac = st.Uac(st.Policy(session_expires=90))
    for key in (1, 2, SILENT_PEER):
        # Each call's 2xx: the caller (us) refreshes, by UPDATE, as the callee allows.
        ok = [("Session-Expires", "90;refresher=uac"), ("Supported", "timer"), ("Allow", "UPDATE")]
        host.engine.establish(key, uac.establish(ok, host.now_ms()))
    host.rearm()
    try:
        await asyncio.wait_for(host.done.wait(), timeout=duration_s / speed)
    except asyncio.TimeoutError:
        pass
    if host.timer is not None:
        host.timer.cancel()
    print("counters:", {k: v for k, v in host.engine.counters.items() if v})
    return host.engine


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=200.0, help="engine seconds to run")
    args = parser.parse_args()
    asyncio.run(main(args.speed, args.duration))
