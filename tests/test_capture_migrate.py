"""Page bytes an older version kept in the database move into WARC files once, resumably."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from edualliance.corpus.fixtureweb.build import site_root
from edualliance.crawler import capture_migrate
from edualliance.pipeline.captures import captures_path, read_capture
from edualliance.pipeline.cli import main
from edualliance.pipeline.records import CleanResult, Decoded, RawPage
from edualliance.pipeline.store import Store


def _old_database(db: Path) -> dict[str, bytes]:
    """Pages stored as a crawl before WARC captures stored them: bytes in pages.body."""
    rng = random.Random(7)
    pages = sorted(site_root().rglob("*.html"))[:9]
    bodies = [p.read_bytes() for p in pages] + [rng.randbytes(30_000), b"", b"%PDF-1.4 \x00\xff\r\n"]
    raws = [RawPage(body=body, source="old", fetched_at=datetime(2025, 3, 1, 8, n, tzinfo=timezone.utc),
                    url=f"http://127.0.0.1:8000/p/{n}.html?x={n}", final_url=f"http://127.0.0.1:8000/p/{n}.html",
                    status=200, content_type="text/html; charset=gbk" if n % 2 else None, etag=f'"e{n}"')
            for n, body in enumerate(bodies)]
    ingested = RawPage(body=b"\xe6\x95\x99 an ingested file", source="files", path="/data/a.html",
                       fetched_at=datetime(2025, 3, 1, tzinfo=timezone.utc))
    result = CleanResult((), True, Decoded("", None, "utf-8"))
    with Store(db) as store, store.transaction():
        store.save_pages([(raw, result) for raw in [*raws, ingested]], None)
    return {raw.page_id: raw.body for raw in raws}


def _old_archive(db: Path) -> dict[str, bytes]:
    """Off-topic pages archived before WARC captures: compressed bytes in crawl_archive."""
    rng = random.Random(11)
    kept = [b"<html>off topic " + b"A" * 500 + b"</html>", rng.randbytes(20_000), b""]
    bodies = {f"http://127.0.0.1:8000/off/{n}.html": body for n, body in enumerate(kept)}
    with Store(db) as store, store.transaction():
        store.archive_add([dict(url=url, source="old", role="article", final_url=url, status=200,
                                content_type="text/html", etag=None, last_modified=None, anchor=None,
                                fetched_at=datetime(2025, 3, 2, tzinfo=timezone.utc), content_hash="h",
                                body=body, run_id=None) for url, body in bodies.items()])
    return bodies


def test_bodies_move_into_warc_files_once_and_resume_after_an_interruption(tmp_path: Path, monkeypatch):
    db = tmp_path / "corpus.duckdb"
    expected = _old_database(db)
    archived = _old_archive(db)
    folder = captures_path(db)
    synced = []
    real_sync = capture_migrate.CaptureWriter.sync

    def dies_on_second_batch(self):
        synced.append(self.name)
        if len(synced) == 2:
            # killed mid-batch: part of a record written, nothing committed for this batch
            self._handle.write(b"\x1f\x8b\x08\x00torn")
            self._handle.flush()
            raise KeyboardInterrupt
        real_sync(self)

    monkeypatch.setattr(capture_migrate.CaptureWriter, "sync", dies_on_second_batch)
    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        capture_migrate.migrate(store, folder, batch_rows=4)
    with Store(db) as store:
        # the first batch is done, the second not
        assert capture_migrate.pending(store) == len(expected) + len(archived) - 4
    monkeypatch.setattr(capture_migrate.CaptureWriter, "sync", real_sync)

    with Store(db) as store:
        assert capture_migrate.migrate(store, folder, batch_rows=4) == len(expected) + len(archived) - 4
        rows = store.conn.execute("SELECT page_id, body, warc_file, warc_offset, warc_length, path FROM pages").fetchall()
        assert capture_migrate.migrate(store, folder) == 0, "a second run does nothing"
        assert store.conn.execute("SELECT count(*) FROM crawl_archive WHERE body_zlib IS NOT NULL"
                                  " OR warc_file IS NULL").fetchone()[0] == 0
        # an archived page reads back from its WARC record, byte-identical (reprocess reads them so)
        taken = {row[0]: row[10] for row in store.archive_take("", 100)}
    assert taken == archived
    moved = {page_id: warc for page_id, body, *warc, path in rows if path is None}
    assert moved.keys() == expected.keys()
    assert all(body is None for page_id, body, *_ in rows if page_id in expected)
    for page_id, (name, offset, length) in moved.items():
        assert read_capture(folder, name, offset, length) == expected[page_id], "byte-identical"
    (kept,) = [body for *_, body, _, _, _, path in rows if path is not None]
    assert kept == b"\xe6\x95\x99 an ingested file", "an ingested file keeps its bytes"
    for path in folder.glob("*.warc.gz"):  # the torn record was cut off: standard readers read every file
        with open(path, "rb") as handle:
            kinds = [record.rec_type for record in ArchiveIterator(handle)]
        assert kinds and len(kinds) % 3 == 0

    result = CliRunner().invoke(main, ["--db", str(db), "captures", "migrate"], catch_exceptions=False)
    assert result.exit_code == 0 and "nothing to move" in result.output
