"""What the numbers were measured on: the machine, the interpreter, the BLAS, the versions."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from .threads import numpy_blas, thread_pools


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def describe(libs) -> dict:
    """Call after the libraries are loaded, so that their thread pools are listed too."""
    pools = thread_pools()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy_blas": numpy_blas(pools),
        "thread_pools": pools,
        "libraries": {lib.name: lib.version for lib in libs.values()},
        "commit": _git_commit(),
    }
