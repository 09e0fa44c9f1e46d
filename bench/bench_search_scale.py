"""Search at K times a corpus: the snapshot of a bench_store run copied K times, timed against the original.

Usage:
    python bench/bench_store.py --n 1000000 --dir DIR           # leaves DIR/bench.snapshot.duckdb
    python bench/bench_search_scale.py --snapshot DIR/bench.snapshot.duckdb --copies 10 [--repeat 7] [--keep]
    python bench/bench_search_scale.py --compare SNAPSHOT SNAPSHOT... [--repeat 7]   # no copy

Generating, indexing and publishing ten million articles would take hours and
about 30 GB of memory on a two-core machine; copying a published
million-article snapshot ten times takes about four minutes (and 8 GB of disk,
deleted at the end unless ``--keep``). The copy holds what search reads (``articles`` ids,
``search_docs``, ``search_terms``, ``research_articles``, ``stories``,
``search_doc_fields``, and the snapshot's indexes): copy c of an article has
its id and story id suffixed ``-c`` and its doc number offset, and the postings
of all copies are sorted by word, as publish sorts them.
Every story is K times as often there, each copy a story of its own, so the
ranking of the copy is K-fold ties of the original's.

The three queries of bench_store run on both databases in this process,
interleaved, ``--repeat`` times; the medians, the seconds per million articles
between them and either the time measured at ``--extrapolate`` articles (when
the copy has that many: ``--copies 10`` of a million) against the goal of one
second, or the linear extrapolation to it (said so). Every search must go by
the index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

#: The issue's goal: a search under one second at ten million articles.
GOAL_SECONDS = 1.0


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
    # Sorted by word, then doc, as publish orders them (SnapshotMixin.SNAPSHOT_ORDER). Sorting ten
    # copies at once (600M rows) ran out of memory; the source is in that order and copy c's doc
    # numbers follow copy c - 1's, so the copies of one word after another are in order already.
    con.execute("CREATE TABLE search_terms AS SELECT segment, term, doc, tf FROM src.search_terms LIMIT 0")
    words = [word for (word,) in con.execute("SELECT DISTINCT term FROM src.search_terms ORDER BY term").fetchall()]
    for word in words:
        con.execute("INSERT INTO search_terms SELECT * FROM (" + union(
            lambda s, o, c: f"SELECT segment + {c * 1_000_000} AS segment, term, doc + {o} AS doc, tf"
                            " FROM src.search_terms WHERE term = $word") + ") ORDER BY doc", {"word": word})
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


def compare(paths: list[Path], repeat: int, extrapolate: int) -> None:
    """Time the three queries on each snapshot, interleaved in this process, and print the medians,
    the growth between the two largest and the time at ``extrapolate`` articles (measured when the
    largest has that many, else extrapolated linearly, said so)."""
    from edualliance.pipeline.search import BY_INDEX, search, tokenizer
    from edualliance.pipeline.store import Store
    from edualliance.pipeline.store.research import SearchFilters

    tokenizer()
    stores = {}
    try:
        for path in paths:
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
        for _ in range(repeat):
            for name, run in queries:
                for n, store in stores.items():
                    start = time.perf_counter()
                    result = run(store)
                    times.setdefault((name, n), []).append(time.perf_counter() - start)
                    if result.method != BY_INDEX:
                        raise SystemExit(f"{name} did not go by the index: {result.method}")
    finally:
        for store in stores.values():
            store.close()
    sizes = sorted(stores)
    small, large = sizes[-2], sizes[-1]
    print(f"search by the index, median of {repeat} (interleaved in one process):")
    for name, _ in queries:
        medians = [statistics.median(times[(name, n)]) for n in sizes]
        a, b = medians[-2], medians[-1]
        slope = (b - a) / (large - small)
        line = f"  {name:<44} " + "   ".join(f"{n / 1e6:g}M {m:.3f} s" for n, m in zip(sizes, medians))
        line += f"   {slope * 1e6:.3f} s per million"
        if large >= extrapolate:  # the largest is the size asked about: its time is measured
            verdict = "met" if b <= GOAL_SECONDS else "MISSED"
            line += f"; measured at {large / 1e6:g}M (goal ≤ {GOAL_SECONDS:g} s: {verdict})"
        else:
            at = b + slope * (extrapolate - large)
            verdict = "met" if at <= GOAL_SECONDS else "MISSED"
            line += (f" → {at:.2f} s at {extrapolate / 1e6:g}M (linear extrapolation, not measured;"
                     f" goal ≤ {GOAL_SECONDS:g} s: {verdict})")
        print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, help="a published snapshot of bench_store")
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--extrapolate", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=None, help="the copy (default: beside the snapshot)")
    parser.add_argument("--keep", action="store_true", help="keep the copy (deleted by default: it is K times the size)")
    parser.add_argument("--compare", type=Path, nargs="+", metavar="SNAPSHOT",
                        help="no copy: time these snapshots against each other (bench_store --growth does)")
    args = parser.parse_args(argv)
    if args.compare:
        if len(args.compare) < 2:
            parser.error("--compare needs two snapshots or more")
        compare(args.compare, args.repeat, args.extrapolate)
        return 0
    if args.snapshot is None:
        parser.error("--snapshot (or --compare) is required")

    out = args.out or args.snapshot.with_name(f"copies{args.copies}.snapshot.duckdb")
    start = time.perf_counter()
    large = replicate(args.snapshot, out, args.copies)
    print(f"copied {args.copies} times: {large:,} articles in {time.perf_counter() - start:.0f} s ({out})", flush=True)
    try:
        compare([args.snapshot, out], args.repeat, args.extrapolate)
    finally:
        if not args.keep:
            for stale in (out, out.with_name(out.name + ".wal")):
                stale.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
