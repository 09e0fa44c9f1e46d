"""Crawl benchmark on a loopback site of generated pages (issue 5).

    python bench/bench_crawl.py [--pages 3000] [--shared DIR]

One run, four measurements, each in its own process (so that peak memory is
that configuration's own), against one fixture server in another process:

  scrapy-alone   a bare Scrapy spider following every in-scope link of every page
                 (as ours does), each URL requested once, keeping nothing
  crawl+capture  `run_crawl` storing every response raw (crawl_inbox), cleaning
                 deferred until the crawl is over: the crawl's own throughput
  end-to-end     `run_crawl` as `edualliance crawl` runs it: raw capture at once,
                 cleaning, classification and storage in batches alongside the
                 crawl, until every page is stored
  trafilatura    bare trafilatura.extract() over the same article pages, and over
                 the real pages of the extraction benchmark (when ../shared, beside
                 the repository, or --shared DIR is there): the generated pages are built to cost what real portal
                 pages cost (corpus/fixtureweb/generated.py), and both rates are printed,
                 with how alike two articles are (repost clustering compares
                 every new article with its look-alikes: generated articles
                 must not be more alike than real ones)

Figures: pages/s (article pages), the database's size and its captures folder's size
(WARC files) once the crawl is over, ratios (goals: crawl+capture ≥ 0.8 ×
scrapy-alone; end-to-end ≥ 0.7 × trafilatura), peak memory in MiB of each
phase's process tree (the phase's process and all its descendants: crawl
child, fork server, cleaning workers), sampled every 0.2 s from /proc: the
largest sum of PSS (each shared page divided among the processes sharing it:
the memory the tree holds, the figure the goal is about, since the workers
share the classifier copy-on-write with the fork server) and of RSS (shared
pages counted once per process), and each process's own peak (see
process_memory.py), and what each process held at the instant of the tree's PSS
peak, and when that was (during the crawl, or after it, while the inbox is drained and
reposts clustered). Goal: end-to-end peak PSS ≤ 600 MiB at 3000 pages.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Real pages to calibrate the generated ones against (read, never copied), under the shared folder.
REAL_PAGES = "eval/extract/*/pages/*.html"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "ERROR",
}


def process_role(pid: int, parent: int, cmdline: str, parent_role: str) -> str:
    """What each process of a phase's tree is, for the per-process memory figures."""
    if pid == os.getpid():
        return "phase process"
    if "edualliance.crawler.worker" in cmdline:
        return "crawl child (Scrapy)"
    if "forkserver" in cmdline:
        return "worker " if parent_role == "fork server" else "fork server"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    return "other "


# -- phases (each runs in a fresh process) ----------------------------------------------------


def phase_scrapy_alone(base: str, pages: int) -> dict:
    started = time.monotonic()  # like the crawls below, the time includes importing and starting Scrapy
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor

    got = {"articles": 0, "responses": 0}
    # Links already requested are skipped before a Request is built, as our spider
    # does: left to Scrapy's duplicate filter, the hundreds of thousands of links
    # on the article pages would make this baseline about twice as slow.
    seen: set[str] = set()

    class Bare(scrapy.Spider):
        name = "bare"
        start_urls = [base + "/gen/"]
        links = LinkExtractor(allow=[r"/gen/"])

        def parse(self, response):
            got["responses"] += 1
            if "/gen/a/" in response.url:
                got["articles"] += 1
            for link in self.links.extract_links(response):
                if link.url not in seen:
                    seen.add(link.url)
                    yield scrapy.Request(link.url)

    settings = {**SETTINGS, "ROBOTSTXT_OBEY": True, "USER_AGENT": "bench-scrapy-alone", "TELNETCONSOLE_ENABLED": False}
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()
    seconds = time.monotonic() - started
    return {"seconds": seconds, "articles": got["articles"], "responses": got["responses"]}


def _our_crawl(base: str, pages: int, clean_during_crawl: bool) -> dict:
    from edualliance.crawler.registry import Source
    from edualliance.crawler.run import run_crawl
    from edualliance.crawler.sink.pool import default_workers
    from edualliance.pipeline.store import Store

    source = Source(name="gen", kind="listing", start_urls=(base + "/gen/",), allow=("/gen/",),
                    max_pages=pages + pages // 10 + 100, focused=False)
    from edualliance.pipeline.captures import captures_path

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            started = time.monotonic()
            # As `edualliance crawl` does: the kind, so that only the cleaning workers load the model.
            report = run_crawl(store, [source], "auto", settings=SETTINGS, clean_during_crawl=clean_during_crawl)
            seconds = time.monotonic() - started
            stored = store.article_count()
            captured = store.conn.execute("SELECT count(*) FROM pages").fetchone()[0]
            versions = [v for (v,) in store.conn.execute("SELECT DISTINCT model_version FROM classifications").fetchall()]
        # Sizes once the store is closed (checkpointed): what a backup of the database and of
        # its captures folder would carry.
        db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("bench.duckdb*"))
        folder = captures_path(db)
        warc_bytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    counts = report.counts
    return {"seconds": seconds, "crawl_seconds": counts["crawl_seconds"], "articles": stored,
            "pages_stored": captured, "status": report.status, "stage_seconds": counts["stage_seconds"],
            "fetched": counts["totals"]["fetched"], "classifier": ", ".join(versions),
            "workers": default_workers(), "db_bytes": db_bytes, "warc_bytes": warc_bytes}


def phase_capture(base: str, pages: int) -> dict:
    return _our_crawl(base, pages, clean_during_crawl=False)


def phase_end_to_end(base: str, pages: int) -> dict:
    return _our_crawl(base, pages, clean_during_crawl=True)


def _extract_rate(pages: list[str]) -> tuple[float, list[str]]:
    import trafilatura

    started = time.monotonic()
    texts = [trafilatura.extract(html) for html in pages]
    return time.monotonic() - started, [text for text in texts if text]


def _similarity(texts: list[str], pairs: int = 3000, sample: int = 300) -> list[float]:
    """Median and 95th percentile of the shingle Jaccard of random pairs of texts (the
    repost detector's measure): generated articles must be as unlike each other as real ones.
    Pairs among ``sample`` texts, so that the shingle sets do not count as trafilatura's memory."""
    import random

    import numpy as np

    from edualliance.pipeline.dedup import shingle_hashes

    rng = random.Random(0)
    sets = [shingle_hashes(text) for text in rng.sample(texts, min(sample, len(texts)))]
    found = []
    for _ in range(pairs):
        a, b = rng.sample(sets, 2)
        overlap = np.intersect1d(a, b, assume_unique=True).size
        found.append(overlap / max(1, a.size + b.size - overlap))
    found.sort()
    return [round(found[len(found) // 2], 3), round(found[len(found) * 95 // 100], 3)]


def phase_trafilatura(base: str, pages: int, shared: Path = SHARED) -> dict:
    import trafilatura  # noqa: F401 - imported before timing

    from edualliance.corpus.fixtureweb.generated import generated_article
    from edualliance.pipeline.decode import decode

    bodies = [generated_article(i, pages) for i in range(pages)]
    seconds, texts = _extract_rate(bodies)
    out = {"seconds": seconds, "articles": len(texts), "similarity": _similarity(texts),
           "kib": sorted(len(b.encode()) // 1024 for b in bodies)}
    real = [decode(Path(p).read_bytes(), None).text for p in sorted(glob.glob(str(shared / REAL_PAGES)))]
    if real:
        rounds = max(1, 300 // len(real))  # a few hundred pages, like the generated ones
        timed = [_extract_rate(real) for _ in range(rounds)]
        out["real"] = {"pages": len(real), "rate": rounds * len(real) / sum(t for t, _ in timed),
                       "similarity": _similarity(timed[0][1]),
                       "kib": sorted(len(p.encode()) // 1024 for p in real)}
    return out


PHASES = {
    "scrapy-alone": phase_scrapy_alone,
    "crawl+capture": phase_capture,
    "end-to-end": phase_end_to_end,
    "trafilatura": phase_trafilatura,
}


def run_phase(name: str, base: str, pages: int, shared: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--base", base, "--pages", str(pages),
                          "--shared", str(shared)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3000, help="generated article pages (default 3000)")
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the shared folder with eval/extract (default: ../shared beside the repository)")
    parser.add_argument("--only", choices=sorted(PHASES), action="append",
                        help="run only this phase (repeatable); ratios need both of their phases")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        from process_memory import ProcessTreeMemory  # beside this script

        memory = ProcessTreeMemory(process_role)
        kwargs = {"shared": args.shared} if args.phase == "trafilatura" else {}
        result = PHASES[args.phase](args.base, args.pages, **kwargs)
        result["memory"] = memory.stop()
        print(json.dumps(result))
        return

    server = subprocess.Popen(
        [sys.executable, "-m", "edualliance.pipeline.cli", "fixture-web", "--generated", str(args.pages)],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        base = line.split(" at ", 1)[1].split()[0]
        print(f"site: {args.pages} generated article pages (+{-(-args.pages // 50)} list pages) at {base};"
              f" {os.cpu_count()} cores")
        results = {name: run_phase(name, base, args.pages, args.shared) for name in PHASES
                   if not args.only or name in args.only}
    finally:
        server.terminate()
        server.wait()
    report(results)


def report(results: dict) -> None:
    def rate(r: dict, seconds_key: str = "seconds") -> float:
        return r["articles"] / r[seconds_key] if r[seconds_key] else 0.0

    def memory(r: dict) -> str:
        return f"{r['memory']['total']['pss']:>8.0f} {r['memory']['total']['rss']:>8.0f}"

    print()
    print(f"{'configuration':<16} {'articles':>8} {'seconds':>8} {'pages/s':>8} {'peak MiB':>8} {'':>8}")
    print(f"{'':<16} {'':>8} {'':>8} {'':>8} {'PSS':>8} {'RSS':>8}   (process tree: largest sum at one instant)")
    rates = {}
    if "scrapy-alone" in results:
        r = results["scrapy-alone"]
        rates["scrapy"] = rate(r)
        print(f"{'scrapy-alone':<16} {r['articles']:>8} {r['seconds']:>8.1f} {rates['scrapy']:>8.1f} {memory(r)}")
    if "crawl+capture" in results:
        r = results["crawl+capture"]
        rates["capture"] = r["fetched"] / r["crawl_seconds"]
        print(f"{'crawl+capture':<16} {r['fetched']:>8} {r['crawl_seconds']:>8.1f} {rates['capture']:>8.1f} {memory(r)}"
              f"   (then cleaning: {r['seconds'] - r['crawl_seconds']:.1f} s)")
    if "end-to-end" in results:
        r = results["end-to-end"]
        rates["e2e"] = rate(r)
        print(f"{'end-to-end':<16} {r['articles']:>8} {r['seconds']:>8.1f} {rates['e2e']:>8.1f} {memory(r)}"
              f"   ({r['workers']} cleaning workers; clean/classify = CPU s summed over workers:"
              f" {r['stage_seconds']}; classifier {r['classifier']})")
    if "trafilatura" in results:
        r = results["trafilatura"]
        rates["trafilatura"] = rate(r)
        print(f"{'trafilatura':<16} {r['articles']:>8} {r['seconds']:>8.1f} {rates['trafilatura']:>8.1f} {memory(r)}")

    for name in ("crawl+capture", "end-to-end"):
        if name in results:
            r = results[name]
            print(f"{name}: database {r['db_bytes'] / 2**20:.1f} MiB, captures (WARC) {r['warc_bytes'] / 2**20:.1f} MiB"
                  f" after {r['pages_stored']} pages stored")

    print()
    print("memory by process at the tree's PSS peak (MiB, PSS / RSS; the parts of the peak above, and when):")
    for name, r in results.items():
        at_peak, m = r["memory"]["at_peak"], r["memory"]
        crawl = f", of which the crawl {r['crawl_seconds']:.0f} s" if "crawl_seconds" in r else ""
        print(f"  {name} (at {m['peak_seconds']:.0f} s of {m['seconds']:.0f} s{crawl}): "
              + "; ".join(f"{role} {m['pss']:.0f} / {m['rss']:.0f}" for role, m in at_peak.items()))
    print("peak memory by process (MiB, each process's own peak; PSS / RSS):")
    for name, r in results.items():
        by_role = r["memory"]["by_role"]
        print(f"  {name}: " + "; ".join(f"{role} {m['pss']:.0f} / {m['rss']:.0f}" for role, m in by_role.items()))

    if "trafilatura" in results:
        traf = results["trafilatura"]

        def sizes(kib: list[int]) -> str:
            return f"{kib[0]}/{kib[len(kib) // 2]}/{kib[-1]} KiB min/median/max"

        def alike(pair: list[float]) -> str:
            return f"text shingle Jaccard of random article pairs, median {pair[0]:.3f}, 95th percentile {pair[1]:.3f}"

        print()
        print(f"calibration: bare trafilatura.extract on the generated pages {rates['trafilatura']:.1f} pages/s"
              f" ({sizes(traf['kib'])}); {alike(traf['similarity'])}")
        if "real" in traf:
            real = traf["real"]
            print(f"             on the {real['pages']} real pages of the shared eval/extract: {real['rate']:.1f}"
                  f" pages/s ({sizes(real['kib'])}); {alike(real['similarity'])}")
        else:
            print("             (the real pages are not here: no calibration figure)")
    print()
    if "capture" in rates and "scrapy" in rates:
        print(f"(a) crawl with raw capture / Scrapy alone: {rates['capture'] / rates['scrapy']:.2f}x  (goal >= 0.8)")
    if "e2e" in rates and "trafilatura" in rates:
        e2e, traf = results["end-to-end"]["memory"]["total"], results["trafilatura"]["memory"]["total"]
        print(f"(b) end-to-end / bare trafilatura.extract: {rates['e2e'] / rates['trafilatura']:.2f}x  (goal >= 0.7)")
        print(f"(c) end-to-end peak memory: {e2e['pss']:.0f} MiB PSS (goal <= 600), {e2e['pss'] / traf['pss']:.2f}x"
              f" bare trafilatura's {traf['pss']:.0f} MiB PSS (RSS: {e2e['rss']:.0f} against {traf['rss']:.0f} MiB)")


if __name__ == "__main__":
    main()
