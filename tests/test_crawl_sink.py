"""The storing side of a crawl: it holds no model, and what it holds of pages is bounded in bytes."""

from __future__ import annotations

import json
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
        limits: list[int] = []
        original_take = store.inbox_take

        def take(limit, after=0):
            limits.append(limit)
            return original_take(limit, after=after)

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
    assert max(limits) <= 400_000 // smallest + 1  # read ahead by bytes, not 500 rows


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

    def take(self, limit, after=0):
        seen.append(self.conn.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')").fetchone())
        return original_take(self, limit, after=after)

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


def test_the_workers_fork_server_preloads_cleaning_and_keeps_pandas_out():
    """What the fork server imports before forking: the cleaning stage (shared by the workers), and
    no pandas or pyarrow, which scikit-learn would otherwise load in every worker for nothing."""
    script = textwrap.dedent(
        """
        import json, sys
        import edualliance.crawler.sink.preload
        import edualliance.crawler.sink.shared_model
        from edualliance.models.loader import load_classifier
        verdict = load_classifier("model").classify([("教联体", "城乡学校共同体结对帮扶。")])[0]
        try:
            import pandas
            pandas_importable = True
        except ImportError:
            pandas_importable = False
        print(json.dumps({"trafilatura": "trafilatura" in sys.modules, "pandas": pandas_importable,
                          "labels": list(verdict.labels)}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["trafilatura"] is True
    assert result["pandas"] is False
    from edualliance.models.loader import load_classifier

    expected = load_classifier("model").classify([("教联体", "城乡学校共同体结对帮扶。")])[0]
    assert result["labels"] == list(expected.labels)
