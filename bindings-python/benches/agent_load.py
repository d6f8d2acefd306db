"""Load on `sessiontimer answer`: SIPp places CALLS calls at a fixed rate, each
an INVITE (Session-Expires 90, the caller refreshes), an UPDATE refresh and a
BYE; the agent's resident memory and CPU time are sampled once a second.

It prints memory and CPU per request for each tenth of the run, and the ratio
of the last tenth to the second one (after warm-up): memory must stay flat and
CPU per request constant, whatever the number of calls already handled. A
benchmark, not a test: run it by hand (it takes CALLS / RATE seconds).

    python bindings-python/benches/agent_load.py [--calls 10000] [--rate 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = Path(__file__).parent / "sipp" / "load_uac_update.xml"
REQUESTS_PER_CALL = 4  # INVITE, ACK, UPDATE, BYE
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sample(pid: int) -> tuple[float, int]:
    """CPU seconds used so far and resident memory in KiB of process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    rss = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=200, help="calls per second")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        print("sipp is not installed (Debian package sip-tester)", file=sys.stderr)
        return 2
    port = free_port()
    limit = args.calls / args.rate * 3 + 60
    answer = ["answer", "--port", str(port), "--json", "--calls", str(args.calls)]
    agent = subprocess.Popen(
        [sys.executable, "-m", "sessiontimer", *answer, "--for", str(limit), "--wait", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    load = ["-sf", str(SCENARIO), "-r", str(args.rate), "-m", str(args.calls)]
    local = ["-i", "127.0.0.1", "-p", str(free_port()), "-bg", "-nostdin"]
    sipp = subprocess.Popen(
        ["sipp", *load, *local, "-timeout", str(int(limit)), f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    samples: list[tuple[float, float, int]] = []
    started = time.monotonic()
    try:
        while agent.poll() is None and time.monotonic() - started < limit:
            cpu, rss = sample(agent.pid)
            samples.append((time.monotonic() - started, cpu, rss))
            time.sleep(1.0)
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
        agent.wait(10)
        if sipp.poll() is None:
            sipp.kill()
        sipp.wait(10)
    report(samples, args.calls, args.rate)
    return 0 if agent.returncode == 0 else 1


def report(samples: list[tuple[float, float, int]], calls: int, rate: int) -> None:
    """Memory and CPU per request, each tenth of the run; the last against the second."""
    load = [s for s in samples if s[0] >= 1.0]
    tenths = max(len(load) // 10, 1)
    windows = [load[i : i + tenths + 1] for i in range(0, len(load) - tenths, tenths)][:10]
    print(f"{calls} calls at {rate}/s through `sessiontimer answer` ({len(samples)} s)")
    print("window  seconds  RSS MiB  CPU us/request")
    rows = []
    for n, window in enumerate(windows):
        (t0, cpu0, _), (t1, cpu1, rss) = window[0], window[-1]
        requests = (t1 - t0) * rate * REQUESTS_PER_CALL
        per_request = (cpu1 - cpu0) / requests * 1e6 if requests else 0.0
        rows.append((rss / 1024, per_request))
        print(f"{n + 1:6}  {t0:4.0f}-{t1:<4.0f} {rss / 1024:7.1f}  {per_request:10.0f}")
    if len(rows) >= 3:
        (rss2, cpu2), (rss_last, cpu_last) = rows[1], rows[-1]
        print(
            f"last / second window: memory {rss_last / rss2:.3f}x, "
            f"CPU per request {cpu_last / cpu2:.2f}x"
        )


if __name__ == "__main__":
    sys.exit(main())
