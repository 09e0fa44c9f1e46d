"""Kill the crawl with SIGKILL mid-run, start it again: no duplicate, no missing article."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from edualliance.corpus.fixtureweb.content import expected_articles
from edualliance.corpus.fixtureweb.server import FixtureServer
from edualliance.crawler.registry import demo_registry_path
from edualliance.pipeline.captures import captures_path, read_capture
from edualliance.pipeline.records import sha256_hex
from edualliance.pipeline.store import Store

EXPECTED = expected_articles()


def crawl_command(db: Path, base: str, log: Path) -> list[str]:
    return [
        sys.executable, "-m", "edualliance.pipeline.cli", "--db", str(db), "crawl",
        "--sources", str(demo_registry_path()), "--base", base, "--classifier", "keywords",
        "--log", str(log),
        "--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "DOWNLOAD_TIMEOUT=5",
        "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    ]


def test_sigkill_mid_crawl_then_resume(tmp_path: Path):
    db = tmp_path / "corpus.duckdb"
    log = tmp_path / "crawler.log"
    article_paths = {e["path"] for e in EXPECTED}
    with FixtureServer(delay=0.1) as server:
        proc = subprocess.Popen(crawl_command(db, server.base_url, log), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            served = [r for r in server.requests() if r.path in article_paths and r.status == 200]
            if len(served) >= 10:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed: " + proc.stdout.read().decode()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        killed_at = len(server.requests())

        with Store(db) as store:  # the killed writer left the database openable
            interrupted = store.conn.execute("SELECT status FROM runs ORDER BY run_id").fetchall()
        assert interrupted == [("running",)]

        server.delay = 0
        done = subprocess.run(crawl_command(db, server.base_url, log), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(server.requests()) > killed_at

    with Store(db) as store:
        rows = store.conn.execute("SELECT url, count(*) FROM articles GROUP BY url").fetchall()
        stored = {url.removeprefix(server.base_url): n for url, n in rows}
        relevant = {e["path"] for e in EXPECTED if e["label"] != "none"}
        assert set(stored) == relevant, "no missing and no extra article"
        assert set(stored.values()) == {1}, "no duplicate"
        pages = store.conn.execute(
            "SELECT page_key, count(*) FROM pages WHERE NOT is_listing GROUP BY page_key HAVING count(*) > 1"
        ).fetchall()
        assert pages == []
        for e in EXPECTED:
            state = store.crawl_state_of(server.base_url + e["path"])
            assert state is not None and state[0] == ("off_topic" if e["label"] == "none" else "stored")
        assert store.inbox_count() == 0
        statuses = [s for (s,) in store.conn.execute("SELECT status FROM runs ORDER BY run_id").fetchall()]
        assert statuses == ["failed", "finished"]  # the killed run is marked failed by the next one
        # the database keeps where each capture lives, not its bytes; each pointer reads back the page
        captures = store.conn.execute(
            "SELECT body IS NULL, warc_file, warc_offset, warc_length, content_hash FROM pages").fetchall()
    assert captures and all(no_bytes and name for no_bytes, name, *_ in captures)
    folder = captures_path(db)
    for _, name, offset, length, content_hash in captures:
        assert sha256_hex(read_capture(folder, name, offset, length)) == content_hash
    # the torn record the kill may have left was cut off: every file reads to its end as whole records
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            kinds = [record.rec_type for record in ArchiveIterator(handle)]
        assert kinds and len(kinds) % 3 == 0 and set(kinds) == {"request", "response", "metadata"}, path
