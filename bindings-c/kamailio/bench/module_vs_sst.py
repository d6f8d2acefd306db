"""Kamailio's CPU per call with the sessiontimer module against the same
proxy with Kamailio's own sst module, measured in one run (the machine is
shared and noisy: only the ratio is compared).

For each proxy, SIPp places CALLS calls at RATE per second (an INVITE with
Session-Expires 1800 and Supported: timer, ACK, BYE) to a SIPp
timer-unaware UAS (uas.xml), through Kamailio with the configuration of the interop
tests (tests/interop/kamailio/sst.cfg or sessiontimer.cfg: record-routing,
dialog-tracking, the same apart from the session-timer module). It checks
that no call failed and prints the CPU time of all Kamailio processes per
call, and the ratio module / sst. Rounds alternate the two proxies. A
benchmark, not a test; build the module first
(scripts/build-kamailio-module.sh).

    python3 bindings-c/kamailio/bench/module_vs_sst.py [--calls 3000] [--rate 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
CONFIGS = ROOT / "tests" / "interop" / "kamailio"
MODULE = ROOT / "target" / "kamailio" / "sessiontimer.so"
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_of_tree(root: int) -> float:
    """CPU seconds of process `root` and its children (Kamailio's workers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def start_kamailio(config: str, port: int, rundir: str) -> subprocess.Popen[bytes]:
    text = (CONFIGS / config).read_text()
    settings = 'modparam("sessiontimer", "min_se", 90)'
    for name, value in {
        "PORT": str(port),
        "MIN_SE": "90",
        "MODULE": str(MODULE),
        "RUNDIR": rundir,
        "SETTINGS": settings,
        "DATABASE": "",
    }.items():
        text = text.replace(f"@{name}@", value)
    text = text.replace('xlog("L_INFO"', 'xlog("L_DBG"')
    path = Path(rundir) / config
    path.write_text(text)
    args = ["kamailio", "-f", str(path), "-DD", "-E", "-m", "256", "-M", "16", "-Y", rundir]
    args += ["-P", str(Path(rundir) / "pid")]
    log = open(Path(rundir) / "log", "wb")  # closed with the process
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while b"processes (at least)" not in (Path(rundir) / "log").read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit((Path(rundir) / "log").read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    return process


def one_run(config: str, calls: int, rate: int) -> float:
    """Kamailio CPU milliseconds per call through `config`."""
    rundir = tempfile.mkdtemp(prefix="bench-kamailio-")
    port, uas_port = free_port(), free_port()
    kamailio = start_kamailio(config, port, rundir)
    uas = subprocess.Popen(
        ["sipp", "-sf", str(HERE / "uas.xml"), "-i", "127.0.0.1", "-p", str(uas_port), "-nostdin"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        before = cpu_of_tree(kamailio.pid)
        command = ["sipp", f"127.0.0.1:{port}", "-sf", str(HERE / "uac_timer.xml")]
        command += ["-i", "127.0.0.1", "-p", str(free_port()), "-key", "uas_port", str(uas_port)]
        command += ["-m", str(calls), "-r", str(rate), "-l", str(rate * 4), "-nostdin"]
        command += ["-timeout", f"{calls // rate + 60}s", "-timeout_error", "-trace_err"]
        command += ["-error_file", str(Path(rundir) / "sipp.err")]
        uac = subprocess.run(
            command,
            capture_output=True,
            timeout=calls / rate + 90,
            cwd=rundir,
        )
        used = cpu_of_tree(kamailio.pid) - before
        if uac.returncode != 0:
            raise SystemExit(f"{config}: calls failed (sipp exit {uac.returncode}); see {rundir}")
        return used * 1000 / calls
    finally:
        kamailio.send_signal(signal.SIGTERM)
        kamailio.wait(timeout=10)
        uas.send_signal(signal.SIGTERM)
        uas.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    if not MODULE.exists():
        raise SystemExit(f"build the module first: scripts/build-kamailio-module.sh ({MODULE})")
    results: dict[str, list[float]] = {"sst.cfg": [], "sessiontimer.cfg": []}
    for _ in range(options.rounds):
        for config in results:
            results[config].append(one_run(config, options.calls, options.rate))
            print(f"{config:18} {results[config][-1]:.3f} ms CPU per call", flush=True)
    for name, pick in (("best", min), ("median", statistics.median)):
        sst, module = pick(results["sst.cfg"]), pick(results["sessiontimer.cfg"])
        print(
            f"{name} of {options.rounds}: sst {sst:.3f} ms, module {module:.3f} ms per call,",
            end=" ",
        )
        print(f"ratio module / sst {module / sst:.2f} (below 1: the module is cheaper)")


if __name__ == "__main__":
    main()
