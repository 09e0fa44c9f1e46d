"""bench/bench_store.py and bench/bench_search_scale.py keep working: a tiny run of each prints
its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_store.py"
SCALE = BENCH.with_name("bench_search_scale.py")


def test_bench_store_runs_on_a_small_corpus_and_its_snapshot_copies_k_times(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "600", "--years", "1", "--repeat", "1", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for figure in ("articles/s", "publish the snapshot", "week × label × province", "search 城乡 共同体",
                   "digest of the latest week", "goals:", "peak memory"):
        assert figure in out, out
    snapshot = tmp_path / "bench.snapshot.duckdb"
    assert snapshot.exists()

    # Three copies of 600 articles are the 1,800 asked about: their times are measured, not extrapolated.
    copy = tmp_path / "copy.duckdb"
    scaled = subprocess.run(
        [sys.executable, str(SCALE), "--snapshot", str(snapshot), "--copies", "3", "--repeat", "1",
         "--extrapolate", "1800", "--out", str(copy), "--keep"],
        capture_output=True, text=True, timeout=600,
    )
    assert scaled.returncode == 0, scaled.stderr[-3000:]
    assert "1,800 articles" in scaled.stdout
    assert scaled.stdout.count("measured at 0.0018M") == 3 and "extrapolation" not in scaled.stdout, scaled.stdout
    with duckdb.connect(str(snapshot), read_only=True) as one, duckdb.connect(str(copy), read_only=True) as three:
        postings = one.execute("SELECT count(*) FROM search_terms").fetchone()[0]
        assert three.execute("SELECT count(*) FROM search_terms").fetchone()[0] == 3 * postings
        # as publish leaves them: sorted by word, then doc (SnapshotMixin.SNAPSHOT_ORDER), in both
        for con in (one, three):
            unordered = con.execute(
                "SELECT count(*) FROM (SELECT term, doc, lag(term) OVER (ORDER BY rowid) AS t0,"
                " lag(doc) OVER (ORDER BY rowid) AS d0 FROM search_terms)"
                " WHERE t0 IS NOT NULL AND (term < t0 OR (term = t0 AND doc <= d0))").fetchone()[0]
            assert unordered == 0
