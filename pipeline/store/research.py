"""Researchers' reads: full-text search, exports, diffusion tables and their own SQL.

They read the research views of migration 0005 (tables in a snapshot).
``search_candidates`` shapes its statement by the number of terms only;
the terms, like every other value, are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .schema import StoreConnection


class ResearchMixin(StoreConnection):
    """Search, export, diffusion and researchers' own queries."""

    def search_candidates(
        self, terms: Sequence[str], *, since: datetime | None = None, until: datetime | None = None,
        label: str | None = None, limit: int = 50,
    ) -> tuple[int, list[tuple]]:
        """Articles containing every term, best BM25 first (title hits count double).

        Returns (articles searched, rows of (article_id, title, published_at,
        outlet, region_province, primary_label, labels, text_normalized, score)).
        The statement's shape depends only on how many terms there are; the
        terms themselves are parameters.
        """
        if not terms:
            return 0, []
        where, params = ["TRUE"], []
        if since is not None:
            where.append("published_at >= ?")
            params.append(since)
        if until is not None:
            where.append("published_at < ?")
            params.append(until)
        if label is not None:
            where.append("list_contains(labels, ?)")
            params.append(label)
        n = len(terms)
        # One scan: each row's byte length, whether it holds each term (title or text) and,
        # only where it holds every term, the term counts; document frequencies from that.
        # Texts are fetched for the best rows alone. strlen (bytes), not length (characters):
        # the same ranking without counting UTF-8.
        hit = ", ".join(
            f"(contains(text_normalized, $t{i}) OR contains(coalesce(title, ''), $t{i})) AS h{i}" for i in range(n)
        )
        every = " AND ".join(f"h{i}" for i in range(n))
        tf = ", ".join(
            f"CASE WHEN {every} THEN"
            f" (strlen(text_normalized) - strlen(replace(text_normalized, $t{i}, ''))) // strlen($t{i})"
            f" + 2 * ((strlen(coalesce(title, '')) - strlen(replace(coalesce(title, ''), $t{i}, '')))"
            f" // strlen($t{i})) END AS tf{i}" for i in range(n)
        )
        df = ", ".join(f"count(*) FILTER (WHERE h{i}) AS df{i}" for i in range(n))
        bm25 = " + ".join(
            f"ln(1 + (s.n - s.df{i} + 0.5) / (s.df{i} + 0.5)) * m.tf{i} * 2.2"
            f" / (m.tf{i} + 1.2 * (0.25 + 0.75 * m.len / s.avglen))" for i in range(n)
        )
        named = {f"t{i}": term for i, term in enumerate(terms)}
        # Positional filters become named ones so that both kinds can mix.
        filters = " AND ".join(where)
        for i, value in enumerate(params):
            filters = filters.replace("?", f"$p{i}", 1)
            named[f"p{i}"] = value
        named["limit"] = limit
        sql = (
            "WITH flagged AS ("
            "  SELECT article_id, published_at, strlen(text_normalized) AS len, text_normalized, title, " + hit +
            "  FROM research_articles WHERE " + filters + "),"
            " base AS MATERIALIZED (SELECT article_id, published_at, len, "
            + ", ".join(f"h{i}" for i in range(n)) + ", " + tf + " FROM flagged),"
            " stats AS (SELECT count(*) AS n, greatest(avg(len), 1) AS avglen, " + df + " FROM base),"
            " best AS (SELECT m.article_id, m.published_at, " + bm25 + " AS score, s.n"
            "  FROM base m, stats s WHERE " + " AND ".join(f"m.h{i}" for i in range(n)) +
            "  ORDER BY score DESC, m.published_at DESC NULLS LAST, m.article_id LIMIT $limit)"
            " SELECT r.article_id, r.title, r.published_at, r.outlet, r.region_province, r.primary_label,"
            "  r.labels, r.text_normalized, b.score, b.n"
            " FROM best b JOIN research_articles r ON r.article_id = b.article_id"
            " ORDER BY b.score DESC, b.published_at DESC NULLS LAST, b.article_id"
        )
        rows = self.conn.execute(sql, named).fetchall()
        searched = rows[0][-1] if rows else self.conn.execute(
            "SELECT count(*) FROM research_articles WHERE " + filters,
            {k: v for k, v in named.items() if k.startswith("p")},
        ).fetchone()[0]
        return int(searched), [row[:-1] for row in rows]

    def export_parquet(self, out_dir: Path) -> None:
        """research_articles as Parquet files partitioned by year and primary label (hive layout)."""
        self.conn.execute(
            "COPY (SELECT *, year(coalesce(published_at, stored_at)) AS year, primary_label AS label"
            " FROM research_articles ORDER BY published_at, article_id)"
            " TO ? (FORMAT parquet, PARTITION_BY (year, label), OVERWRITE_OR_IGNORE true)",
            [str(out_dir)],
        )

    def export_csv(self, path: Path, *, with_text: bool = True) -> None:
        """research_articles as one CSV file (UTF-8, header; labels joined with ';')."""
        if with_text:
            self.conn.execute(
                "COPY (SELECT * REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )
        else:
            self.conn.execute(
                "COPY (SELECT * EXCLUDE (text_normalized) REPLACE (array_to_string(labels, ';') AS labels)"
                " FROM research_articles ORDER BY published_at, article_id)"
                " TO ? (FORMAT csv, HEADER true)",
                [str(path)],
            )

    def diffusion(self, label: str, level: str, sense: str | None = None) -> list[tuple]:
        """(province, city, first_published, stories, title, outlet) for one model, earliest first.

        ``sense`` (jiaolianti only): None reads ``first_reports`` (the school-alliance sense,
        the default counts); ``school_alliance`` or ``home_school_society`` reads that sense
        alone and ``all`` both together, from ``article_labels_all_senses``.
        """
        if sense is None:
            return self.conn.execute(
                "SELECT f.region_province, f.region_city, f.first_published, f.stories, r.title, r.outlet"
                " FROM first_reports f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
                " WHERE f.label = ? AND f.level = ?"
                " ORDER BY f.first_published, f.region_province, f.region_city",
                [label, level],
            ).fetchall()
        return self.conn.execute(
            "WITH rows AS (SELECT * FROM article_labels_all_senses WHERE label = ? AND (? = 'all' OR sense = ?)"
            "  AND published_at IS NOT NULL AND region_province IS NOT NULL"
            "  AND (? = 'province' OR region_city IS NOT NULL)),"
            " firsts AS (SELECT region_province, CASE WHEN ? = 'city' THEN region_city END AS region_city,"
            "  min(published_at) AS first_published, arg_min(article_id, published_at) AS first_article_id,"
            "  count(DISTINCT story_id) AS stories FROM rows GROUP BY ALL)"
            " SELECT f.region_province, f.region_city, f.first_published, f.stories, r.title, r.outlet"
            " FROM firsts f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
            " ORDER BY f.first_published, f.region_province, f.region_city",
            [label, sense, sense, level, level],
        ).fetchall()

    def run_user_query(self, sql: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Run a researcher's query (on a read-only connection); return (columns, rows).

        External access is switched off first, so the query cannot read or write
        files (COPY, ATTACH, read_csv) either: the connection stays read-only in full.
        """
        self.conn.execute("SET enable_external_access = false")
        cursor = self.conn.execute(sql, list(params))
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
