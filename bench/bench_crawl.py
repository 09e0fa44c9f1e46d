"""Crawl benchmark on a loopback site of generated pages (issue 5).

    python bench/bench_crawl.py [--pages 3000]

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
                 the real pages of the extraction benchmark (when /work/shared is
                 there): the generated pages are built to cost what real portal
                 pages cost (corpus/fixtureweb/generated.py), and both rates are printed,
                 with how alike two articles are (repost clustering compares
                 every new article with its look-alikes: generated articles
                 must not be more alike than real ones)

Figures: pages/s (article pages), ratios (goals: crawl+capture ≥ 0.8 ×
scrapy-alone; end-to-end ≥ 0.7 × trafilatura), peak memory (MiB: the largest
sum of the resident sizes of the phase's process and all its descendants —
crawl child, fork server, cleaning workers — sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: Real pages to calibrate the generated ones against (read, never copied).
REAL_PAGES = "/work/shared/eval/extract/*/pages/*.html"

SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "ERROR",
}


def peak_mib() -> float:
    """Peak RSS of this process plus the largest of its ended children (getrusage)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def _tree_rss_kib(root: int) -> int:
    """Resident KiB of ``root`` and all its living descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status, encoding="ascii", errors="replace") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pid = int(fields["Pid"])
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total = 0
    for pid in rss:
        p = pid
        while p and p != root:
            p = parents.get(p, 0)
        if p == root:
            total += rss[pid]
    return total


class TreeMemory:
    """Samples the summed RSS of this process and its descendants in a thread; ``peak_mib``."""

    def __init__(self, every: float = 0.1) -> None:
        self.peak = 0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_kib(os.getpid()))
            self._stop.wait(self._every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(max(self.peak / 1024, peak_mib()), 1)


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
    from edualliance.crawler.sink import default_workers
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.store import Store

    source = Source(name="gen", kind="listing", start_urls=(base + "/gen/",), allow=("/gen/",),
                    max_pages=pages + pages // 10 + 100, focused=False)
    classifier = load_classifier()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        started = time.monotonic()
        report = run_crawl(store, [source], classifier, settings=SETTINGS, clean_during_crawl=clean_during_crawl)
        seconds = time.monotonic() - started
        stored = store.article_count()
        captured = store.conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    counts = report.counts
    return {"seconds": seconds, "crawl_seconds": counts["crawl_seconds"], "articles": stored,
            "pages_stored": captured, "status": report.status, "stage_seconds": counts["stage_seconds"],
            "fetched": counts["totals"]["fetched"], "classifier": classifier.version,
            "workers": default_workers()}


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


def phase_trafilatura(base: str, pages: int) -> dict:
    import trafilatura  # noqa: F401 - imported before timing

    from edualliance.corpus.fixtureweb.generated import generated_article
    from edualliance.pipeline.decode import decode

    bodies = [generated_article(i, pages) for i in range(pages)]
    seconds, texts = _extract_rate(bodies)
    out = {"seconds": seconds, "articles": len(texts), "similarity": _similarity(texts),
           "kib": sorted(len(b.encode()) // 1024 for b in bodies)}
    real = [decode(Path(p).read_bytes(), None).text for p in sorted(glob.glob(REAL_PAGES))]
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


def run_phase(name: str, base: str, pages: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--base", base, "--pages", str(pages)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3000, help="generated article pages (default 3000)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        memory = TreeMemory()
        result = PHASES[args.phase](args.base, args.pages)
        result["peak_mib"] = memory.stop()
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
        results = {name: run_phase(name, base, args.pages) for name in PHASES}
    finally:
        server.terminate()
        server.wait()

    def rate(r: dict, seconds_key: str = "seconds") -> float:
        return r["articles"] / r[seconds_key] if r[seconds_key] else 0.0

    scrapy_rate = rate(results["scrapy-alone"])
    capture = results["crawl+capture"]
    capture_rate = capture["fetched"] / capture["crawl_seconds"]
    e2e = results["end-to-end"]
    e2e_rate = rate(e2e)
    traf_rate = rate(results["trafilatura"])
    print()
    print(f"{'configuration':<16} {'articles':>8} {'seconds':>8} {'pages/s':>8} {'peak MiB':>9}")
    print(f"{'scrapy-alone':<16} {results['scrapy-alone']['articles']:>8} "
          f"{results['scrapy-alone']['seconds']:>8.1f} {scrapy_rate:>8.1f} {results['scrapy-alone']['peak_mib']:>9.0f}")
    print(f"{'crawl+capture':<16} {capture['fetched']:>8} {capture['crawl_seconds']:>8.1f} {capture_rate:>8.1f}"
          f" {capture['peak_mib']:>9.0f}   (then cleaning: {capture['seconds'] - capture['crawl_seconds']:.1f} s)")
    print(f"{'end-to-end':<16} {e2e['articles']:>8} {e2e['seconds']:>8.1f} {e2e_rate:>8.1f} {e2e['peak_mib']:>9.0f}"
          f"   ({e2e['workers']} cleaning workers; clean/classify = CPU s summed over workers: {e2e['stage_seconds']};"
          f" classifier {e2e['classifier']})")
    print(f"{'trafilatura':<16} {results['trafilatura']['articles']:>8} {results['trafilatura']['seconds']:>8.1f}"
          f" {traf_rate:>8.1f} {results['trafilatura']['peak_mib']:>9.0f}")
    traf = results["trafilatura"]

    def sizes(kib: list[int]) -> str:
        return f"{kib[0]}/{kib[len(kib) // 2]}/{kib[-1]} KiB min/median/max"

    print()
    def alike(pair: list[float]) -> str:
        return f"text shingle Jaccard of random article pairs, median {pair[0]:.3f}, 95th percentile {pair[1]:.3f}"

    print(f"calibration: bare trafilatura.extract on the generated pages {traf_rate:.1f} pages/s ({sizes(traf['kib'])});"
          f" {alike(traf['similarity'])}")
    if "real" in traf:
        real = traf["real"]
        print(f"             on the {real['pages']} real pages of {REAL_PAGES.split('/*')[0]}: {real['rate']:.1f} pages/s"
              f" ({sizes(real['kib'])}); {alike(real['similarity'])}")
    else:
        print("             (the real pages are not here: no calibration figure)")
    print()
    print(f"(a) crawl with raw capture / Scrapy alone: {capture_rate / scrapy_rate:.2f}x  (goal >= 0.8)")
    print(f"(b) end-to-end / bare trafilatura.extract: {e2e_rate / traf_rate:.2f}x  (goal >= 0.7)")


if __name__ == "__main__":
    main()
