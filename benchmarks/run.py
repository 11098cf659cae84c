"""The benchmark runner's command line: ``python -m benchmarks`` or ``benchmarks/run.py``.

The thread limits go into the environment before NumPy is first imported, which is why the
package's modules are imported inside the functions here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _choices(allowed):
    def parse(text: str) -> list[str]:
        chosen = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [part for part in chosen if part not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown: {', '.join(unknown)} (choose from {', '.join(allowed)})"
            )
        return chosen

    return parse


def parse_args(argv=None) -> argparse.Namespace:
    from benchmarks.libraries import ALL
    from benchmarks.workloads import WORKLOADS

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time npgrad against NumPy by hand, torch, HIPS autograd, MyGrad and jax.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="fewer rounds and shallower deep chains (10^4 and 10^5 ops)",
    )
    size.add_argument(
        "--smoke",
        dest="mode",
        action="store_const",
        const="smoke",
        help="tiny sizes and two rounds: checks that the harness works, times nothing useful",
    )
    parser.set_defaults(mode="full")
    parser.add_argument(
        "--only",
        type=_choices(tuple(WORKLOADS)),
        default=list(WORKLOADS),
        metavar="W1,W3",
        help="run only these workloads",
    )
    parser.add_argument(
        "--libs",
        type=_choices(ALL),
        default=list(ALL),
        metavar="npgrad,torch",
        help="compare only these libraries (NumPy by hand always runs: it is the reference)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="interleaved rounds, and W4 runs per depth (overrides the mode's)",
    )
    parser.add_argument("--json", default=str(HERE / "results.json"), help="where to write JSON")
    parser.add_argument(
        "--chart", default=str(HERE / "results.png"), help="where to write the PNG chart"
    )
    parser.add_argument("--no-chart", dest="chart", action="store_const", const=None)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    if not __package__:  # run as a file, benchmarks/run.py: make the package importable
        sys.path.insert(0, str(HERE.parent))
    args = parse_args(argv)
    from benchmarks.threads import limit_threads_env

    limit_threads_env()
    from benchmarks.harness import run_all  # imports NumPy, after the limits are set

    return run_all(args)


if __name__ == "__main__":
    raise SystemExit(main())
