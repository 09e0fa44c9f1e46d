"""Schema migrations, idempotent storage and all-or-nothing batches."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline import ingest as ingest_module
from edualliance.pipeline.ingest import Counts, ingest_paths, process_batch
from edualliance.pipeline.records import RawPage
from edualliance.pipeline.store import Store, migrations


def test_migrations_are_recorded_once(db_path: Path):
    with Store(db_path) as store:
        assert store.schema_version() == migrations()[-1][0]
        assert store.migrate() == []  # nothing left to apply
    with Store(db_path) as store:  # reopening applies nothing twice
        rows = store.conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [v for v, _, _ in migrations()]



def test_migrations_with_gaps_apply_in_order_and_late_lower_numbers_too(db_path: Path, tmp_path: Path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE t1 (a INTEGER);", encoding="utf-8")
    (folder / "0004_fourth.sql").write_text("CREATE TABLE t4 (a INTEGER);", encoding="utf-8")
    (folder / "notes.txt").write_text("not a migration", encoding="utf-8")
    assert [(v, n) for v, n, _ in migrations(folder)] == [(1, "first"), (4, "fourth")]
    shipped = migrations()
    extra = [(shipped[-1][0] + 3, "after_a_gap", "CREATE TABLE gap_test (a INTEGER);")]
    with Store(db_path) as store:
        assert store.migrate(shipped + extra) == [extra[0][0]]
        assert store.schema_version() == extra[0][0]
        # Another branch's migration arrives later with a number inside the gap: applied too.
        late = (shipped[-1][0] + 1, "from_another_branch", "CREATE TABLE late_test (a INTEGER);")
        assert store.migrate(sorted(shipped + extra + [late])) == [late[0]]
        assert store.migrate(sorted(shipped + extra + [late])) == []
        assert {"gap_test", "late_test"} <= set(store.columns())
        assert store.schema_version() == extra[0][0]
    (folder / "0004_again.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(RuntimeError, match="share a number"):
        migrations(folder)

def _page(text: str, n: int) -> RawPage:
    return RawPage(body=text.encode("utf-8"), source="test", fetched_at=datetime.now(timezone.utc),
                   path=f"/tmp/page{n}.txt")


ARTICLE = "某区集团化办学经验\n{n}号集团校实行总校长负责制，集团内各校区管理共通、师资共享、课程共建，教学质量稳步提升。\n"


def test_a_crash_mid_batch_leaves_no_half_written_article(db_path: Path, monkeypatch):
    pages = [_page(ARTICLE.format(n=n), n) for n in range(3)]
    with Store(db_path) as store:
        original = store.save_classifications

        def killed(items):  # pages and articles are written by now; labels are not
            raise KeyboardInterrupt("killed mid-batch")

        monkeypatch.setattr(store, "save_classifications", killed)
        with pytest.raises(KeyboardInterrupt):
            process_batch(store, pages, KeywordClassifier(), None, Counts())
        for table in ("pages", "articles", "classifications"):
            assert store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table

        monkeypatch.setattr(store, "save_classifications", original)
        counts = Counts()
        process_batch(store, pages, KeywordClassifier(), None, counts)  # the rerun finishes the job
        assert counts.articles_new == 3
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
        assert store.conn.execute("SELECT count(*) FROM classifications").fetchone()[0] == 3 * 4


def test_batches_commit_independently(db_path: Path, tmp_path: Path, monkeypatch):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(5):
        (folder / f"p{n}.txt").write_text(ARTICLE.format(n=n), encoding="utf-8")
    monkeypatch.setattr(ingest_module, "BATCH_SIZE", 2)
    with Store(db_path) as store:
        original = ingest_module.process_batch
        seen = {"batches": 0}

        def die_on_third_batch(*args, **kwargs):
            seen["batches"] += 1
            if seen["batches"] == 3:
                raise RuntimeError("crash")
            return original(*args, **kwargs)

        monkeypatch.setattr(ingest_module, "process_batch", die_on_third_batch)
        with pytest.raises(RuntimeError):
            ingest_paths(store, [folder], KeywordClassifier())
        assert store.article_count() == 4  # two whole batches, nothing of the third
        status = store.conn.execute("SELECT status FROM runs").fetchone()[0]
        assert status == "failed"
        monkeypatch.setattr(ingest_module, "process_batch", original)
        _, counts = ingest_paths(store, [folder], KeywordClassifier())
        assert (counts.pages_seen, counts.articles_new) == (4, 1)
        assert store.article_count() == 5


def test_changed_article_is_updated_not_duplicated(db_path: Path):
    with Store(db_path) as store:
        url = "http://127.0.0.1/a.html"
        for version in ("一", "二"):
            raw = RawPage(body=ARTICLE.format(n=version).encode(), source="t",
                          fetched_at=datetime.now(timezone.utc), url=url, content_type="text/plain")
            counts = Counts()
            process_batch(store, [raw], KeywordClassifier(), None, counts)
        assert (counts.articles_new, counts.articles_updated) == (0, 1)
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        assert store.conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 2  # both captures kept


def test_reader_cannot_write(db_path: Path):
    Store(db_path).close()
    with Store(db_path, read_only=True) as reader:
        with pytest.raises(duckdb.Error):
            reader.run_user_query("INSERT INTO sources VALUES ('x', 'local', NULL, now())")
