"""The published snapshot: readers never break the writer, the writer never breaks a reader.

The main test runs two real processes: a writer that loads batches and
publishes a snapshot after each, and a reader that queries the snapshot in
a loop (one connection held open the whole time, like a notebook, plus a new
connection per query). Neither may fail; the reader must see whole batches only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from synthetic_corpus import generate  # bench/ (tests/conftest.py puts it on the path)

from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot, snapshot_path
from edualliance.pipeline.store import Store, StoreError
from edualliance.pipeline.store.searchindex import SEARCH_FIELDS

BATCH = 200
BENCH_DIR = str(Path(sys.modules[generate.__module__].__file__).parent)  # for the writer process
BATCHES = 8

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[5])  # bench/, where the synthetic corpus lives
    from edualliance.pipeline.store import Store
    from synthetic_corpus import generate

    db, go, batch, batches = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    with Store(db) as store:
        for i in range(batches):
            # A run: its batch committed, then finish_run publishes the snapshot, as every run does.
            run = store.start_run("test")
            articles, labels = generate(batch, seed=100 + i)
            with store.transaction():
                store.bulk_load_articles(articles)
                store.bulk_load_classifications(labels)
            store.finish_run(run, "finished", {"articles": batch})
            if i == 0:
                go.write_text("published")  # the reader may start
                deadline = time.monotonic() + 60
                while not Path(str(go) + ".reading").exists() and time.monotonic() < deadline:
                    time.sleep(0.05)  # go on once the reader is querying
            print(f"published batch {i}", flush=True)
    """
)

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    snap, done = Path(sys.argv[1]), Path(sys.argv[2])
    seen, errors, queries = [], [], 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        finished = done.exists()
        try:
            # A new connection each time (with none other open in this process: DuckDB
            # hands a process's second connection to a file the instance it already has).
            with duckdb.connect(str(snap), read_only=True) as conn:
                n, stories = conn.execute(
                    "SELECT count(*), (SELECT sum(stories) FROM weekly_label_province) FROM research_articles"
                ).fetchone()
                seen.append(n)
            if len(seen) == 1:
                Path(sys.argv[3]).write_text("reading")
        except Exception as exc:  # any failure is what the test is about
            errors.append(repr(exc))
        queries += 1
        if finished:
            break
    print(json.dumps({"seen": seen, "errors": errors, "queries": queries}))
    """
)

NOTEBOOK = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    snap, done = Path(sys.argv[1]), Path(sys.argv[2])
    held = duckdb.connect(str(snap), read_only=True)  # a notebook left open for the whole run
    first = held.execute("SELECT count(*) FROM research_articles").fetchone()[0]
    deadline = time.monotonic() + 120
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    last = held.execute("SELECT count(*) FROM research_articles").fetchone()[0]
    print(json.dumps({"first": first, "last": last}))
    """
)


def test_writer_and_reader_processes_do_not_break_each_other(tmp_path: Path):
    db = tmp_path / "corpus.duckdb"
    go, done = tmp_path / "go", tmp_path / "done"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(go), str(BATCH), str(BATCHES), BENCH_DIR],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # Wait (bounded) for the first snapshot, then read while the writer goes on.
        for _ in range(600):
            if go.exists() or writer.poll() is not None:
                break
            time.sleep(0.1)
        assert go.exists(), writer.communicate()[1]
        notebook = subprocess.Popen(
            [sys.executable, "-c", NOTEBOOK, str(snapshot_path(db)), str(done)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(snapshot_path(db)), str(done), str(go) + ".reading"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        w_out, w_err = writer.communicate(timeout=300)
        done.write_text("writer finished")
        r_out, r_err = reader.communicate(timeout=300)
        n_out, n_err = notebook.communicate(timeout=300)
    finally:
        for process in (writer, locals().get("reader"), locals().get("notebook")):
            if process is not None and process.poll() is None:
                process.kill()
    assert writer.returncode == 0, w_err
    assert w_out.count("published batch") == BATCHES
    assert reader.returncode == 0, r_err
    report = json.loads(r_out)
    assert report["errors"] == []
    assert report["queries"] >= 1
    assert len(set(report["seen"])) >= 2, "the reader should have seen the snapshot change under it"
    # Only whole batches are ever visible, never a half-published copy, and they only grow.
    assert all(n % BATCH == 0 and n >= BATCH for n in report["seen"])
    assert report["seen"] == sorted(report["seen"])
    assert report["seen"][-1] == BATCH * BATCHES
    # The notebook kept reading the snapshot it opened, undisturbed.
    assert notebook.returncode == 0, n_err
    held = json.loads(n_out)
    assert held["first"] == held["last"] and held["first"] % BATCH == 0
    # And the writer's database has everything.
    with Store(db, read_only=True) as store:
        assert store.article_count() == BATCH * BATCHES
        assert store.run_user_query("SELECT count(*) FROM errors WHERE stage = 'publish'")[1] == [(0,)]
        assert store.run_user_query("SELECT count(*) FROM runs WHERE status = 'finished'")[1] == [(BATCHES,)]


def test_an_open_reader_does_not_block_publishing(tmp_path: Path):
    db = tmp_path / "corpus.duckdb"
    with Store(db) as store:
        articles, labels = generate(50, seed=1)
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        path = publish_snapshot(store)
        reader = duckdb.connect(str(path), read_only=True)
        before = reader.execute("SELECT count(*) FROM research_articles").fetchone()[0]
        articles, labels = generate(30, seed=2)
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        publish_snapshot(store)  # must not fail although a reader has the old snapshot open
        assert reader.execute("SELECT count(*) FROM research_articles").fetchone()[0] == before == 50
        reader.close()
    with open_snapshot(db) as snap:
        assert snap.article_count() == 80
        assert snap.conn.execute("SELECT count(*) FROM research_articles").fetchone()[0] == 80
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_snapshot_has_the_views_as_tables_with_the_same_columns(tmp_path: Path):
    db = tmp_path / "corpus.duckdb"
    with Store(db) as store:
        articles, labels = generate(40, seed=3)
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        live = store.columns()
        live_rows = store.conn.execute(
            "SELECT * FROM weekly_label_province ORDER BY ALL").fetchall()
        publish_snapshot(store)
    with open_snapshot(db) as snap:
        kept = {table: columns for table, columns in live.items() if table not in Store.NOT_IN_SNAPSHOT}
        columns = snap.columns()
        assert SEARCH_FIELDS in columns  # the snapshot's own table, for search (searchindex.py)
        del columns[SEARCH_FIELDS]
        assert columns == kept and len(kept) == len(live) - len(Store.NOT_IN_SNAPSHOT)
        kinds = dict(snap.conn.execute(
            "SELECT table_name, table_type FROM information_schema.tables").fetchall())
        for view in Store.MATERIALIZED_VIEWS:
            assert kinds[view] == "BASE TABLE"
        assert snap.conn.execute("SELECT * FROM weekly_label_province ORDER BY ALL").fetchall() == live_rows


def test_snapshot_holds_the_postings_sorted_by_word_across_segments(tmp_path: Path, monkeypatch):
    """The writer's index is segments of batches, each holding some of every common word; the
    snapshot's postings are one run per word (SnapshotMixin.SNAPSHOT_ORDER), so that a search
    reads a word's postings in a few blocks. The rows are the same."""
    from edualliance.pipeline.store import searchindex

    monkeypatch.setattr(searchindex, "INDEX_BATCH", 100)  # segments of 100 articles are not merged
    db = tmp_path / "corpus.duckdb"
    articles, labels = generate(300, seed=5)
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        store.index_missing(batch=100)
        writer_rows = store.conn.execute("SELECT * FROM search_terms ORDER BY ALL").fetchall()
        assert store.conn.execute("SELECT count(DISTINCT segment) FROM search_terms").fetchone()[0] == 3
        publish_snapshot(store)

    def out_of_order(con) -> int:
        return con.execute(
            "SELECT count(*) FROM (SELECT term, doc, lag(term) OVER (ORDER BY rowid) AS t0,"
            " lag(doc) OVER (ORDER BY rowid) AS d0 FROM search_terms)"
            " WHERE t0 IS NOT NULL AND (term < t0 OR (term = t0 AND doc <= d0))").fetchone()[0]

    with duckdb.connect(str(db), read_only=True) as writer:
        assert out_of_order(writer) > 0  # the writer's segments, one after another
    with open_snapshot(db) as snap:
        assert out_of_order(snap.conn) == 0
        assert snap.conn.execute("SELECT * FROM search_terms ORDER BY ALL").fetchall() == writer_rows


def test_a_reopened_database_publishes_its_views_in_dependency_order(tmp_path: Path):
    """A database opened again lists its views by name, not in creation order
    (article_labels before the research_articles it reads): every run after the
    first must still publish."""
    db = tmp_path / "corpus.duckdb"
    for seed in (3, 4):
        with Store(db) as store:
            articles, labels = generate(40, seed=seed)
            store.bulk_load_articles(articles)
            store.bulk_load_classifications(labels)
            publish_snapshot(store)
    with open_snapshot(db) as snap:
        assert snap.conn.execute("SELECT count(*) FROM research_articles").fetchone()[0] == 80
        assert snap.conn.execute("SELECT count(DISTINCT article_id) FROM article_labels").fetchone()[0] > 0


def test_no_snapshot_yet_is_a_clear_error(tmp_path: Path):
    with pytest.raises(StoreError, match="no published snapshot"):
        open_snapshot(tmp_path / "corpus.duckdb")


def test_reading_the_writers_file_is_what_snapshots_avoid(tmp_path: Path):
    """The measured fact the design rests on: a second process cannot open a file held read-write."""
    db = tmp_path / "corpus.duckdb"
    with Store(db):
        probe = subprocess.run(
            [sys.executable, "-c",
             "import sys, duckdb; duckdb.connect(sys.argv[1], read_only=True)", str(db)],
            capture_output=True, text=True,
        )
    assert probe.returncode != 0
    assert "lock" in probe.stderr.lower()


def test_a_run_finished_inside_a_transaction_publishes_after_the_commit(tmp_path: Path):
    db = tmp_path / "corpus.duckdb"
    with Store(db) as store:
        with store.transaction():
            run = store.start_run("test")
            articles, labels = generate(20, seed=4)
            store.bulk_load_articles(articles)
            store.bulk_load_classifications(labels)
            store.finish_run(run, "finished", {})
            assert not snapshot_path(db).exists()  # not while uncommitted
        with open_snapshot(db) as snap:
            assert snap.article_count() == 20


def test_a_failed_publish_keeps_the_run_and_the_old_snapshot(tmp_path: Path, monkeypatch):
    db = tmp_path / "corpus.duckdb"
    with Store(db) as store:
        run = store.start_run("test")
        store.finish_run(run, "finished", {})  # publishes the first snapshot
        articles, labels = generate(10, seed=6)
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)

        def broken(target):
            raise OSError("disk full")

        monkeypatch.setattr(store, "copy_database_to", broken)
        run = store.start_run("test")
        store.finish_run(run, "finished", {})  # must not raise
        assert store.article_count() == 10
        _, recorded = store.run_user_query("SELECT message FROM errors WHERE stage = 'publish'")
        assert recorded and "disk full" in recorded[0][0]
    with open_snapshot(db) as snap:
        assert snap.article_count() == 0  # the previous snapshot, whole
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_stale_temp_copies_are_cleaned_up(tmp_path: Path):
    import os

    db = tmp_path / "corpus.duckdb"
    stale = tmp_path / ".corpus.snapshot.duckdb.abc123.tmp"
    fresh = tmp_path / ".corpus.snapshot.duckdb.def456.tmp"
    stale.write_bytes(b"half a copy")
    fresh.write_bytes(b"maybe in progress")
    os.utime(stale, (0, 0))
    with Store(db) as store:
        publish_snapshot(store)
    assert not stale.exists() and fresh.exists()


def test_snapshot_leaves_out_the_raw_bytes_and_keeps_everything_else(tmp_path: Path, seeds_dir: Path):
    from edualliance.models.keywords import KeywordClassifier
    from edualliance.pipeline.ingest import ingest_paths

    db = tmp_path / "corpus.duckdb"
    with Store(db) as store:
        ingest_paths(store, [seeds_dir], KeywordClassifier())  # the run publishes the snapshot
        live = {table: store.run_user_query(f"SELECT count(*) FROM {table}")[1][0][0]
                for table in ("pages", "articles", "classifications", "runs", "sources")}
        pages = store.run_user_query("SELECT page_id, url, path, content_hash FROM pages ORDER BY page_id")[1]
    with open_snapshot(db) as snap:
        for table, count in live.items():
            assert snap.run_user_query(f"SELECT count(*) FROM {table}")[1][0][0] == count
        assert snap.run_user_query("SELECT count(*) FROM pages WHERE body IS NOT NULL")[1] == [(0,)]
        assert snap.run_user_query(
            "SELECT page_id, url, path, content_hash FROM pages ORDER BY page_id")[1] == pages
        kinds = dict(snap.run_user_query(
            "SELECT table_name, table_type FROM information_schema.tables")[1])
        assert kinds["current_classifications"] == "VIEW"
        assert snap.run_user_query("SELECT count(*) FROM current_classifications")[1] == [
            (live["classifications"],)]
