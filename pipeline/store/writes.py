"""Pages, articles and classifications: the writes of a run and the reads that redo them.

One statement per batch, not per row, because each DuckDB statement costs
milliseconds (ingest, the crawler and reclassify call these with whole
batches). Pages are kept once per capture (``page_id``); an article is
inserted, updated or left alone by its content hash; classifications are
replaced per model version. Bulk loads from Arrow serve benchmarks and
imports of prepared corpora.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..records import LABELS, Article, Classification, CleanResult, RawPage
from .schema import StoreConnection
from .timestamps import as_beijing, as_naive_utc, utcnow


class WritesMixin(StoreConnection):
    """Pages, articles and classifications of a run."""

    def has_page(self, page_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM pages WHERE page_id = ?", [page_id]).fetchone() is not None

    def save_pages(self, items: Sequence[tuple[RawPage, CleanResult]], run_id: int | None) -> set[str]:
        """Store captures once each (by page_id); return the page_ids that were new."""
        rows = {}
        for raw, result in items:
            rows.setdefault(raw.page_id, [
                raw.page_id, raw.page_key, raw.url, raw.final_url, raw.path, raw.source,
                as_naive_utc(raw.fetched_at), raw.status, raw.content_type,
                result.decoded.declared_encoding, result.decoded.used_encoding, raw.content_hash,
                raw.etag, raw.last_modified, result.is_listing, None if raw.warc else raw.body, run_id,
                *(raw.warc or (None, None, None)),
            ])
        if not rows:
            return set()
        inserted = self.conn.execute(
            "INSERT INTO pages (page_id, page_key, url, final_url, path, source, fetched_at, status,"
            " content_type, declared_encoding, detected_encoding, content_hash, etag, last_modified,"
            " is_listing, body, run_id, warc_file, warc_offset, warc_length)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::INTEGER[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
            " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), unnest(?::BLOB[]),"
            " unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::BIGINT[])"
            " ON CONFLICT (page_id) DO NOTHING RETURNING page_id",
            [list(column) for column in zip(*rows.values())],
        ).fetchall()
        return {row[0] for row in inserted}

    def stored_pages(self, after: str | None, limit: int) -> list[tuple]:
        """Stored captures with bytes (in the database or a WARC file), in page_id order after ``after``:
        (page_id, url, final_url, path, source, fetched_at, status, content_type, etag, last_modified, body,
        warc_file, warc_offset, warc_length); body is NULL for a WARC capture (read it with
        ``pipeline.captures.read_capture``)."""
        return self.conn.execute(
            "SELECT page_id, url, final_url, path, source, fetched_at, status, content_type, etag,"
            " last_modified, body, warc_file, warc_offset, warc_length FROM pages"
            " WHERE (body IS NOT NULL OR warc_file IS NOT NULL) AND page_id > ?"
            " ORDER BY page_id LIMIT ?",
            [after or "", limit],
        ).fetchall()

    def latest_page_ids(self) -> set[str]:
        """The newest capture of every page key (older captures of a page are history)."""
        rows = self.conn.execute(
            "SELECT arg_max(page_id, fetched_at) FROM pages GROUP BY page_key"
        ).fetchall()
        return {row[0] for row in rows}

    def article_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def save_articles(self, items: Sequence[tuple[str, Article]]) -> list[str]:
        """Insert or update (page_id, article) pairs; return 'new', 'updated' or 'unchanged' for each, in order."""
        if not items:
            return []
        known = dict(self.conn.execute(
            "SELECT article_id, content_hash FROM articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [[article.article_id for _, article in items]],
        ).fetchall())
        now = utcnow()
        outcomes, rows, updated = [], {}, set()
        for page_id, article in items:
            before = known.get(article.article_id)
            if before is not None and before == article.content_hash:
                outcomes.append("unchanged")
                continue
            outcomes.append("new" if before is None else "updated")
            if before is not None:
                updated.add(article.article_id)
            known[article.article_id] = article.content_hash
            rows[article.article_id] = [
                article.article_id, page_id, article.page_key, article.part, article.url, article.path,
                article.source, article.site, article.title, as_beijing(article.published),
                article.outlet, article.reposted_from, article.author, article.text,
                article.text_normalized, article.content_hash, article.script, article.extractor_version,
                article.region_province, article.region_city, article.region_county, now, now,
                article.region_level, article.carrier,
            ]
        if rows:
            # A changed text's search entry no longer describes it: unindexed until indexed again.
            if updated:
                self.conn.execute("DELETE FROM search_docs WHERE list_contains(?::VARCHAR[], article_id)",
                                  [sorted(updated)])
            self.conn.execute(
                "INSERT INTO articles (article_id, page_id, page_key, part, url, path, source, site, title,"
                " published_at, outlet, reposted_from, author, text, text_normalized, content_hash, script,"
                " extractor_version, region_province, region_city, region_county, stored_at, updated_at,"
                " region_level, carrier)"
                " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::INTEGER[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),"
                " unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]),"
                " unnest(?::VARCHAR[]), unnest(?::VARCHAR[])"
                " ON CONFLICT (article_id) DO UPDATE SET page_id = excluded.page_id, title = excluded.title,"
                " published_at = excluded.published_at, outlet = excluded.outlet,"
                " reposted_from = excluded.reposted_from, author = excluded.author, text = excluded.text,"
                " text_normalized = excluded.text_normalized, content_hash = excluded.content_hash,"
                " script = excluded.script, extractor_version = excluded.extractor_version,"
                " region_province = excluded.region_province, region_city = excluded.region_city,"
                " region_county = excluded.region_county, updated_at = excluded.updated_at,"
                " region_level = excluded.region_level, carrier = excluded.carrier",
                [list(column) for column in zip(*rows.values())],
            )
        return outcomes

    def articles_for_classification(self, after: str | None, limit: int) -> list[tuple[str, str | None, str]]:
        """(article_id, title, normalized text) of the next ``limit`` articles after ``after``
        (keyset pagination: a corpus of millions is never held in memory at once)."""
        return self.conn.execute(
            "SELECT article_id, title, text_normalized FROM articles"
            " WHERE ? IS NULL OR article_id > ? ORDER BY article_id LIMIT ?",
            [after, after, limit],
        ).fetchall()

    def save_classifications(self, items: Sequence[tuple[str, Classification]]) -> None:
        """Replace these articles' labels under each verdict's model version (other versions stay)."""
        latest = {(article_id, verdict.model_version): (article_id, verdict) for article_id, verdict in items}
        if not latest:
            return
        now = utcnow()
        self.conn.execute(
            "DELETE FROM classifications c USING (SELECT unnest(?::VARCHAR[]) AS article_id,"
            " unnest(?::VARCHAR[]) AS model_version) d"
            " WHERE c.article_id = d.article_id AND c.model_version = d.model_version",
            [[k[0] for k in latest], [k[1] for k in latest]],
        )
        rows = [
            [
                article_id, verdict.model_version, label, float(verdict.scores.get(label, 0.0)),
                label in verdict.labels, label == verdict.primary,
                verdict.sense if label == "jiaolianti" else None, now,
            ]
            for article_id, verdict in latest.values()
            for label in LABELS
        ]
        self.conn.execute(
            "INSERT INTO classifications (article_id, model_version, label, score, assigned,"
            " is_primary, sense, classified_at)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[]),"
            " unnest(?::BOOLEAN[]), unnest(?::BOOLEAN[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[])",
            [list(column) for column in zip(*rows)],
        )

    def primary_label_counts(self, model_version: str) -> list[tuple[str, int]]:
        """(primary label or 'none', articles) under one model version."""
        return self.conn.execute(
            "SELECT coalesce(c.label, 'none') AS label, count(*) FROM articles a"
            " LEFT JOIN classifications c ON c.article_id = a.article_id AND c.model_version = ?"
            "  AND c.is_primary AND c.assigned"
            " GROUP BY ALL ORDER BY 2 DESC, 1",
            [model_version],
        ).fetchall()

    def latest_model_version(self) -> str | None:
        row = self.conn.execute(
            "SELECT model_version FROM classifications ORDER BY classified_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def bulk_load_articles(self, table: Any, *, replace: bool = False) -> int:
        """Insert articles from an Arrow table whose columns are named as in ``articles``.

        About 100× faster than row-by-row inserts. With ``replace`` an article
        already stored is overwritten; without it, a duplicate id fails the load.
        """
        self.conn.register("bulk_articles", table)
        try:
            if replace:
                self.conn.execute("DELETE FROM search_docs WHERE article_id IN (SELECT article_id FROM bulk_articles)")
                self.conn.execute("INSERT OR REPLACE INTO articles BY NAME SELECT * FROM bulk_articles")
            else:
                self.conn.execute("INSERT INTO articles BY NAME SELECT * FROM bulk_articles")
        finally:
            self.conn.unregister("bulk_articles")
        return table.num_rows

    def bulk_load_classifications(self, table: Any, *, replace: bool = False) -> int:
        """Insert classification rows from an Arrow table named as in ``classifications``;
        with ``replace`` a row already stored (same article, version, label) is overwritten."""
        self.conn.register("bulk_classifications", table)
        try:
            if replace:
                self.conn.execute(
                    "INSERT OR REPLACE INTO classifications BY NAME SELECT * FROM bulk_classifications"
                )
            else:
                self.conn.execute("INSERT INTO classifications BY NAME SELECT * FROM bulk_classifications")
        finally:
            self.conn.unregister("bulk_classifications")
        return table.num_rows
