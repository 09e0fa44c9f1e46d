"""The SQL behind search: candidates by a columnar scan of the snapshot's text,
ranked by BM25, with the explorer's filters. Every value is a parameter; the
statement's shape depends only on how many terms and which filters there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Filters:
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


def search_candidates(conn, terms: Sequence[str], filters: Filters, limit: int) -> tuple[int, list[tuple]]:
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
    rows = conn.execute(sql, named).fetchall()
    if rows:
        searched = rows[0][-1]
    else:
        params = {k: v for k, v in named.items() if k.startswith("f_")}
        searched = conn.execute("SELECT count(*) FROM research_articles WHERE " + filter_sql, params).fetchone()[0]
    return int(searched), [row[:-1] for row in rows]


def story_sizes(conn, story_ids: Sequence[str]) -> dict[str, tuple[int, list[str]]]:
    """story_id → (articles in the story, outlets that carried it)."""
    if not story_ids:
        return {}
    rows = conn.execute(
        "SELECT story_id, articles, outlet_names FROM stories WHERE list_contains($ids, story_id)",
        {"ids": list(story_ids)},
    ).fetchall()
    return {story: (int(n), list(names or [])) for story, n, names in rows}
