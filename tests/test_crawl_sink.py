"""The storing side of a crawl: it holds no model, and what it holds of pages is bounded in bytes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import pytest

from edualliance.corpus.fixtureweb.build import site_root
from edualliance.corpus.fixtureweb.content import expected_articles
from edualliance.corpus.fixtureweb.generated import generated_article
from edualliance.crawler import run as crawl_run
from edualliance.crawler.sink import crawl_sink, pool
from edualliance.pipeline.store import Store


def _inbox_rows(bodies: list[tuple[str, bytes]]) -> list[list]:
    now = datetime(2024, 3, 1, 8, 0)
    return [["fixture", "article", url, None, 200, "text/html; charset=utf-8", None, None, None, None, now, body, None]
            for url, body in bodies]


WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from edualliance.crawler.sink.crawl_sink import CrawlSink
    from edualliance.pipeline.store import Store

    with Store(Path(sys.argv[1])) as store:
        sink = CrawlSink(store, "model", store.start_run("crawl"), {}, workers=2)
        try:
            stored = sink.process_all()
        finally:
            sink.close()
        versions = sorted(v for (v,) in store.conn.execute("SELECT DISTINCT model_version FROM classifications").fetchall())
    heavy = [m for m in ("sklearn", "scipy", "skops", "jieba", "edualliance.models.artifact",
                                   "edualliance.models.classifier") if m in sys.modules]
    print(json.dumps({"stored": stored, "versions": versions, "heavy": heavy}))
    """
)


def test_the_storing_process_loads_no_model_when_workers_classify(tmp_path: Path):
    """Given the kind, the workers (their fork server) load the shipped model and classify; the
    storing process imports none of the model's libraries, yet every label is the model's."""
    from edualliance.models.loader import load_classifier

    model = load_classifier("model")
    pages = [a["path"] for a in expected_articles() if a["kind"] == "page" and a["site"] in ("jynews", "gmw")][:8]
    assert len(pages) == 8
    db = tmp_path / "c.duckdb"
    with Store(db) as store, store.transaction():
        store.inbox_add(_inbox_rows([(f"http://127.0.0.1{path}", (site_root() / path.lstrip("/")).read_bytes())
                                     for path in pages]))
    out = subprocess.run([sys.executable, "-c", WRITER, str(db)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["stored"] == len(pages)
    assert result["heavy"] == []
    assert result["versions"] == [model.version]


def test_the_kind_is_resolved_where_the_model_loader_would_look():
    from edualliance.models.artifact import ARTIFACT_NAME, artifacts_dir

    assert pool.shipped_artifact() == artifacts_dir() / ARTIFACT_NAME
    assert pool.resolve_kind("keywords") == "keywords"
    assert pool.resolve_kind("auto") == ("model" if pool.shipped_artifact().exists() else "keywords")
    with pytest.raises(ValueError, match="unknown classifier kind"):
        pool.resolve_kind("bayes")


def test_batches_read_ahead_and_pages_in_flight_are_bounded_in_bytes(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(crawl_sink, "BATCH_BYTES", 150_000)
    monkeypatch.setattr(crawl_sink, "TAKE_BYTES", 400_000)
    monkeypatch.setattr(pool, "INFLIGHT_BYTES", 200_000)
    bodies = [(f"http://127.0.0.1/gen/a/{i}.html", generated_article(i, 30).encode()) for i in range(30)]
    smallest = min(len(b) for _, b in bodies)
    assert smallest > 40_000  # so that the bounds below bite: a count of 50 would take everything
    submitted: list[tuple[int, int, int]] = []  # (rows, their bytes, bytes in flight before)
    original_submit = pool.CleaningPool.submit

    def submit(self, rows):
        submitted.append((len(rows), sum(len(r[12]) for r in rows), self.bytes))
        original_submit(self, rows)

    monkeypatch.setattr(pool.CleaningPool, "submit", submit)
    with Store(tmp_path / "c.duckdb") as store:
        with store.transaction():
            store.inbox_add(_inbox_rows(bodies))
        taken: list[tuple[int, int]] = []  # (rows, their bytes) of each read of the inbox
        original_take = store.inbox_take

        def take(limit, after=0, max_bytes=None):
            rows = original_take(limit, after=after, max_bytes=max_bytes)
            taken.append((len(rows), sum(len(r[12]) for r in rows)))
            return rows

        store.inbox_take = take
        sink = crawl_sink.CrawlSink(store, "keywords", store.start_run("crawl"), {}, workers=2)
        try:
            assert sink.process_all() == 30
        finally:
            sink.close()
        assert store.inbox_count() == 0
    assert sum(rows for rows, _, _ in submitted) == 30
    assert all(size <= 150_000 or rows == 1 for rows, size, _ in submitted)
    assert max(rows for rows, _, _ in submitted) < 50
    assert all(before < 200_000 for _, _, before in submitted)  # handed out only while not full
    assert all(size <= 400_000 or rows == 1 for rows, size in taken)  # read ahead by bytes, not 500 rows
    assert max(rows for rows, _ in taken) <= 400_000 // smallest


def test_the_crawl_message_queue_holds_a_bounded_number_of_page_bytes():
    queue = crawl_run._MessageQueue(100)
    queue.put(({"type": "page"}, b"x" * 60))
    second = threading.Thread(target=queue.put, args=(({"type": "page"}, b"y" * 60),), daemon=True)
    second.start()
    second.join(0.3)
    assert second.is_alive()  # 120 bytes would not fit: the reader waits (and so does the crawl)
    assert queue.get(timeout=1)[1] == b"x" * 60
    second.join(5)
    assert not second.is_alive()
    assert queue.get(timeout=1)[1] == b"y" * 60
    queue.put(({"type": "page"}, b"z" * 500))  # larger than the bound: passes alone
    third = threading.Thread(target=queue.put, args=(({"type": "page"}, b"w"),), daemon=True)
    third.start()
    third.join(0.3)
    assert third.is_alive()
    queue.close()  # nobody reads any more: the waiting reader is released
    third.join(5)
    assert not third.is_alive()


def test_a_crawl_caps_duckdb_memory_while_it_writes_and_restores_it(tmp_path: Path, monkeypatch):
    """The storing process's buffer pool is capped during the crawl (reads of page bytes still
    work under the cap), DuckDB's defaults come back afterwards, and a bad size names its source."""
    seen: list[tuple[str, int]] = []
    original_take = Store.inbox_take

    def take(self, limit, after=0, max_bytes=None):
        seen.append(self.conn.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')").fetchone())
        return original_take(self, limit, after=after, max_bytes=max_bytes)

    monkeypatch.setattr(Store, "inbox_take", take)
    bodies = [(f"http://127.0.0.1/gen/a/{i}.html", generated_article(i, 30).encode()) for i in range(6)]
    with Store(tmp_path / "c.duckdb") as store:
        default = store.conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        with store.transaction():
            store.inbox_add(_inbox_rows(bodies))
        with store.memory_budget(crawl_run.CRAWL_DB_MEMORY, crawl_run.CRAWL_DB_THREADS):
            sink = crawl_sink.CrawlSink(store, "keywords", store.start_run("crawl"), {}, workers=0)
            assert sink.process_all() == 6
        assert seen and all(limit.endswith("MiB") and float(limit.split()[0]) < 200 and threads == 1
                            for limit, threads in seen)
        assert store.conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] == default
        monkeypatch.setenv(crawl_run.CRAWL_DB_MEMORY_ENV, "lots")
        with pytest.raises(ValueError, match=crawl_run.CRAWL_DB_MEMORY_ENV):
            crawl_run.run_crawl(store, [], "keywords")


def test_the_workers_fork_server_preloads_cleaning_and_keeps_model_libraries_out():
    """What the fork server loads before forking: the cleaning stage and jieba's dictionary and
    tagger (shared by the workers), and the model in its prediction-only form: no scikit-learn,
    scipy or skops (nor pandas and pyarrow, which scikit-learn would load) in the workers, and the
    same verdicts as the model loaded from its artifact."""
    script = textwrap.dedent(
        """
        import json, sys
        import edualliance.crawler.sink.preload
        import edualliance.crawler.sink.shared_model
        import jieba
        from edualliance.crawler.sink.pool import worker_classifier
        from edualliance.models.text import _segmenter
        verdict = worker_classifier("model").classify([("教联体", "城乡学校共同体结对帮扶。")])[0]
        try:
            import pandas
            pandas_importable = True
        except ImportError:
            pandas_importable = False
        loaded = {name.split(".")[0] for name, module in sys.modules.items() if module is not None}
        heavy = sorted(loaded & {"sklearn", "scipy", "skops", "pyarrow"})
        print(json.dumps({"trafilatura": "trafilatura" in sys.modules, "pandas": pandas_importable,
                          "heavy": heavy, "tagger": jieba.dt.initialized,
                          "shared_words": _segmenter().FREQ["教育"] is jieba.dt.FREQ["教育"],
                          "verdict": [list(verdict.labels), verdict.scores, verdict.model_version]}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["trafilatura"] is True and result["tagger"] is True and result["shared_words"] is True
    assert result["pandas"] is False
    assert result["heavy"] == []
    from edualliance.models.loader import load_classifier

    expected = load_classifier("model").classify([("教联体", "城乡学校共同体结对帮扶。")])[0]
    assert result["verdict"] == [list(expected.labels), expected.scores, expected.model_version]


def test_a_large_inbox_is_read_in_bounded_memory(tmp_path: Path):
    """DuckDB holds a whole vector (2,048 rows) of long values at once and cannot spill it: with
    whole pages in one column, reading a few captures of a large inbox failed under a memory cap
    (the crawl's, at 1,500 pages). Pieces keep a read small, whatever the inbox holds."""
    rng = random.Random(0)
    pages = [(f"http://127.0.0.1/gen/a/{i}.html", rng.randbytes(150_000)) for i in range(300)]
    with Store(tmp_path / "c.duckdb") as store:
        with store.transaction():
            store.inbox_add(_inbox_rows(pages))
        with store.memory_budget("24MB", 1):
            taken, after = [], 0
            while rows := store.inbox_take(500, after=after, max_bytes=1_000_000):
                assert len(rows) == 6  # 1 MB of 150 kB pages: six (a read is bounded in bytes)
                taken.extend(rows)
                after = rows[-1][0]
            store.inbox_delete([row[0] for row in taken[:100]])
            assert len(store.inbox_take(500, max_bytes=2_000_000)) == 13
        assert [(row[3], row[12]) for row in taken] == pages  # in arrival order, bytes as received
        assert store.inbox_count() == 200
        assert store.conn.execute("SELECT count(DISTINCT capture_id) FROM crawl_inbox_parts").fetchone()[0] == 200


def test_captures_left_by_an_older_version_are_read_after_the_upgrade(tmp_path: Path, monkeypatch):
    from edualliance.pipeline.store import schema

    shipped = schema.migrations()
    monkeypatch.setattr(schema, "migrations", lambda folder=None: [m for m in shipped if m[0] < 15])
    with Store(tmp_path / "c.duckdb") as store:
        store.conn.execute(
            "INSERT INTO crawl_inbox (source, role, url, status, fetched_at, body) VALUES"
            " ('fixture', 'article', 'http://127.0.0.1/old.html', 200, TIMESTAMP '2024-03-01 08:00', ?)",
            [b"<html>\xbd\xcc\xc1\xaa\xcc\xe5</html>"])
    monkeypatch.setattr(schema, "migrations", lambda folder=None: shipped)
    with Store(tmp_path / "c.duckdb") as store:
        (row,) = store.inbox_take(10, max_bytes=1)
        assert row[3] == "http://127.0.0.1/old.html" and row[12] == b"<html>\xbd\xcc\xc1\xaa\xcc\xe5</html>"
        store.inbox_add(_inbox_rows([("http://127.0.0.1/new.html", b"")]))  # an empty body is a capture too
        assert [(r[3], r[12]) for r in store.inbox_take(10)] == [
            ("http://127.0.0.1/old.html", b"<html>\xbd\xcc\xc1\xaa\xcc\xe5</html>"), ("http://127.0.0.1/new.html", b"")]


def test_captures_travel_as_warc_pointers_and_an_unreadable_one_is_an_error(tmp_path: Path):
    """The inbox keeps where a capture lives, not its bytes; a pointer that reads nothing is an
    error for its URL, and leaves the inbox (a rerun would not read it either)."""
    from edualliance.crawler.warc import CaptureWriter

    db = tmp_path / "c.duckdb"
    page = (site_root() / "jynews" / "index.html").read_bytes()
    with Store(db) as store:
        folder = crawl_sink.captures_path(db)
        writer = CaptureWriter(folder, "crawl")
        good = writer.write(url="http://127.0.0.1/jynews/index.html", status=200, response_headers=[],
                            request_headers=[], method="GET", body=page, metadata={})
        writer.close()
        sink = crawl_sink.CrawlSink(store, "keywords", store.start_run("crawl"), {}, workers=1)
        for url, warc in (("http://127.0.0.1/jynews/index.html", good),
                          ("http://127.0.0.1/gone.html", ("crawl-gone.warc.gz", 0, 100)),
                          ("http://127.0.0.1/bad.html", ("../etc/passwd", 0, 100))):
            sink.receive({"type": "page", "source": "fixture", "role": "listing", "url": url, "final_url": url,
                          "status": 200, "fetched_at": "2024-03-01T08:00:00+00:00", "warc": warc,
                          "body_bytes": len(page)}, b"")
        sink.capture()
        assert store.conn.execute("SELECT count(*) FROM crawl_inbox_parts").fetchone()[0] == 0, "no bytes"
        assert sink.process_all() == 3
        assert store.inbox_count() == 0
        pages = store.conn.execute("SELECT url, body, warc_file, warc_offset, warc_length FROM pages").fetchall()
        errors = store.conn.execute("SELECT target, message FROM errors ORDER BY target").fetchall()
    assert pages == [("http://127.0.0.1/jynews/index.html", None, *good)]
    assert [target for target, _ in errors] == ["http://127.0.0.1/bad.html", "http://127.0.0.1/gone.html"]
    assert all("WARC capture unreadable" in message for _, message in errors)
