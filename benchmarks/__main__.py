"""``python -m benchmarks``: run the benchmark harness (see ``benchmarks.run``)."""

from benchmarks.run import main

raise SystemExit(main())
