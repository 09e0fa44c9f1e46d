"""Page bytes kept in the database (``pages.body``, before WARC captures) move into WARC files, once.

Before WARC captures, a crawl kept every page's bytes in the database. ``migrate`` writes them,
a batch at a time, as WARC records (request, response and metadata, as a crawl writes them) into
the captures folder beside the database, fsyncs the file, and only then, in one transaction per
batch, sets each page's pointer (``warc_file``, ``warc_offset``, ``warc_length``) and NULLs its
bytes. Killed between the two, a batch's records are in the file with nothing pointing at them
(harmless: no row reads them) and its pages still hold their bytes, so the next run writes them
again; a record torn by the kill is cut off first (``warc.repair``). A second run finds nothing
to do. ``edualliance captures migrate`` runs it; ``crawl`` and ``process`` run it too when they
find bytes in ``pages``.

Ingested files (pages with a path and no URL) keep their bytes: they are not web captures and
their files are the user's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .warc import CaptureWriter, repair

#: The writer name of migrated captures (their files: ``migrated-<time>-<n>.warc.gz``).
NODE = "migrated"

#: Pages moved per transaction: a batch's bytes are held in memory once, from the database to the
#: file, and a kill redoes at most one batch.
BATCH_ROWS = 200

_PENDING = "body IS NOT NULL AND url IS NOT NULL"


def pending(store) -> int:
    """How many pages still keep their bytes in the database."""
    return store.conn.execute(f"SELECT count(*) FROM pages WHERE {_PENDING}").fetchone()[0]


def migrate(store, folder: Path, echo: Callable[[str], None] = lambda message: None,
            batch_rows: int = BATCH_ROWS) -> int:
    """Move every crawled page's bytes from ``pages.body`` into WARC files in ``folder``;
    return how many pages moved."""
    left = pending(store)
    if not left:
        return 0
    echo(f"moving the bytes of {left} pages from the database into WARC files in {folder} …")
    cut = repair(folder, NODE)
    if cut:
        echo(f"cut a torn record ({cut} bytes) off the last {NODE} WARC file (an interrupted move)")
    writer = CaptureWriter(folder, NODE)
    moved, after = 0, ""
    try:
        while True:
            # ids first, then the rows: no statement sorts page bytes
            ids = [page_id for (page_id,) in store.conn.execute(
                f"SELECT page_id FROM pages WHERE page_id > ? AND {_PENDING} ORDER BY page_id LIMIT ?",
                [after, batch_rows]).fetchall()]
            if not ids:
                break
            after = ids[-1]
            rows = store.conn.execute(
                "SELECT page_id, url, final_url, status, content_type, etag, last_modified, fetched_at, source,"
                " run_id, body FROM pages WHERE page_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()
            pointers = []
            for page_id, url, final_url, status, content_type, etag, last_modified, fetched_at, source, run_id, \
                    body in rows:
                headers = [(name, value) for name, value in (("Content-Type", content_type), ("ETag", etag),
                                                              ("Last-Modified", last_modified)) if value]
                metadata = {"type": "page", "source": source, "url": url, "final_url": final_url,
                            "fetched_at": fetched_at.isoformat() if fetched_at else None, "run_id": run_id,
                            "page_id": page_id, "moved_from": "pages.body"}
                pointers.append((page_id, *writer.write(
                    url=final_url or url, status=status or 200, response_headers=headers, request_headers=[],
                    method="GET", body=bytes(body), metadata=metadata, date=fetched_at)))
            writer.sync()  # on disk before any row points at it
            with store.transaction():
                store.conn.execute(
                    "UPDATE pages SET warc_file = m.f, warc_offset = m.o, warc_length = m.l, body = NULL"
                    " FROM (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[]) AS f, unnest(?::BIGINT[]) AS o,"
                    " unnest(?::BIGINT[]) AS l) m WHERE pages.page_id = m.id",
                    [list(column) for column in zip(*pointers)])
            moved += len(pointers)
    finally:
        writer.close()
    echo(f"moved the bytes of {moved} pages into WARC files"
         " (the database file keeps its size until it is compacted: see the README, Captures)")
    return moved

