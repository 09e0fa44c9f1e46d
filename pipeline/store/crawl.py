"""Crawl state (migration 0004): sources, what is known of every URL, and the inbox.

``crawl_state`` says per URL what was fetched and when, with the validators
(ETag, Last-Modified, sitemap lastmod) an incremental crawl sends back.
``crawl_inbox`` holds raw captures as the crawler received them until the
storing process has cleaned them: the crawl's crash-safe hand-over. A capture is
a pointer into a WARC file (``warc_file``, ``warc_offset``, ``warc_length``); one
that came with its bytes instead (left by an older version, or handed over
directly) has them in ``crawl_inbox_parts``, in pieces (migration 0015).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .schema import StoreConnection
from .timestamps import as_naive_utc, utcnow


#: Page bytes of the inbox are stored in pieces of at most this many bytes: below DuckDB's
#: 4 KiB string block, so that a vector (2,048 rows) of them is at most 8 MiB (migration 0015).
INBOX_PART_BYTES = 4000


class CrawlMixin(StoreConnection):
    """Sources, crawl state and the inbox of raw captures."""

    def ensure_source(self, name: str, kind: str, config: dict[str, Any] | None = None) -> None:
        """Record a source the first time a run uses it; keep its latest config."""
        self.conn.execute(
            "INSERT INTO sources (name, kind, config, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config",
            [name, kind, json.dumps(config or {}, ensure_ascii=False), utcnow()],
        )

    def save_source(self, name: str, kind: str, config: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO sources (name, kind, config, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config",
            [name, kind, json.dumps(config, ensure_ascii=False), utcnow()],
        )

    def crawl_state(self) -> list[tuple]:
        """(url, source, role, verdict, etag, last_modified, lastmod, last_checked, links) of every
        known URL; links is the JSON array of an article page's in-scope links, or NULL."""
        return self.conn.execute(
            "SELECT url, source, role, verdict, etag, last_modified, lastmod, last_checked, links"
            " FROM crawl_state ORDER BY url"
        ).fetchall()

    def crawl_state_of_run(self, run_id: int) -> list[tuple]:
        """``crawl_state()`` rows that run ``run_id`` wrote."""
        return self.conn.execute(
            "SELECT url, source, role, verdict, etag, last_modified, lastmod, last_checked, links"
            " FROM crawl_state WHERE run_id = ? ORDER BY url", [run_id]
        ).fetchall()

    def frontier_stored(self, entry_ids: Sequence[str]) -> set[str]:
        """Which of these capture-stream entries are stored already (migration 0013)."""
        rows = self.conn.execute(
            "SELECT entry_id FROM frontier_entries WHERE entry_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(entry_ids)]).fetchall()
        return {row[0] for row in rows}

    def frontier_mark(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            self.conn.execute(
                "INSERT INTO frontier_entries SELECT unnest(?::VARCHAR[]), ? ON CONFLICT DO NOTHING",
                [list(entry_ids), utcnow()])

    def last_new_by_source(self) -> dict[str, datetime]:
        """When each source's newest stored article or attachment was first seen."""
        rows = self.conn.execute(
            "SELECT source, max(first_seen) FROM crawl_state WHERE verdict = 'stored'"
            " AND role IN ('article', 'attachment') GROUP BY source"
        ).fetchall()
        return dict(rows)

    def crawl_state_of(self, url: str) -> tuple | None:
        """(verdict, content_hash, page_id, etag, last_modified, lastmod) of one URL."""
        return self.conn.execute(
            "SELECT verdict, content_hash, page_id, etag, last_modified, lastmod FROM crawl_state WHERE url = ?",
            [url],
        ).fetchone()

    def save_crawl_states(self, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert many URLs' crawl state in one statement (single-row upserts are slow in DuckDB).

        Each row: url, source, role, verdict, status, etag, last_modified, lastmod, content_hash,
        page_id, fetched_at, run_id, and optionally links (JSON; NULL keeps the links known).
        A URL given twice keeps its last row.
        """
        latest = {row["url"]: row for row in rows}
        if not latest:
            return
        rows = list(latest.values())

        def col(name: str, convert=lambda v: v) -> list:
            return [convert(row[name]) for row in rows]

        fetched = col("fetched_at", as_naive_utc)
        self.conn.execute(
            "INSERT INTO crawl_state (url, source, role, verdict, status, etag, last_modified, lastmod,"
            " content_hash, page_id, first_seen, last_fetched, last_checked, run_id, links)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]),"
            " unnest(?::TIMESTAMP[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])"
            " ON CONFLICT (url) DO UPDATE SET source = excluded.source, role = excluded.role,"
            " verdict = excluded.verdict, status = excluded.status, etag = excluded.etag,"
            " last_modified = excluded.last_modified,"
            " lastmod = coalesce(excluded.lastmod, crawl_state.lastmod),"
            " content_hash = excluded.content_hash, page_id = excluded.page_id,"
            " last_fetched = excluded.last_fetched, last_checked = excluded.last_checked,"
            " run_id = excluded.run_id, links = coalesce(excluded.links, crawl_state.links)",
            [col("url"), col("source"), col("role"), col("verdict"), col("status"), col("etag"),
             col("last_modified"), col("lastmod", as_naive_utc), col("content_hash"), col("page_id"),
             fetched, fetched, fetched, col("run_id"), [row.get("links") for row in rows]],
        )

    def touch_crawl_state(self, url: str, checked_at: datetime, lastmod: datetime | None,
                          run_id: int | None) -> None:
        """A conditional request answered 304: the URL was checked and has not changed."""
        self.conn.execute(
            "UPDATE crawl_state SET last_checked = ?, lastmod = coalesce(?, lastmod), run_id = ?"
            " WHERE url = ?",
            [as_naive_utc(checked_at), as_naive_utc(lastmod), run_id, url],
        )

    def crawl_role_of(self, url: str) -> str | None:
        row = self.conn.execute("SELECT role FROM crawl_state WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def inbox_add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Raw captures as received, in two statements: (source, role, url, final_url, status,
        content_type, etag, last_modified, lastmod, anchor, fetched_at, body, run_id[, links[, warc_file,
        warc_offset, warc_length[, body_bytes]]]). A capture with a WARC pointer has body None and
        its size in body_bytes; bytes given go into ``crawl_inbox_parts`` in pieces of
        INBOX_PART_BYTES (migration 0015).
        """
        if not rows:
            return
        rows = [(*row, None, None, None, None, None)[:18] for row in rows]
        columns = [list(column) for column in zip(*[row[:17] for row in rows])]
        columns[8] = [as_naive_utc(v) for v in columns[8]]
        columns[10] = [as_naive_utc(v) for v in columns[10]]
        bodies = [None if row[14] is not None else bytes(row[11] or b"") for row in rows]
        ids = [capture_id for (capture_id,) in self.conn.execute(
            "SELECT nextval('crawl_inbox_seq') FROM range(?)", [len(rows)]).fetchall()]
        columns[11] = [len(body) if body is not None else row[17] or 0 for body, row in zip(bodies, rows)]
        self.conn.execute(
            "INSERT INTO crawl_inbox (capture_id, source, role, url, final_url, status, content_type, etag,"
            " last_modified, lastmod, anchor, fetched_at, body_bytes, run_id, links, warc_file, warc_offset,"
            " warc_length)"
            " SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]),"
            " unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::BIGINT[]), unnest(?::BIGINT[])",
            [ids, *columns],
        )
        owners, numbers, pieces = [], [], []
        for capture_id, body in zip(ids, bodies):
            if body is None:  # in its WARC file
                continue
            for number, start in enumerate(range(0, max(len(body), 1), INBOX_PART_BYTES)):
                owners.append(capture_id)
                numbers.append(number)
                pieces.append(body[start:start + INBOX_PART_BYTES])
        self.conn.execute(
            "INSERT INTO crawl_inbox_parts (capture_id, part, bytes)"
            " SELECT unnest(?::BIGINT[]), unnest(?::INTEGER[]), unnest(?::BLOB[])",
            [owners, numbers, pieces],
        )

    def inbox_take(self, limit: int, after: int = 0, max_bytes: int | None = None) -> list[tuple]:
        """The oldest raw captures not yet cleaned, past capture_id ``after`` (those before it are
        being cleaned): up to ``limit`` rows and, when ``max_bytes`` is given, up to that many page
        bytes (at least one row): (capture_id, source, role, url, final_url, status, content_type,
        etag, last_modified, lastmod, anchor, fetched_at, body, run_id, links, warc_file, warc_offset,
        warc_length); body is empty for a WARC capture (read it with ``pipeline.captures``), and
        its size counts as its page bytes.

        Capture ids are handed out in arrival order, so the next captures are a range of ids:
        their sizes are read first, then the captures that fit and their pieces. No statement
        sorts page bytes (DuckDB holds sort data in blocks of tens of MiB): rows are put in
        order here.
        """
        first = self.conn.execute("SELECT min(capture_id) FROM crawl_inbox WHERE capture_id > ?",
                                  [after]).fetchone()[0]
        if first is None:
            return []
        sizes = sorted(self.conn.execute(
            "SELECT capture_id, body_bytes FROM crawl_inbox WHERE capture_id BETWEEN ? AND ?",
            [first, first + limit - 1],
        ).fetchall())
        last, total = first, 0
        for capture_id, size in sizes:
            if max_bytes is not None and total and total + (size or 0) > max_bytes:
                break
            total += size or 0
            last = capture_id
        rows = sorted(self.conn.execute(
            "SELECT capture_id, source, role, url, final_url, status, content_type, etag, last_modified,"
            " lastmod, anchor, fetched_at, run_id, links, warc_file, warc_offset, warc_length"
            " FROM crawl_inbox WHERE capture_id BETWEEN ? AND ?",
            [first, last],
        ).fetchall(), key=lambda row: row[0])
        pieces: dict[int, list[tuple[int, bytes]]] = {}
        for capture_id, number, piece in self.conn.execute(
            "SELECT capture_id, part, bytes FROM crawl_inbox_parts WHERE capture_id BETWEEN ? AND ?",
            [first, last],
        ).fetchall():
            pieces.setdefault(capture_id, []).append((number, piece))
        return [(*row[:12], b"".join(piece for _, piece in sorted(pieces.get(row[0], ()))), *row[12:])
                for row in rows]

    def inbox_delete(self, capture_ids: Sequence[int]) -> None:
        ids = [list(capture_ids)]
        self.conn.execute("DELETE FROM crawl_inbox_parts WHERE capture_id IN (SELECT unnest(?::BIGINT[]))", ids)
        self.conn.execute("DELETE FROM crawl_inbox WHERE capture_id IN (SELECT unnest(?::BIGINT[]))", ids)

    def inbox_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM crawl_inbox").fetchone()[0]

    # -- pages judged off-topic: compressed, so that reprocess can recover them ------------

    def archive_add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep off-topic captures (newest per URL): url, source, role, final_url, status, content_type,
        etag, last_modified, anchor, fetched_at, content_hash, body (raw), run_id and warc (the
        WARC pointer, or None: then the body is kept, compressed here)."""
        import zlib

        latest = list({row["url"]: row for row in rows}.values())
        if not latest:
            return

        def col(name: str) -> list:
            return [row[name] for row in latest]

        warc = [row.get("warc") or (None, None, None) for row in latest]
        self.conn.execute(
            "INSERT OR REPLACE INTO crawl_archive (url, source, role, final_url, status, content_type, etag,"
            " last_modified, anchor, fetched_at, content_hash, body_zlib, body_bytes, run_id, warc_file,"
            " warc_offset, warc_length)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::BLOB[]),"
            " unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]),"
            " unnest(?::BIGINT[])",
            [col("url"), col("source"), col("role"), col("final_url"), col("status"), col("content_type"),
             col("etag"), col("last_modified"), col("anchor"), [as_naive_utc(r["fetched_at"]) for r in latest],
             col("content_hash"),
             [None if pointer[0] else zlib.compress(bytes(r["body"]), 6) for r, pointer in zip(latest, warc)],
             [len(r["body"]) for r in latest], col("run_id"), *[list(c) for c in zip(*warc)]],
        )

    def archive_take(self, after: str, limit: int) -> list[tuple]:
        """Archived captures past URL ``after``: (url, source, role, final_url, status, content_type,
        etag, last_modified, anchor, fetched_at, body, warc). A capture in a WARC file has its
        pointer in warc and its bytes read from the file (body None if it cannot be: warc is then
        the error message); an older one has its bytes decompressed and warc None."""
        import zlib

        from edualliance.pipeline.captures import CaptureError, captures_path, read_capture

        rows = self.conn.execute(
            "SELECT url, source, role, final_url, status, content_type, etag, last_modified, anchor,"
            " fetched_at, body_zlib, warc_file, warc_offset, warc_length FROM crawl_archive WHERE url > ?"
            " ORDER BY url LIMIT ?",
            [after, limit],
        ).fetchall()
        out = []
        for row in rows:
            if row[10] is not None:
                out.append((*row[:10], zlib.decompress(bytes(row[10])), None))
                continue
            try:
                out.append((*row[:10], read_capture(captures_path(self.path), *row[11:14]), tuple(row[11:14])))
            except CaptureError as exc:
                out.append((*row[:10], None, str(exc)))
        return out

    def archive_delete(self, urls: Sequence[str]) -> None:
        if urls:
            self.conn.execute("DELETE FROM crawl_archive WHERE url IN (SELECT unnest(?::VARCHAR[]))", [list(urls)])

    def archive_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM crawl_archive").fetchone()[0]
