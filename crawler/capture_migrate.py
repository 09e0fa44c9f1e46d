"""Page bytes kept in the database (before WARC captures) move into WARC files, once.

Before WARC captures, a crawl kept every page's bytes in the database: a stored page's in
``pages.body``, an off-topic page's compressed in ``crawl_archive.body_zlib``. ``migrate``
writes them, a batch at a time, as WARC records (request, response and metadata, as a crawl
writes them) into the captures folder beside the database, fsyncs the file, and only then, in
one transaction per batch, sets each row's pointer (``warc_file``, ``warc_offset``,
``warc_length``) and NULLs its bytes. Killed between the two, a batch's records are in the file
with nothing pointing at them (harmless: no row reads them) and its rows still hold their
bytes, so the next run writes them again; a capture the kill left unfinished is cut off first
(``warc.repair``). A second run finds nothing to do. ``edualliance captures migrate`` runs it;
``crawl`` and ``process`` run it too when they find bytes in the database.

Ingested files (pages with a path and no URL) keep their bytes: they are not web captures and
their files are the user's.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .warc import CaptureWriter, repair

#: The writer name of migrated captures (their files: ``migrated-<time>-<n>.warc.gz``).
NODE = "migrated"

#: Rows moved per transaction: a batch's bytes are held in memory once, from the database to the
#: file, and a kill redoes at most one batch.
BATCH_ROWS = 200


@dataclass(frozen=True)
class _Table:
    """Where one kind of old capture keeps its bytes."""

    name: str
    key: str
    pending: str  # the rows still holding bytes
    columns: str  # key, url, final_url, status, content_type, etag, last_modified, fetched_at, source, run_id, bytes
    body_column: str
    compressed: bool


_TABLES = (
    _Table("pages", "page_id", "body IS NOT NULL AND url IS NOT NULL",
           "page_id, url, final_url, status, content_type, etag, last_modified, fetched_at, source, run_id, body",
           "body", False),
    _Table("crawl_archive", "url", "body_zlib IS NOT NULL AND warc_file IS NULL",
           "url, url, final_url, status, content_type, etag, last_modified, fetched_at, source, run_id, body_zlib",
           "body_zlib", True),
)


def pending(store) -> int:
    """How many crawled pages (stored or archived) still keep their bytes in the database."""
    return sum(store.conn.execute(f"SELECT count(*) FROM {t.name} WHERE {t.pending}").fetchone()[0]
               for t in _TABLES)


def migrate(store, folder: Path, echo: Callable[[str], None] = lambda message: None,
            batch_rows: int = BATCH_ROWS) -> int:
    """Move every crawled page's bytes from the database into WARC files in ``folder``; return
    how many pages moved."""
    left = pending(store)
    if not left:
        return 0
    echo(f"moving the bytes of {left} pages from the database into WARC files in {folder} …")
    cut = repair(folder, NODE)
    if cut:
        echo(f"cut an unfinished capture ({cut} bytes) off the last {NODE} WARC file (an interrupted move)")
    writer = CaptureWriter(folder, NODE)
    moved = 0
    try:
        for table in _TABLES:
            moved += _migrate_table(store, table, writer, batch_rows)
    finally:
        writer.close()
    echo(f"moved the bytes of {moved} pages into WARC files"
         " (the database file keeps its size until it is compacted: see the README, Captures)")
    return moved


def _migrate_table(store, table: _Table, writer: CaptureWriter, batch_rows: int) -> int:
    moved, after = 0, ""
    while True:
        # keys first, then the rows: no statement sorts page bytes. Table and column names are
        # the constants above; every value is a parameter.
        keys = [key for (key,) in store.conn.execute(
            f"SELECT {table.key} FROM {table.name} WHERE {table.key} > ? AND {table.pending}"
            f" ORDER BY {table.key} LIMIT ?", [after, batch_rows]).fetchall()]
        if not keys:
            return moved
        after = keys[-1]
        rows = store.conn.execute(
            f"SELECT {table.columns} FROM {table.name} WHERE {table.key} IN (SELECT unnest(?::VARCHAR[]))",
            [keys]).fetchall()
        pointers = []
        for key, url, final_url, status, content_type, etag, last_modified, fetched_at, source, run_id, \
                stored in rows:
            body = zlib.decompress(bytes(stored)) if table.compressed else bytes(stored)
            headers = [(name, value) for name, value in (("Content-Type", content_type), ("ETag", etag),
                                                          ("Last-Modified", last_modified)) if value]
            metadata = {"type": "page", "source": source, "url": url, "final_url": final_url,
                        "fetched_at": fetched_at.isoformat() if fetched_at else None, "run_id": run_id,
                        table.key: key, "moved_from": f"{table.name}.{table.body_column}"}
            pointers.append((key, *writer.write(
                url=final_url or url, status=status or 200, response_headers=headers, request_headers=[],
                method="GET", body=body, metadata=metadata, date=fetched_at)))
        writer.sync()  # on disk before any row points at it
        with store.transaction():
            store.conn.execute(
                f"UPDATE {table.name} SET warc_file = m.f, warc_offset = m.o, warc_length = m.l,"
                f" {table.body_column} = NULL"
                " FROM (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[]) AS f, unnest(?::BIGINT[]) AS o,"
                f" unnest(?::BIGINT[]) AS l) m WHERE {table.name}.{table.key} = m.id",
                [list(column) for column in zip(*pointers)])
        moved += len(pointers)
