"""A PJSIP user agent (PyPI `pjsua2-python`) with session timers on, for the
interop tests: it answers calls on 127.0.0.1, or places one, for a bounded
time, then hangs up and exits. Run by tests/interop/test_pjsip.py.

    python pjsip_peer.py --port 5070 --seconds 60 [--call sip:x@127.0.0.1:5062] [--se 90]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pjsua2 as pj  # type: ignore[import-untyped,import-not-found,unused-ignore]


class Call(pj.Call):  # type: ignore[misc]
    def onCallState(self, prm: object) -> None:
        info = self.getInfo()
        print(f"call state: {info.stateText}", flush=True)


class Account(pj.Account):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        call = Call(self, prm.callId)
        self.calls.append(call)
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--call", default=None)
    parser.add_argument("--se", type=int, default=90)
    parser.add_argument("--min-se", type=int, default=90)
    args = parser.parse_args()

    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.logConfig.level = 3
    config.logConfig.consoleLevel = 3
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = args.port
    transport.boundAddress = "127.0.0.1"
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()

    account_config = pj.AccountConfig()
    account_config.idUri = f"sip:pjsip@127.0.0.1:{args.port}"
    account_config.callConfig.timerUse = pj.PJSUA_SIP_TIMER_ALWAYS
    account_config.callConfig.timerSessExpiresSec = args.se
    account_config.callConfig.timerMinSESec = args.min_se
    account = Account()
    account.create(account_config)
    if args.call:
        account.calls.append(Call(account))
        account.calls[-1].makeCall(args.call, pj.CallOpParam(True))
    print("pjsip ready", flush=True)

    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        endpoint.libHandleEvents(20)
    endpoint.hangupAllCalls()
    for _ in range(50):
        endpoint.libHandleEvents(20)
    endpoint.libDestroy()
    # pjsua2's Call destructors assert on calls already gone (peers.md): the
    # process ends here, without running them.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
