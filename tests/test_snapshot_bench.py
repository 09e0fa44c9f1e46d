"""bench/bench_store.py keeps working: a tiny run prints every figure and the goals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_store.py"


def test_bench_store_runs_on_a_small_corpus(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "600", "--years", "1", "--repeat", "1", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for figure in ("articles/s", "publish the snapshot", "week × label × province", "search 城乡 共同体",
                   "digest of the latest week", "goals:", "peak memory"):
        assert figure in out, out
    assert (tmp_path / "bench.snapshot.duckdb").exists()
