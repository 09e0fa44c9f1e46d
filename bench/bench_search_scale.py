"""Search at K times a corpus: the snapshot of a bench_store run copied K times, timed against the original.

Usage:
    python bench/bench_store.py --n 1000000 --dir DIR           # leaves DIR/bench.snapshot.duckdb
    python bench/bench_search_scale.py --snapshot DIR/bench.snapshot.duckdb --copies 3 [--repeat 7]

Generating and indexing three million articles takes most of an hour on a
shared two-core machine; copying a published million-article snapshot three
times takes minutes. The copy holds what search reads (``articles`` ids,
``search_docs``, ``search_terms``, ``research_articles``, ``stories``,
``search_doc_fields``, and the snapshot's indexes): copy c of an article has
its id and story id suffixed ``-c`` and its doc number offset, so each copy's
postings are segments of their own, as K times the batches would write them.
Every story is K times as often there, each copy a story of its own, so the
ranking of the copy is K-fold ties of the original's.

The three queries of bench_store run on both databases in this process,
interleaved, ``--repeat`` times; the medians, the seconds per million articles
between them and the linear extrapolation to ``--extrapolate`` articles are
printed (an extrapolation, said so). Every search must go by the index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path


def replicate(source: Path, target: Path, copies: int) -> int:
    """Write the K-fold copy of ``source`` to ``target``; return its article count."""
    import duckdb

    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
    offset = con.execute("SELECT max(doc) + 1 FROM src.search_docs").fetchone()[0]

    def union(select) -> str:  # one SELECT per copy; suffixes and offsets are integers made here
        return " UNION ALL ".join(select("''" if c == 0 else f"'-{c}'", c * offset, c) for c in range(copies))

    con.execute("CREATE TABLE articles AS " + union(lambda s, o, c: f"SELECT article_id || {s} AS article_id"
                                                                     " FROM src.articles"))
    con.execute("CREATE TABLE search_docs AS " + union(
        lambda s, o, c: f"SELECT doc + {o} AS doc, article_id || {s} AS article_id, content_hash, text_bytes,"
                        " tokenizer, indexed_at FROM src.search_docs"))
    con.execute("CREATE TABLE search_terms AS " + union(
        lambda s, o, c: f"SELECT segment + {c * 1_000_000} AS segment, term, doc + {o} AS doc, tf FROM src.search_terms"))
    con.execute("CREATE TABLE research_articles AS " + union(
        lambda s, o, c: f"SELECT * REPLACE (article_id || {s} AS article_id, story_id || {s} AS story_id)"
                        " FROM src.research_articles"))
    con.execute("CREATE TABLE stories AS " + union(
        lambda s, o, c: f"SELECT * REPLACE (story_id || {s} AS story_id) FROM src.stories"))
    # An id suffixed -c sorts right after the original (hex ids, '-' before every digit and letter).
    con.execute("CREATE TABLE search_doc_fields AS SELECT * FROM (" + union(
        lambda s, o, c: f"SELECT * REPLACE (doc + {o} AS doc, article_id || {s} AS article_id,"
                        f" (id_rank - 1) * {copies} + {c + 1} AS id_rank) FROM src.search_doc_fields")
        + ") ORDER BY published_at DESC NULLS LAST, doc")
    con.execute("CREATE INDEX research_articles_article_id ON research_articles (article_id)")
    con.execute("CREATE INDEX stories_story_id ON stories (story_id)")
    con.execute("CREATE INDEX search_doc_fields_doc ON search_doc_fields (doc)")
    n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    con.execute("DETACH src")
    con.close()
    return int(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, required=True, help="a published snapshot of bench_store")
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--extrapolate", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=None, help="the copy (default: beside the snapshot)")
    args = parser.parse_args(argv)

    from edualliance.pipeline.search import BY_INDEX, search, tokenizer
    from edualliance.pipeline.store import Store
    from edualliance.pipeline.store.research import SearchFilters

    out = args.out or args.snapshot.with_name(f"copies{args.copies}.snapshot.duckdb")
    start = time.perf_counter()
    large = replicate(args.snapshot, out, args.copies)
    print(f"copied {args.copies} times: {large:,} articles in {time.perf_counter() - start:.0f} s ({out})", flush=True)
    tokenizer()
    stores = {}
    try:
        for path in (args.snapshot, out):
            store = Store(path, read_only=True)
            stores[store.conn.execute("SELECT count(*) FROM articles").fetchone()[0]] = store
        queries = (
            ("教联体, all articles, stories merged", lambda s: search(s, "教联体")),
            ("城乡 共同体 --since 2024-01-01 --label urban_rural",
             lambda s: search(s, "城乡 共同体", since=datetime(2024, 1, 1), label="urban_rural")),
            ('"城乡教育共同体" 结对 in 浙江省',
             lambda s: search(s, '"城乡教育共同体" 结对', filters=SearchFilters(region="浙江省"))),
        )
        times: dict[tuple[str, int], list[float]] = {}
        for store in stores.values():  # warm: first reads of each file
            for _, run in queries:
                run(store)
        for _ in range(args.repeat):
            for name, run in queries:
                for n, store in stores.items():
                    start = time.perf_counter()
                    result = run(store)
                    times.setdefault((name, n), []).append(time.perf_counter() - start)
                    if result.method != BY_INDEX:
                        raise SystemExit(f"{name} did not go by the index: {result.method}")
        small, large = sorted(stores)
        print(f"search by the index, median of {args.repeat} (interleaved):")
        for name, _ in queries:
            a, b = statistics.median(times[(name, small)]), statistics.median(times[(name, large)])
            slope = (b - a) / (large - small)
            at = b + slope * (args.extrapolate - large)
            print(f"  {name:<44} {small / 1e6:g}M {a:.3f} s   {large / 1e6:g}M {b:.3f} s   {slope * 1e6:.3f} s per"
                  f" million → {at:.2f} s at {args.extrapolate / 1e6:g}M (linear extrapolation, not measured)")
    finally:
        for store in stores.values():
            store.close()
        for stale in (out, out.with_name(out.name + ".wal")):
            stale.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
