"""Two builds of the native module timed against each other in one process.

The machine's speed drifts by a tenth or more within minutes, and two
processes run in different minutes. This loads two builds of
``sessiontimer._native`` (the ``.so`` files, each copied out of an installed
package) into one interpreter, under the names ``a._native`` and
``b._native``, and runs bench.py's engine workload with each in turn, the
first alternating between them. Each phase's ratio a/b is the median of the
turns' ratios, with its quartiles; above 1, build b is the faster. Run it
with the same file twice first: that spread is what a difference must beat.

    python bindings-python/benches/compare_builds.py A.so B.so [--sessions N] [--turns T] [--batched]
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import statistics
from types import ModuleType

from bench import PHASES, engine_workload


def load(name: str, path: str) -> ModuleType:
    """The native module at `path`, imported as `name` (``*._native``, the
    name its initialisation function is looked up by)."""
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        raise ImportError(f"no module at {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def quartiles(ratios: list[float]) -> str:
    """The median of `ratios`, with the first and third quartiles."""
    q1, median, q3 = statistics.quantiles(ratios, n=4)
    return f"{median:.3f} ({q1:.3f}-{q3:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("a", help="the first build's _native .so")
    parser.add_argument("b", help="the second build's _native .so")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--batched", action="store_true", help="through the batch calls")
    args = parser.parse_args()
    if args.turns < 2:
        parser.error("--turns: at least 2, for quartiles")
    builds = [load("a._native", args.a), load("b._native", args.b)]
    runs: list[list[list[float]]] = [[], []]
    for turn in range(args.turns):
        for n in (turn % 2, 1 - turn % 2):
            runs[n].append(engine_workload(args.sessions, args.batched, builds[n]))
    for p, phase in enumerate([*PHASES, "total"]):
        a, b = ([sum(r) if p == len(PHASES) else r[p] for r in run] for run in runs)
        ratios = [x / y for x, y in zip(a, b)]
        print(
            f"{phase:9}  a {statistics.median(a) * 1e3:7.1f} ms  b {statistics.median(b) * 1e3:7.1f} ms"
            f"  a/b {quartiles(ratios)}"
        )


if __name__ == "__main__":
    main()
