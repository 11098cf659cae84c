"""Keep every library on one thread, and say which BLAS NumPy runs.

``limit_threads_env`` must run before NumPy (or any library bundling a BLAS) is imported:
the thread-count variables are read once, when the BLAS loads. Child processes inherit them.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def limit_threads_env() -> None:
    """Set the environment so that BLAS, OpenMP and XLA each use one thread, on the CPU."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    flags = os.environ.get("XLA_FLAGS", "")
    if XLA_SINGLE_THREAD not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {XLA_SINGLE_THREAD}".strip()
    os.environ["JAX_PLATFORMS"] = "cpu"
    os.environ["JAX_ENABLE_X64"] = "true"


def limit_loaded_pools() -> None:
    """Cap the thread pools already loaded (BLAS, OpenMP) at one thread, if threadpoolctl is
    there; the environment variables above do the same for pools that load later."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def thread_pools() -> list[dict]:
    """The BLAS and OpenMP pools loaded in this process, as threadpoolctl reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import numpy as np

    # NumPy's wheels bundle their BLAS in numpy.libs/ (Linux) or numpy/.dylibs/ (macOS).
    numpy_dir = os.path.dirname(np.__file__)
    keys = ("user_api", "internal_api", "version", "num_threads", "prefix")
    pools = []
    for info in threadpool_info():
        path = info.get("filepath") or ""
        pool = {key: info.get(key) for key in keys}
        pool["library"] = os.path.basename(path)  # the file name only: no local paths
        pool["bundled_with_numpy"] = path.startswith(numpy_dir)
        pools.append(pool)
    return pools


def numpy_blas(pools: list[dict]) -> str:
    """A one-line description of the BLAS NumPy runs, e.g. 'openblas 0.3.31 (1 thread)'."""
    for pool in pools:
        if pool.get("user_api") == "blas" and pool.get("bundled_with_numpy"):
            threads = pool["num_threads"]
            plural = "" if threads == 1 else "s"
            return f"{pool['internal_api']} {pool['version']} ({threads} thread{plural})"
    if not pools:
        return "unknown (install threadpoolctl to see it)"
    return "unknown (no BLAS pool found under NumPy's directory)"
