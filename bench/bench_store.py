"""The research layer at scale: load, snapshot, week × label × province, search, digest.

Usage:
    python bench/bench_store.py [--n 1000000] [--years 5] [--dir DIR] [--repeat 5]
    python bench/bench_store.py --growth 1000000,3000000 [--extrapolate 10000000]

Generates a corpus of N articles over YEARS years (bench/synthetic_corpus.py:
template sentences naming provinces, cities, outlets and the four models,
about 30% reposts clustered with their story, four classification rows per
article), then measures, in this process:

- load: ``Store.bulk_load_articles`` + ``bulk_load_classifications`` (Arrow)
  in one transaction: rows/s of both tables (goal ≥ 50,000) and articles/s
  (each article also has four label rows; held to the same 50,000);
- publish: the read-only snapshot researchers read (copy + research tables);
- the week × label × province query on the snapshot, (a) reading
  ``weekly_label_province`` for the last year (what researchers run; goal
  ≤ 0.5 s) and (b) the same counts aggregated afresh from ``article_labels``
  over all years — and, for comparison, (a) on the writer's live views;
- index: ``Store.index_missing`` (what `edualliance index` runs) over the
  whole corpus, before the snapshot is published;
- search: ``城乡 共同体`` with --since/--label as in the README, and
  ``教联体`` over everything (first call and median of the next ones), both
  with reposts merged into stories as `search` and the explorer show them,
  and the same query with a phrase and a province filter, each by the
  search index and by scanning every text (``scan=True``), and whether both
  give the same hits;
- digest: the full weekly digest of the latest week on the snapshot (goal ≤ 5 s);
- peak memory (max RSS, DuckDB included) of the load process (generation
  included) and of the read process (queries, search, digest), run apart.

``--growth N1,N2,…`` runs the whole bench at each size (each in its own
folder), then times search on all the sizes' snapshots at once, interleaved in
one process (``bench_search_scale.py --compare``), and prints how search time
grows with the corpus: seconds per million articles from the two largest
sizes, and the time that slope predicts at ``--extrapolate`` articles (an
extrapolation, said so in the output).

Timings are the median of --repeat runs unless marked first. Prints a table
and the goals met or missed; exits 0 either way (figures are for reading).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

GOALS = {"load": 50_000.0, "query": 0.5, "digest": 5.0}  # search at 10M: bench_search_scale.GOAL_SECONDS


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    """(first run s, median of the runs after it (or the first) s, last result)."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    rest = []
    for _ in range(repeat - 1):
        start = time.perf_counter()
        result = fn()
        rest.append(time.perf_counter() - start)
    return first, (statistics.median(rest) if rest else first), result


def load_phase(args, report, figures) -> None:
    from edualliance.pipeline.snapshot import publish_snapshot
    from edualliance.pipeline.store import Store
    from synthetic_corpus import generate  # bench/, beside this script

    db = args.dir / "bench.duckdb"
    for stale in (db, db.with_name(db.name + ".wal"), db.with_name("bench.snapshot.duckdb")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    articles, labels = generate(args.n, years=args.years, with_clusters=True)
    report("generate (not part of the load)", f"{time.perf_counter() - start:.1f} s")
    with Store(db) as store:
        store.publish_on_finish = False
        start = time.perf_counter()
        with store.transaction():
            store.bulk_load_articles(articles)
            store.bulk_load_classifications(labels)
        load_s = time.perf_counter() - start
        figures["load"] = args.n / load_s
        figures["load_rows"] = (args.n + labels.num_rows) / load_s
        report(f"load {args.n:,} articles + {labels.num_rows:,} label rows (Arrow)",
               f"{load_s:.1f} s = {figures['load']:,.0f} articles/s")
        report("  the same, rows of both tables", f"{figures['load_rows']:,.0f} rows/s")
        del articles, labels

        from edualliance.pipeline.searchwords import tokenizer

        tokenizer()  # jieba's dictionary loads once per process (~1 s); not build time
        start = time.perf_counter()
        store.index_missing()
        index_s = time.perf_counter() - start
        figures["index_build"] = index_s
        report("build the search index (edualliance index)", f"{index_s:.1f} s = {args.n / index_s:,.0f} articles/s")

        start = time.perf_counter()
        publish_snapshot(store)
        report("publish the snapshot (copy + research tables)", f"{time.perf_counter() - start:.1f} s")

        latest = store.latest_week_start()
        last_year = datetime.combine(latest, datetime.min.time()) - timedelta(weeks=52)
        first, _, result = timed(lambda: store.weekly_label_province_since(last_year), 1)
        report("week × label × province, last year, live views (writer)", f"{first:.2f} s ({len(result):,} rows)")


def read_phase(args, report, figures) -> None:
    from edualliance.pipeline.digest import write_digest
    from edualliance.pipeline.search import search, tokenizer
    from edualliance.pipeline.snapshot import open_snapshot

    with open_snapshot(args.dir / "bench.duckdb") as snap:
        latest = snap.latest_week_start()
        last_year = datetime.combine(latest, datetime.min.time()) - timedelta(weeks=52)
        first, med, result = timed(lambda: snap.weekly_label_province_since(last_year), args.repeat)
        report("week × label × province, last year, snapshot", f"{med:.3f} s ({len(result):,} rows)")
        figures["query"] = med
        since = datetime(1970, 1, 1)
        first, med, result = timed(lambda: snap.count_week_label_province(since), args.repeat)
        report("week × label × province, all years, aggregated afresh", f"{med:.3f} s ({len(result):,} rows)")
        figures["query_fresh"] = med

        tokenizer()  # jieba's dictionary loads once per process (~1 s); not a query cost
        from edualliance.pipeline.store.research import SearchFilters as Filters

        queries = (
            ("search", "城乡 共同体 --since 2024-01-01 --label urban_rural",
             lambda scan: search(snap, "城乡 共同体", since=datetime(2024, 1, 1), label="urban_rural", scan=scan)),
            ("search_all", "教联体 (all articles, stories merged)", lambda scan: search(snap, "教联体", scan=scan)),
            ("search_phrase", '"城乡教育共同体" 结对, province 浙江省',
             lambda scan: search(snap, '"城乡教育共同体" 结对', filters=Filters(region="浙江省"), scan=scan)),
        )
        for key, name, run in queries:
            for scan in (False, True):
                first, med, result = timed(lambda: run(scan), args.repeat)
                how = "scan" if scan else "index"
                report(f"search {name}, {how}", f"{med:.3f} s (first {first:.3f}; {result.searched:,} searched)")
                figures[key + ("_scan" if scan else "")] = med
            same = run(False).hits == run(True).hits
            report("  index and scan give the same hits", "yes" if same else "NO")
            figures[key + "_same"] = float(same)

        out = args.dir / "digest"
        first, med, paths = timed(lambda: write_digest(snap, week=None, out_dir=out, images=False),
                                  max(1, args.repeat // 2))
        report(f"digest of the latest week, zh and en ({paths[0].stem.split('.')[0]})", f"{med:.2f} s (first {first:.2f})")
        figures["digest"] = med
        first, _, paths = timed(lambda: write_digest(snap, week=None, out_dir=out, langs="en"), 1)
        report("  the same in English with its PNG charts (matplotlib)", f"{first:.2f} s")


def run_phase(args) -> dict[str, float]:
    figures: dict[str, float] = {}

    def report(step: str, figure: str) -> None:
        print(f"{step:<58} {figure:>26}   peak {peak_mb():,.0f} MB", flush=True)

    (load_phase if args.phase == "load" else read_phase)(args, report, figures)
    figures[f"peak_{args.phase}"] = peak_mb()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="articles to generate")
    parser.add_argument("--years", type=float, default=5.0, help="years the articles span")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the database (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timed query")
    parser.add_argument("--phase", choices=["load", "read"], default=None,
                        help="run one phase in this process (the default runs both, each in its own process,"
                             " so that each peak memory figure is its own)")
    parser.add_argument("--growth", default=None, metavar="N1,N2",
                        help="run the bench at each size and print how search time grows")
    parser.add_argument("--extrapolate", type=int, default=10_000_000,
                        help="with --growth: the corpus size to extrapolate search time to")
    args = parser.parse_args(argv)
    args.dir = args.dir or Path(tempfile.mkdtemp(prefix="bench-store-"))
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.growth:
        return growth(args)

    if args.phase:
        figures = run_phase(args)
        print("FIGURES " + json.dumps(figures), flush=True)
        return 0

    print(f"{args.n:,} articles over {args.years:g} years in {args.dir}", flush=True)
    figures = run_phases(args, args.n, args.dir)

    print()
    print("goals:")
    print(f"  load   ≥ {GOALS['load']:,.0f} rows/s: {figures['load_rows']:,.0f} rows/s of both tables"
          f" {'met' if figures['load_rows'] >= GOALS['load'] else 'MISSED'};"
          f" counting articles only, {figures['load']:,.0f} articles/s"
          f" {'met' if figures['load'] >= GOALS['load'] else 'MISSED'}")
    print(f"  query  ≤ {GOALS['query']} s on the snapshot: {figures['query']:.3f} s"
          f" {'met' if figures['query'] <= GOALS['query'] else 'MISSED'}"
          f" (aggregated afresh over all years: {figures['query_fresh']:.3f} s)")
    print(f"  digest ≤ {GOALS['digest']} s: {figures['digest']:.2f} s"
          f" {'met' if figures['digest'] <= GOALS['digest'] else 'MISSED'}")
    print(f"  search: {figures['search']:.3f} s by the index, {figures['search_scan']:.3f} s scanning"
          f" (城乡 共同体 with --since and --label); index build {figures['index_build']:.0f} s")
    print(f"  peak memory: {figures['peak_load']:,.0f} MB generating and loading,"
          f" {figures['peak_read']:,.0f} MB querying, searching and writing the digest")
    return 0


def run_phases(args, n: int, folder: Path) -> dict[str, float]:
    """Both phases on ``n`` articles in ``folder``, each in its own process (its own peak memory)."""
    figures: dict[str, float] = {}
    for phase in ("load", "read"):
        print(f"-- {phase} phase (own process)", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--n", str(n), "--years", str(args.years),
             "--dir", str(folder), "--repeat", str(args.repeat)],
            stdout=subprocess.PIPE, text=True, check=True,
        )
        for line in child.stdout.splitlines():
            if line.startswith("FIGURES "):
                figures.update(json.loads(line[len("FIGURES "):]))
            else:
                print(line, flush=True)
    return figures


def run_size(args, n: int) -> dict[str, float]:
    folder = args.dir / f"n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"== {n:,} articles over {args.years:g} years in {folder}", flush=True)
    figures = run_phases(args, n, folder)
    for stale in folder.glob("bench.duckdb*"):  # the writer's database; the snapshot is compared at the end
        stale.unlink()
    return figures


def growth(args) -> int:
    sizes = sorted(int(x) for x in args.growth.split(","))
    results = {n: run_size(args, n) for n in sizes}
    print()
    print("search time by corpus size (median), each size in its own run:")
    keys = (("search", "城乡 共同体 --since --label"), ("search_all", "教联体, all articles"),
            ("search_phrase", '"城乡教育共同体" 结对 in 浙江省'))
    keys = tuple((key + suffix, f"{name}, {how}") for key, name in keys
                 for suffix, how in (("", "index"), ("_scan", "scan")))
    print(f"  {'query':<44}" + "".join(f"{n / 1e6:>9g}M" for n in sizes))
    for key, name in keys:
        print(f"  {name:<44}" + "".join(f"{results[n][key]:>9.3f}s" for n in sizes))
    print(f"  {'index build (s)':<44}" + "".join(f"{results[n]['index_build']:>9.0f}s" for n in sizes))
    snapshots = [args.dir / f"n{n}" / "bench.snapshot.duckdb" for n in sizes]
    try:
        if len(sizes) >= 2:
            # Runs minutes apart see different machines (a shared VM's speed drifts by a third):
            # the growth is measured on all sizes at once, interleaved in one process.
            print(flush=True)
            subprocess.run([sys.executable, str(Path(__file__).with_name("bench_search_scale.py")), "--compare",
                            *map(str, snapshots), "--repeat", str(max(args.repeat, 5)),
                            "--extrapolate", str(args.extrapolate)], check=True)
    finally:
        for snapshot in snapshots:
            for stale in snapshot.parent.glob("bench*.duckdb*"):
                stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
