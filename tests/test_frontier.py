"""Crawling on several machines: two nodes and a writer on a real Redis (tests/support/redis_server.py)."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict
from warcio.archiveiterator import ArchiveIterator

from edualliance.corpus.fixtureweb.content import expected_articles
from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler.frontier import serialize
from edualliance.crawler.frontier.redis_state import Frontier
from edualliance.crawler.warc import CaptureWriter, repair
from edualliance.crawler.registry import demo_registry_path
from edualliance.pipeline.captures import read_body
from edualliance.pipeline.store import Store

from support.redis_server import RedisServer

EXPECTED = expected_articles()
CLI = [sys.executable, "-m", "edualliance.pipeline.cli"]
FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "DOWNLOAD_TIMEOUT=5", "--set", "AUTOTHROTTLE_ENABLED=false"]


@pytest.fixture
def frontier_redis():
    with RedisServer() as server:
        yield server


def node(tmp: Path, url: str, base: str, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "crawl", "--sources", str(demo_registry_path()), "--base", base, "--frontier", url,
         "--captures", str(tmp / "captures"), "--node", name, "--log", str(tmp / f"{name}.log"), *FAST],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def writer(tmp: Path, url: str, db: Path, *extra: str) -> list[str]:
    return [*CLI, "--db", str(db), "process", "--frontier", url, "--captures", str(tmp / "captures"),
            "--classifier", "keywords", *extra]


def finish(proc: subprocess.Popen, timeout: float = 300) -> None:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out.decode(errors="replace")


def stored(db: Path, base: str) -> tuple[set, set, Counter]:
    """(articles: url, title, text hash, labels), (pages: url, is_listing), articles per URL."""
    with Store(db, read_only=True) as store:
        articles = store.conn.execute(
            "SELECT a.url, a.title, a.content_hash, (SELECT string_agg(label, ',' ORDER BY label)"
            " FROM current_classifications c WHERE c.article_id = a.article_id AND c.assigned) FROM articles a"
        ).fetchall()
        pages = store.conn.execute("SELECT url, is_listing FROM pages").fetchall()
    counts = Counter(url.removeprefix(base) for url, *_ in articles)

    def strip(rows):
        return {(row[0].removeprefix(base), *row[1:]) for row in rows}

    return strip(articles), strip(pages), counts


def test_two_nodes_and_a_writer_store_what_one_machine_stores(tmp_path: Path, frontier_redis):
    with FixtureServer() as server:
        single = subprocess.run([*CLI, "--db", str(tmp_path / "single.duckdb"), "crawl", "--sources",
                                 str(demo_registry_path()), "--base", server.base_url, "--classifier", "keywords",
                                 *FAST], capture_output=True, text=True, timeout=300)
        assert single.returncode == 0, single.stdout + single.stderr
        base_single = server.base_url
        robots_single = Counter(r.path for r in server.requests())["/robots.txt"]
    with FixtureServer() as server:
        nodes = [node(tmp_path, frontier_redis.url, server.base_url, name) for name in ("a", "b")]
        for proc in nodes:
            finish(proc)
        done = subprocess.run(writer(tmp_path, frontier_redis.url, tmp_path / "cluster.duckdb"),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        fetched = Counter(r.path for r in server.requests())
        base_cluster = server.base_url
    twice = {path: n for path, n in fetched.items() if n > 1 and path != "/robots.txt"}
    assert twice == {}, "no URL fetched twice by the cluster"
    # the robots.txt rules: each node reads them once for itself (RobotsTxtMiddleware), as one machine does
    assert fetched["/robots.txt"] <= robots_single + 1
    one = stored(tmp_path / "single.duckdb", base_single)
    two = stored(tmp_path / "cluster.duckdb", base_cluster)
    assert two[0] == one[0] and len(one[0]) > 20, "the same articles"
    # the same article pages; listing pages reached only at max_depth depend on the order pages are
    # taken from the queue (Scrapy's in-memory queue is last-in-first-out, Redis' sorted set is not)
    assert {p for p in two[1] if not p[1]} == {p for p in one[1] if not p[1]}, "the same pages"
    assert set(two[2].values()) == {1}

    # the cluster's database keeps where each capture lives, not its bytes; reprocess reads the WARC files
    cluster_db = tmp_path / "cluster.duckdb"
    with Store(cluster_db, read_only=True) as store:
        kept = store.conn.execute("SELECT count(*) FILTER (WHERE body IS NOT NULL), count(warc_file), count(*),"
                                  " any_value(page_id) FILTER (WHERE NOT is_listing) FROM pages").fetchone()
        os.environ["EDUALLIANCE_CAPTURES"] = str(tmp_path / "captures")
        try:
            body = store.capture_body(kept[3])
        finally:
            del os.environ["EDUALLIANCE_CAPTURES"]
    assert kept[0] == 0 and kept[1] == kept[2]
    assert body is not None and b"<html" in body[0].lower()
    again = subprocess.run([*CLI, "--db", str(cluster_db), "reprocess", "--classifier", "keywords"],
                           capture_output=True, text=True, timeout=300,
                           env={**os.environ, "EDUALLIANCE_CAPTURES": str(tmp_path / "captures")})
    assert again.returncode == 0, again.stdout + again.stderr
    assert " 0 errors" in again.stdout and f"{len(one[0])} unchanged articles" in again.stdout, again.stdout


def test_warc_files_hold_request_response_and_metadata(tmp_path: Path):
    writer_ = CaptureWriter(tmp_path, "n1", roll_bytes=1)  # a new file for every capture
    pointers = []
    for n, body in enumerate([b"<html>\xe6\x95\x99\xe8\x82\xb2</html>", b"%PDF-1.4 binary \x00\xff"]):
        pointers.append(writer_.write(url=f"http://127.0.0.1:1/p{n}.html?x=1", status=200,
                                      response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                      request_headers=[("User-Agent", "t")], method="GET", body=body,
                                      metadata={"source": "s", "role": "article"}))
    writer_.close()
    assert len({name for name, _, _ in pointers}) == 2
    for (name, offset, length), body in zip(pointers, [b"<html>\xe6\x95\x99\xe8\x82\xb2</html>",
                                                       b"%PDF-1.4 binary \x00\xff"]):
        with open(tmp_path / name, "rb") as handle:
            kinds = [(r.rec_type, r.content_stream().read()) for r in ArchiveIterator(handle)]
        assert [k for k, _ in kinds] == ["request", "response", "metadata"]
        assert kinds[1][1] == body  # Content-Encoding dropped: Scrapy had already decoded the body
        assert read_body(tmp_path / name, offset, length) == body


def test_a_torn_last_record_is_cut_off(tmp_path: Path):
    writer_ = CaptureWriter(tmp_path, "n1")
    bodies = [os.urandom(70_000) for _ in range(40)]  # incompressible: the file spans several read chunks
    pointers = [writer_.write(url=f"http://h/{n}", status=200, response_headers=[], request_headers=[],
                              method="GET", body=body, metadata={}) for n, body in enumerate(bodies)]
    writer_.close()
    path = next(tmp_path.glob("n1-*.warc.gz"))
    whole = path.stat().st_size
    assert whole > 2**21
    with open(path, "ab") as handle:  # part of another capture, as a node killed mid-write leaves it
        handle.write(path.read_bytes()[: 100_000])
    assert repair(tmp_path, "n1") > 0
    assert whole <= path.stat().st_size < whole + 100_000
    assert repair(tmp_path, "n1") == 0, "only whole records are left"
    for (name, offset, length), body in zip(pointers, bodies):  # every capture sent is still there
        assert read_body(tmp_path / name, offset, length) == body
    with open(path, "rb") as handle:
        records = [(r.rec_type, len(r.content_stream().read())) for r in ArchiveIterator(handle)]
    assert records[:6] == [("request", 0), ("response", 70_000), ("metadata", 2)] * 2
    assert len(records) % 3 == 0, "the capture cut short is gone whole"


def test_a_capture_cut_short_at_a_record_boundary_is_cut_off(tmp_path: Path):
    # A kill can stop the writes between two records of a capture: every record left is whole,
    # but the capture is not, and nothing points at it yet.
    writer_ = CaptureWriter(tmp_path, "n1")
    pointers = [writer_.write(url=f"http://h/{n}", status=200, response_headers=[], request_headers=[],
                              method="GET", body=f"第{n}页".encode(), metadata={"n": n}) for n in range(3)]
    writer_.close()
    path = next(tmp_path.glob("n1-*.warc.gz"))
    whole = path.read_bytes()
    _, response_at, response_length = pointers[0]
    for unfinished in (whole[:response_at], whole[:response_at + response_length]):  # request; request + response
        path.write_bytes(whole + unfinished)
        assert repair(tmp_path, "n1") == len(unfinished)
        assert path.read_bytes() == whole
    assert repair(tmp_path, "n1") == 0


class _Spider(Spider):
    name = "s"

    def parse_page(self, response):
        pass


def test_requests_travel_as_json_never_pickle():
    spider = _Spider()
    request = Request("http://h/a?b=1", callback=spider.parse_page, headers={"If-None-Match": '"x"'},
                      meta={"source": "s", "role": "listing", "lastmod": None, "handle_httpstatus_list": [304]},
                      priority=10, dont_filter=True)
    data = serialize.dumps(request.to_dict(spider=spider))
    again = request_from_dict(serialize.loads(data), spider=spider)
    assert (again.url, again.meta, again.priority, again.dont_filter, again.callback) == \
        (request.url, request.meta, request.priority, request.dont_filter, spider.parse_page)
    assert again.headers.get("If-None-Match") == b'"x"'
    with pytest.raises(ValueError):  # a pickle in the queue is refused, never loaded
        serialize.loads(pickle.dumps({"url": "http://h/"}))


def test_a_dead_nodes_lease_goes_back_to_the_queue(frontier_redis):
    client = redis.Redis.from_url(frontier_redis.url)
    one, two = Frontier(client, "one"), Frontier(client, "two")
    one.join()
    two.join()
    client.zadd(one.key("requests"), {b'{"url":"http://h/1"}': 0, b'{"url":"http://h/2"}': 0})
    taken = one.pop()
    assert taken is not None and one.queued() == 1 and one.own_leases() == 1
    assert two.reclaim() == 1, "a live node's lease is waited for"
    client.delete(one.key("alive:one"))  # its heartbeat expired: killed
    assert two.reclaim() == 0
    assert two.queued() == 2 and one.own_leases() == 0
    again = Frontier(client, "one")
    again.join()
    took = again.pop()
    again.join()  # restarted under the same name: its leases go back at once
    assert took is not None and again.queued() == 2


def test_an_idle_nodes_unfinished_lease_is_queued_again_once(frontier_redis):
    """A lease a live node still holds when idle was never finished (the reply to its pop lost
    with a dropped connection, or a failed callback): queued again the first time, dropped the
    second, so a request whose callback always fails is not fetched forever."""
    client = redis.Redis.from_url(frontier_redis.url)
    node = Frontier(client, "one")
    node.join()
    client.zadd(node.key("requests"), {b'{"url":"http://h/lost"}': -3})
    lost = node.pop()
    assert lost is not None and node.queued() == 0 and node.own_leases() == 1
    assert node.requeue_own_leases() == (1, 0)
    assert node.own_leases() == 0
    assert client.zrange(node.key("requests"), 0, -1, withscores=True) == [(b'{"url":"http://h/lost"}', -3.0)]
    again = node.pop()  # fetched again, and left unfinished again: dropped
    assert again.data == lost.data and again.id != lost.id
    assert node.requeue_own_leases() == (0, 1)
    assert node.queued() == 0 and node.own_leases() == 0
    assert node.leave(), "the last node out ends the round"
    assert not client.exists(node.key("requeued")), "the next round starts with no request marked"
    node.join()
    client.zadd(node.key("requests"), {b'{"url":"http://h/lost"}': -3})
    node.pop()
    assert node.requeue_own_leases() == (1, 0), "a new round queues it again once"


def test_enqueue_marks_seen_queues_and_releases_in_one_step(frontier_redis):
    """The duplicate filter's mark and the queue entry go together (a node killed between two
    separate calls left a URL seen but never queued: an article lost in the kill test below)."""
    client = redis.Redis.from_url(frontier_redis.url)
    node = Frontier(client, "one")
    node.join()
    assert node.enqueue(b'{"url":"http://h/a"}', 0, "fp-a", None)
    assert not node.enqueue(b'{"url":"http://h/a"}', 0, "fp-a", None), "a duplicate is not queued"
    assert node.queued() == 1 and client.sismember(node.key("seen"), "fp-a")
    taken = node.pop()
    # a retry of the leased request: queued unfiltered, the lease it replaces released with it
    assert node.enqueue(b'{"url":"http://h/a","retry":1}', 0, None, taken.id)
    assert node.own_leases() == 0 and node.queued() == 1
    # a redirect to a URL seen already: not queued, and the lease is released all the same
    second = node.pop()
    assert not node.enqueue(b'{"url":"http://h/a"}', 0, "fp-a", second.id)
    assert node.own_leases() == 0 and node.queued() == 0
    script = client.script_exists(node._enqueue.sha)
    assert script == [True], "one Lua script, not a SADD and a ZADD from the client"


def test_a_host_gets_one_request_per_delay_from_the_whole_cluster(frontier_redis):
    client = redis.Redis.from_url(frontier_redis.url)
    nodes = [Frontier(client, "a"), Frontier(client, "b")]
    waits = [nodes[n % 2].turn("edu.example.cn", 2.0) for n in range(6)]
    # the turns are handed out 2 s apart, whichever node asks (Redis' clock, a few ms pass)
    for n, wait in enumerate(waits):
        assert n * 2.0 - 0.5 <= wait <= n * 2.0
    assert nodes[0].turn("other.example.cn", 2.0) == 0


def test_killed_node_and_writer_then_rerun_store_every_page_once(tmp_path: Path, frontier_redis):
    db = tmp_path / "cluster.duckdb"
    article_paths = {e["path"] for e in EXPECTED}
    with FixtureServer(delay=0.1) as server:
        nodes = {name: node(tmp_path, frontier_redis.url, server.base_url, name) for name in ("a", "b")}
        follow = subprocess.Popen(writer(tmp_path, frontier_redis.url, db, "--follow"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len([r for r in server.requests() if r.path in article_paths]) >= 12:
                break
            time.sleep(0.05)
        for proc in (nodes["a"], follow):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        assert nodes["b"].poll() is None, "the crawl ended before it could be killed"
        server.delay = 0
        nodes["a"] = node(tmp_path, frontier_redis.url, server.base_url, "a")  # restarted under its name
        for proc in nodes.values():
            finish(proc)
        done = subprocess.run(writer(tmp_path, frontier_redis.url, db), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        base = server.base_url
    with Store(db, read_only=True) as store:
        rows = store.conn.execute("SELECT url, count(*) FROM articles GROUP BY url").fetchall()
        twice = store.conn.execute(
            "SELECT url FROM pages GROUP BY url HAVING count(*) > 1").fetchall()
        left = store.inbox_count()
    counts = {url.removeprefix(base): n for url, n in rows}
    relevant = {e["path"] for e in EXPECTED if e["label"] != "none"}
    assert set(counts) == relevant, "nothing lost"
    assert set(counts.values()) == {1} and twice == [], "nothing twice"
    assert left == 0


def test_client_connections_dropped_mid_crawl_lose_nothing(tmp_path: Path, frontier_redis):
    """Redis drops every node's and the writer's connection once a second mid-crawl (CLIENT
    KILL): the nodes and the writer carry on, and every article is stored once."""
    import threading

    db = tmp_path / "cluster.duckdb"
    article_paths = {e["path"] for e in EXPECTED}
    admin = redis.Redis.from_url(frontier_redis.url)
    kills: list[int] = []
    with FixtureServer(delay=0.05) as server:
        nodes = [node(tmp_path, frontier_redis.url, server.base_url, name) for name in ("a", "b")]
        follow = subprocess.Popen(writer(tmp_path, frontier_redis.url, db, "--follow"),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        stop = threading.Event()

        def drop_connections() -> None:
            while not stop.wait(1.0):
                if len([r for r in server.requests() if r.path in article_paths]) >= 5:
                    kills.append(admin.client_kill_filter(_type="normal", skipme=True))

        thread = threading.Thread(target=drop_connections, daemon=True)
        thread.start()
        try:
            for proc in nodes:
                finish(proc)
        finally:
            stop.set()
            thread.join()
        time.sleep(3)  # the writer stores what the nodes sent last
        assert follow.poll() is None, "the writer carried on: " + follow.communicate()[0].decode(errors="replace")
        follow.terminate()
        follow.wait(timeout=60)
        done = subprocess.run(writer(tmp_path, frontier_redis.url, db), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        base = server.base_url
    assert len(kills) >= 3 and sum(kills) >= 6, f"connections were dropped mid-crawl ({kills})"
    with Store(db, read_only=True) as store:
        rows = store.conn.execute("SELECT url, count(*) FROM articles GROUP BY url").fetchall()
        twice = store.conn.execute("SELECT url FROM pages GROUP BY url HAVING count(*) > 1").fetchall()
        left = store.inbox_count()
    counts = {url.removeprefix(base): n for url, n in rows}
    assert set(counts) == {e["path"] for e in EXPECTED if e["label"] != "none"}, "nothing lost"
    assert set(counts.values()) == {1} and twice == [] and left == 0, "nothing twice"
