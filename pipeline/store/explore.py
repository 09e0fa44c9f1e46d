"""The web explorer's reads: one article with its capture and its story's copies,
rows of later stages' tables about an article, the newest stories matching
filters, the search form's choices, a model's weekly stories. Every value is a
parameter; table names come from constants.
"""

from __future__ import annotations

from typing import Any

from .research import SearchFilters
from .schema import StoreConnection

ARTICLE_COLUMNS = (
    "article_id", "story_id", "is_canonical", "title", "published_at", "week_start", "iso_week", "source", "site",
    "outlet", "reposted_from", "url", "path", "region_province", "region_city", "region_county", "primary_label",
    "labels", "score_jiaolianti", "score_group_run", "score_district_community", "score_urban_rural", "sense",
    "model_version", "stored_at",
)


#: What later stages found in an article, shown on its page when the snapshot has the table:
#: (table, heading, the columns a reader needs, in reading order). Keys, sequence numbers and
#: character offsets stay in the table for SQL users.
LINKED_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("facts", "数字 Figures",
     ("as_written", "counted", "noun", "model", "province", "city", "county", "year", "period", "is_target",
      "sentence")),
    ("alliance_mentions", "联盟 Alliances",
     ("name", "lead_school", "members", "model", "province", "city", "county", "sentence")),
    ("document_mentions", "政策文件 Policy documents",
     ("title", "doc_number", "kind", "issuers", "issued", "level", "models", "relation", "sentence")),
)


class ExplorerMixin(StoreConnection):
    """What the web explorer reads."""

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params if params is not None else [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def article(self, article_id: str) -> dict[str, Any] | None:
        """The article's research row, its original text and capture fields."""
        rows = self._rows("SELECT " + ", ".join(f"r.{c}" for c in ARTICLE_COLUMNS) + ","
            " a.text, a.text_normalized, a.author, a.script, a.extractor_version, a.page_id, a.updated_at,"
            " a.content_hash"
            " FROM research_articles r JOIN articles a ON a.article_id = r.article_id WHERE r.article_id = ?",
                     [article_id])
        return rows[0] if rows else None

    def capture(self, page_id: str) -> dict[str, Any] | None:
        """The raw capture's record (the bytes themselves are not in the snapshot)."""
        rows = self._rows("SELECT page_id, page_key, url, final_url, path, source, fetched_at, status, content_type,"
                           " declared_encoding, detected_encoding, content_hash, etag, last_modified, is_listing, run_id,"
                           " body IS NOT NULL OR warc_file IS NOT NULL AS has_body,"
                           " coalesce(octet_length(body), warc_length) AS body_bytes, warc_file, warc_offset"
                           " FROM pages WHERE page_id = ?", [page_id])
        return rows[0] if rows else None

    def capture_body(self, page_id: str) -> tuple[bytes, str | None] | None:
        """The bytes as received: from the database, or from the WARC file its pointer names (the
        snapshot keeps the pointer); None if neither is there."""
        from edualliance.pipeline.captures import CaptureError, captures_path, read_capture

        row = self.conn.execute("SELECT body, content_type, warc_file, warc_offset, warc_length FROM pages"
                                " WHERE page_id = ? AND (body IS NOT NULL OR warc_file IS NOT NULL)",
                                [page_id]).fetchone()
        if row is None:
            return None
        if row[0] is not None:
            return bytes(row[0]), row[1]
        try:
            return read_capture(captures_path(self.path), row[2], row[3], row[4]), row[1]
        except CaptureError:
            return None

    def story_copies(self, story_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT article_id, title, outlet, reposted_from, published_at, url, is_canonical, site"
                           " FROM research_articles WHERE story_id = ?"
                           " ORDER BY NOT is_canonical, published_at NULLS LAST, article_id", [story_id])

    def table_exists(self, name: str) -> bool:
        return self.conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'",
                            [name]).fetchone()[0] > 0 or self.conn.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND schema_name = 'main'", [name]).fetchone()[0] > 0

    def linked_rows(self, article_id: str) -> list[tuple[str, list[str], list[tuple]]]:
        """(heading, columns, rows) for each of ``LINKED_TABLES`` this snapshot has."""
        out = []
        for table, heading, wanted in LINKED_TABLES:
            if not self.table_exists(table):
                continue
            present = {r[0] for r in self.conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'",
                [table]).fetchall()}
            columns = [c for c in wanted if c in present]
            if "article_id" not in present or not columns:
                continue
            # Table and column names come from the constant above, never from a request.
            order = " ORDER BY seq" if "seq" in present else ""
            cursor = self.conn.execute(
                "SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table}" WHERE article_id = ?'
                + order + " LIMIT 200", [article_id])
            rows = cursor.fetchall()
            if rows:
                out.append((heading, columns, rows))
        return out

    def latest_stories(self, filters: SearchFilters, limit: int, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Stories matching the filters without a query: newest first, one row per story (its best copy)."""
        where, params = filters.where()
        params = {**params, "limit": limit, "offset": offset}
        total = self.conn.execute("SELECT count(DISTINCT story_id) FROM research_articles WHERE " + where,
                                  {k: v for k, v in params.items() if k.startswith("f_")}).fetchone()[0]
        rows = self._rows(
            "WITH hits AS (SELECT * FROM research_articles WHERE " + where +
            " QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY NOT is_canonical,"
            "  published_at NULLS LAST, article_id) = 1)"
            " SELECT h.article_id, h.story_id, h.title, h.published_at, h.outlet, h.region_province,"
            "  h.region_city, h.primary_label, h.labels, h.sense, coalesce(h.url, h.path) AS url,"
            "  left(h.text_normalized, 160) AS snippet, coalesce(s.articles, 1) AS copies,"
            "  coalesce(s.outlet_names, []) AS outlets"
            " FROM hits h LEFT JOIN stories s ON s.story_id = h.story_id"
            " ORDER BY h.published_at DESC NULLS LAST, h.article_id LIMIT $limit OFFSET $offset", params)
        return int(total), rows

    def filter_choices(self) -> dict[str, list[str]]:
        """Provinces, cities and outlets present, for the search form."""
        def values(sql: str) -> list[str]:
            return [r[0] for r in self.conn.execute(sql).fetchall() if r[0]]

        return {
            "provinces": values("SELECT region_province FROM research_articles WHERE region_province IS NOT NULL"
                                " GROUP BY 1 ORDER BY count(*) DESC, 1"),
            "outlets": values("SELECT outlet FROM research_articles WHERE outlet IS NOT NULL"
                              " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 300"),
        }

    def weekly_stories(self, label: str, sense: str | None) -> list[tuple]:
        """(week_start, stories with the label, all stories) for every week with articles."""
        sense_sql = ""
        params: list[Any] = [label]
        if label == "jiaolianti" and sense:
            sense_sql = " AND coalesce(sense, 'school_alliance') = ?"
            params.append(sense)
        return self.conn.execute(
            "SELECT week_start, count(DISTINCT story_id) FILTER (WHERE list_contains(labels, ?)" + sense_sql + "),"
            " count(DISTINCT story_id) FROM research_articles WHERE week_start IS NOT NULL GROUP BY 1 ORDER BY 1",
            params,
        ).fetchall()
