"""Crawling on several machines: 1 node against 2 nodes (plus the writer) on a loopback site.

    python bench/bench_distributed.py [--pages 200] [--delay 1.0]

Starts its own redis-server (127.0.0.1, free port, no persistence) and the generated /gen/
site (corpus/fixtureweb/generated.py) in this process, and prints:

  cpu-bound     1 and 2 nodes, no server delay: pages/s of each and the ratio. On a machine
                with two cores the nodes share the CPU with each other, the server and Redis,
                so the ratio says little about more machines.
  fetch-bound   the same with ``--delay`` seconds per response on the server and 2 requests
                at a time per node: what a cluster is for (politeness caps each node's rate
                on a site; breadth comes from more nodes). Goal: ratio ≥ 1.8.
  writer        `edualliance process` storing the 2-node crawl: pages/s of the one writer.
  redis         bytes of Redis memory per queued request (the queue's sorted set, JSON
                requests as the spider makes them) and per seen URL (the duplicate filter).
  warc          WARC bytes per page (gzipped request, response and metadata records).
  last line     ``lost=N duplicated=M`` after node a is killed (SIGKILL) mid-crawl, restarted,
                and the writer run: article pages never stored, and pages stored twice.

Pages/s count article pages, from the first to the last one the server answered (the nodes'
start-up is printed apart).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import redis  # noqa: E402
from support.redis_server import RedisServer  # noqa: E402

CLI = [sys.executable, "-m", "edualliance.pipeline.cli"]

#: Requests at a time per node in the fetch-bound case: a node's rate is then capped by the
#: server's delay (2 / delay pages/s), as politeness caps it on a real site.
FETCH_CONCURRENCY = 2

SOURCES = """[[source]]
name = "gen"
kind = "listing"
start_urls = ["{{base}}/gen/"]
allow = ['/gen/']
max_pages = {max_pages}
max_depth = 6
focused = false
"""


def settings(concurrency: int) -> list[str]:
    return ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "DOWNLOAD_TIMEOUT=30",
            "--set", f"CONCURRENT_REQUESTS={concurrency}", "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}"]


def start_node(tmp: Path, url: str, base: str, name: str, concurrency: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "crawl", "--sources", str(tmp / "sources.toml"), "--base", base, "--frontier", url,
         "--captures", str(tmp / "captures"), "--node", name, "--log", str(tmp / f"{name}.log"),
         *settings(concurrency)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def article_count(server) -> int:
    with server._settled:
        return sum(1 for r in server.log if r.path.startswith("/gen/a/"))


def crawl(tmp: Path, redis_url: str, server, nodes: int, concurrency: int) -> dict:
    redis.Redis.from_url(redis_url).flushdb()
    started = time.monotonic()
    procs = [start_node(tmp, redis_url, server.base_url, f"n{i}", concurrency) for i in range(nodes)]
    before = article_count(server)
    first = last = None
    count = before
    while any(p.poll() is None for p in procs):
        now, count = time.monotonic(), article_count(server)
        if first is None and count > before:
            first = now
        if count > before:
            last = now
        time.sleep(0.02)
    fetched = article_count(server) - before
    seconds = (last - first) if first and last and last > first else float("nan")
    return {"pages": fetched, "seconds": seconds, "rate": fetched / seconds, "startup": (first or started) - started,
            "wall": time.monotonic() - started, "codes": [p.returncode for p in procs]}


def run_writer(tmp: Path, redis_url: str, db: Path) -> float:
    started = time.monotonic()
    subprocess.run([*CLI, "--db", str(db), "process", "--frontier", redis_url, "--captures", str(tmp / "captures")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def redis_memory(redis_url: str, n: int = 20000) -> tuple[float, float]:
    """Bytes per queued request and per seen fingerprint, from Redis' own accounting."""
    import hashlib

    from scrapy import Request

    from edualliance.crawler.frontier import serialize
    from edualliance.crawler.frontier.node import FrontierSpider

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    spider = FrontierSpider.__new__(FrontierSpider)
    base = client.info("memory")["used_memory"]
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        url = f"http://www.example-county.edu.cn/jydt/2026/{i // 1000:03d}/t20260{i % 9 + 1}12_{i:07d}.html"
        request = Request(url, callback=spider.parse_page, errback=spider.on_error,
                          meta={"source": "county-bureau", "role": "article", "hops": 2, "anchor": "县教育局召开集团化办学推进会",
                                "query": None, "was": None, "start": False, "lastmod": None,
                                "handle_httpstatus_list": [304], "depth": 2})
        pipe.zadd("q", {serialize.dumps(request.to_dict(spider=spider)): 0})
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    queued = client.info("memory")["used_memory"]
    for i in range(n):
        pipe.sadd("seen", hashlib.sha1(str(i).encode()).hexdigest())
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    seen = client.info("memory")["used_memory"]
    client.flushdb()
    return (queued - base) / n, (seen - queued) / n


def stored_counts(db: Path, base: str, pages: int) -> tuple[int, int]:
    from edualliance.pipeline.store import Store

    with Store(db, read_only=True) as store:
        urls = dict(store.conn.execute("SELECT url, count(*) FROM pages GROUP BY url").fetchall())
    articles = {f"{base}/gen/a/{i}.html" for i in range(pages)}
    lost = len(articles - set(urls))
    duplicated = sum(n - 1 for n in urls.values())
    return lost, duplicated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per response, fetch-bound case")
    args = parser.parse_args()
    from edualliance.corpus.fixtureweb.server import FixtureServer

    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as name, RedisServer() as redis_server, \
            FixtureServer(generated=args.pages) as server:
        tmp = Path(name)
        (tmp / "sources.toml").write_text(SOURCES.format(max_pages=args.pages * 2 + 200), encoding="utf-8")
        print(f"site: {args.pages} generated article pages at {server.base_url}; redis-server on {redis_server.url}")
        results = {}
        for case, delay, concurrency in (("cpu-bound", 0.0, 16), ("fetch-bound", args.delay, FETCH_CONCURRENCY)):
            server.delay = delay
            one = crawl(tmp, redis_server.url, server, 1, concurrency)
            two = crawl(tmp, redis_server.url, server, 2, concurrency)
            results[case] = (one, two)
            print(f"{case}: 1 node {one['rate']:.1f} pages/s ({one['pages']} pages, start-up {one['startup']:.1f} s),"
                  f" 2 nodes {two['rate']:.1f} pages/s ({two['pages']} pages, start-up {two['startup']:.1f} s):"
                  f" ratio {two['rate'] / one['rate']:.2f}" + (f" (server delay {delay} s, {concurrency} requests"
                                                              " at a time per node)" if delay else ""))
        # the writer: a fresh 2-node crawl (its files and stream alone), then `process` stores it
        db = tmp / "writer.duckdb"
        shutil.rmtree(tmp / "captures")
        two = crawl(tmp, redis_server.url, server, 2, FETCH_CONCURRENCY)
        warc_bytes = sum(p.stat().st_size for p in (tmp / "captures").glob("*.warc.gz"))
        seconds = run_writer(tmp, redis_server.url, db)
        print(f"writer: {two['pages']} pages stored in {seconds:.1f} s: {two['pages'] / seconds:.1f} pages/s"
              " (one process and its cleaning workers, this machine's cores)")
        print(f"warc: {warc_bytes / max(1, two['pages']):.0f} bytes per page (gzipped; article and list pages)"
              f" = {warc_bytes / 2**20:.1f} MiB for {two['pages']} pages; database {db.stat().st_size / 2**20:.1f} MiB")
        per_request, per_seen = redis_memory(redis_server.url)
        print(f"redis: {per_request:.0f} bytes per queued request, {per_seen:.0f} bytes per seen URL")

        # kill -9 node n0 mid-crawl, restart it under its name, run the writer: lost / duplicated
        redis.Redis.from_url(redis_server.url).flushdb()
        shutil.rmtree(tmp / "captures")
        server.delay = args.delay
        procs = [start_node(tmp, redis_server.url, server.base_url, f"n{i}", FETCH_CONCURRENCY) for i in range(2)]
        before = article_count(server)
        while article_count(server) - before < args.pages // 3 and procs[0].poll() is None:
            time.sleep(0.02)
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        procs[0] = start_node(tmp, redis_server.url, server.base_url, "n0", FETCH_CONCURRENCY)
        for proc in procs:
            proc.wait()
        db = tmp / "killed.duckdb"
        run_writer(tmp, redis_server.url, db)
        lost, duplicated = stored_counts(db, server.base_url, args.pages)
        print(f"lost={lost} duplicated={duplicated}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
