"""Researchers' reads: full-text search, exports, diffusion tables and their own SQL.

They read the research views of migration 0005 (tables in a snapshot).
``search_candidates`` shapes its statement by the number of terms and the
filters given only; the terms, like every other value, are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .schema import StoreConnection


@dataclass(frozen=True)
class SearchFilters:
    """What a search (or the explorer's list) is narrowed to. Empty fields filter nothing."""

    since: datetime | None = None  # published on or after
    until: datetime | None = None  # published before
    label: str | None = None  # an assigned label
    sense: str | None = None  # 教联体's sense: school_alliance | home_school_society
    region: str | None = None  # a province or a city
    outlet: str | None = None  # the outlet (or the outlet it was reposted from)

    def where(self) -> tuple[str, dict[str, object]]:
        """A WHERE clause over research_articles and its named parameters."""
        clauses, params = ["TRUE"], {}
        if self.since is not None:
            clauses.append("published_at >= $f_since")
            params["f_since"] = self.since
        if self.until is not None:
            clauses.append("published_at < $f_until")
            params["f_until"] = self.until
        if self.label:
            clauses.append("list_contains(labels, $f_label)")
            params["f_label"] = self.label
        if self.sense:
            # The sense is 教联体's: school_alliance is also what an unmarked 教联体 article means.
            clauses.append("list_contains(labels, 'jiaolianti') AND coalesce(sense, 'school_alliance') = $f_sense")
            params["f_sense"] = self.sense
        if self.region:
            clauses.append("(region_province = $f_region OR region_city = $f_region)")
            params["f_region"] = self.region
        if self.outlet:
            clauses.append("(outlet = $f_outlet OR reposted_from = $f_outlet)")
            params["f_outlet"] = self.outlet
        return " AND ".join(clauses), params


#: Columns of a candidate row, in order.
CANDIDATE_COLUMNS = ("article_id", "story_id", "title", "published_at", "outlet", "region_province", "region_city",
                     "primary_label", "labels", "sense", "url", "text_normalized", "score")


class ResearchMixin(StoreConnection):
    """Search, export, diffusion and researchers' own queries."""

    def search_candidates(self, terms: Sequence[str], filters: SearchFilters, limit: int) -> tuple[int, list[tuple]]:
        """(articles the filters leave, rows of CANDIDATE_COLUMNS) for articles holding every term
        (title or text), best BM25 first (title hits count double)."""
        if not terms:
            return 0, []
        filter_sql, named = filters.where()
        n = len(terms)
        hit = ", ".join(
            f"(contains(text_normalized, $t{i}) OR contains(coalesce(title, ''), $t{i})) AS h{i}" for i in range(n))
        every = " AND ".join(f"h{i}" for i in range(n))
        tf = ", ".join(
            f"CASE WHEN {every} THEN"
            f" (strlen(text_normalized) - strlen(replace(text_normalized, $t{i}, ''))) // strlen($t{i})"
            f" + 2 * ((strlen(coalesce(title, '')) - strlen(replace(coalesce(title, ''), $t{i}, '')))"
            f" // strlen($t{i})) END AS tf{i}" for i in range(n))
        df = ", ".join(f"count(*) FILTER (WHERE h{i}) AS df{i}" for i in range(n))
        bm25 = " + ".join(
            f"ln(1 + (s.n - s.df{i} + 0.5) / (s.df{i} + 0.5)) * m.tf{i} * 2.2"
            f" / (m.tf{i} + 1.2 * (0.25 + 0.75 * m.len / s.avglen))" for i in range(n))
        named.update({f"t{i}": term for i, term in enumerate(terms)})
        named["limit"] = limit
        sql = (
            "WITH flagged AS ("
            "  SELECT article_id, published_at, strlen(text_normalized) AS len, text_normalized, title, " + hit +
            "  FROM research_articles WHERE " + filter_sql + "),"
            " base AS MATERIALIZED (SELECT article_id, published_at, len, "
            + ", ".join(f"h{i}" for i in range(n)) + ", " + tf + " FROM flagged),"
            " stats AS (SELECT count(*) AS n, greatest(avg(len), 1) AS avglen, " + df + " FROM base),"
            " best AS (SELECT m.article_id, m.published_at, " + bm25 + " AS score, s.n"
            "  FROM base m, stats s WHERE " + " AND ".join(f"m.h{i}" for i in range(n)) +
            "  ORDER BY score DESC, m.published_at DESC NULLS LAST, m.article_id LIMIT $limit)"
            " SELECT r.article_id, r.story_id, r.title, r.published_at, r.outlet, r.region_province, r.region_city,"
            "  r.primary_label, r.labels, r.sense, coalesce(r.url, r.path), r.text_normalized, b.score, b.n"
            " FROM best b JOIN research_articles r ON r.article_id = b.article_id"
            " ORDER BY b.score DESC, b.published_at DESC NULLS LAST, b.article_id"
        )
        rows = self.conn.execute(sql, named).fetchall()
        if rows:
            searched = rows[0][-1]
        else:
            params = {k: v for k, v in named.items() if k.startswith("f_")}
            searched = self.conn.execute("SELECT count(*) FROM research_articles WHERE " + filter_sql, params).fetchone()[0]
        return int(searched), [row[:-1] for row in rows]

    def story_sizes(self, story_ids: Sequence[str]) -> dict[str, tuple[int, list[str]]]:
        """story_id → (articles in the story, outlets that carried it)."""
        if not story_ids:
            return {}
        rows = self.conn.execute(
            "SELECT story_id, articles, outlet_names FROM stories WHERE list_contains($ids, story_id)",
            {"ids": list(story_ids)},
        ).fetchall()
        return {story: (int(n), list(names or [])) for story, n, names in rows}
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

        Only one read statement is run (``sqlcheck.read_statement``). External access
        is switched off first, so the query cannot read or write files (COPY, ATTACH,
        read_csv) either, and the configuration is locked (no CALL enable_logging):
        the connection stays read-only in full.
        """
        from edualliance.pipeline.sqlcheck import read_statement

        read_statement(sql)  # exactly one read statement, or QueryRefused (a duckdb.Error)
        if not getattr(self, "_user_query_locked", False):
            # Locked: a query cannot switch logging, external access or any setting back on.
            self.conn.execute("SET enable_external_access = false")
            self.conn.execute("SET lock_configuration = true")
            self._user_query_locked = True
        cursor = self.conn.execute(sql, list(params))
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
