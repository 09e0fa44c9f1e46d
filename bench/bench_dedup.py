"""Repost clustering, incremental against clustering everything again.

    python bench/bench_dedup.py [--n 20000] [--new 200]

A corpus of N made-up articles (corpus/fixtureweb/generated_text.py texts, as unlike each
other as real ones; a tenth of them reposts of an earlier one: a source line
added, the last paragraph cut) is stored and clustered (the first run examines
every article). Then NEW more arrive (a tenth reposts of stored ones) and, in
the same process on the same database:

  incremental  ``dedup.cluster_store``: signatures of the new articles only,
               look-alikes found by a join on the stored band keys, touched
               clusters re-clustered
  everything   what each run did before migration 0006: read every article
               and ``dedup.cluster`` the whole corpus

Prints both times, their ratio, and whether the two give the same clusters.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path


def corpus(first: int, count: int, rng: random.Random, pool: list[tuple[str, str, datetime]]):
    """``count`` articles numbered from ``first``; a tenth repost an article of ``pool``."""
    from edualliance.corpus.fixtureweb.generated_text import generated_text

    out = []
    for i in range(first, first + count):
        published = datetime(2024, 1, 1) + timedelta(hours=i)
        if pool and rng.random() < 0.1:
            _, text, _ = rng.choice(pool)
            text = "来源：某某教育网\n" + text.rsplit("\n", 1)[0]
        else:
            text = generated_text(i)
        out.append((f"a{i:07d}", text, published))
        pool.append(out[-1])
    return out


def table(rows):
    import pyarrow as pa

    now = datetime(2026, 11, 22)
    return pa.Table.from_pylist([
        {"article_id": a, "page_id": "p" + a, "page_key": "k" + a, "part": 0, "source": "bench", "text": t,
         "text_normalized": t, "content_hash": hashlib.sha256(t.encode()).hexdigest(), "script": "simplified",
         "extractor_version": "bench", "published_at": p, "stored_at": now, "updated_at": now}
        for a, t, p in rows
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="articles stored before (default 20000)")
    parser.add_argument("--new", type=int, default=200, help="articles of the next run (default 200)")
    args = parser.parse_args()

    from edualliance.pipeline import dedup
    from edualliance.pipeline.store import Store

    rng, pool = random.Random(0), []
    stored = corpus(0, args.n, rng, pool)
    arriving = corpus(args.n, args.new, rng, pool)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        store.bulk_load_articles(table(stored))
        started = time.monotonic()
        examined = dedup.cluster_store(store)
        first = time.monotonic() - started
        print(f"first run: {examined} articles examined in {first:.1f} s ({examined / first:.0f} articles/s)")

        store.bulk_load_articles(table(arriving))
        started = time.monotonic()
        examined = dedup.cluster_store(store)
        incremental = time.monotonic() - started
        got = dict(store.conn.execute("SELECT article_id, cluster_id FROM articles").fetchall())

        started = time.monotonic()
        members = [dedup.Member(*row) for row in store.conn.execute(
            "SELECT article_id, text_normalized, published_at FROM articles ORDER BY article_id").fetchall()]
        everything = {a.article_id: a.cluster_id for a in dedup.cluster(members)}
        rebuild = time.monotonic() - started
        clusters = len(set(got.values()))

    print(f"next run, {args.new} new articles on {args.n}:")
    print(f"  incremental  {incremental:8.2f} s  ({examined} examined)")
    print(f"  everything   {rebuild:8.2f} s  (every article read and clustered again)")
    print(f"  ratio        {incremental / rebuild:8.3f}  ({rebuild / incremental:.0f}x faster)")
    print(f"  same clusters as clustering everything: {'yes' if got == everything else 'NO'}"
          f" ({clusters} clusters of {len(got)} articles)")


if __name__ == "__main__":
    main()
