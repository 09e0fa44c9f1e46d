"""The digest's reads of the snapshot that the store's generic readers do not cover.

Every statement takes its values as parameters. ``store`` is a read-only
``Store`` on the published snapshot (or the writer's store: the same views).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

#: Runs that collect articles (a reclassify or a publish collects nothing).
COLLECTING_KINDS: tuple[str, ...] = ("ingest", "demo", "crawl", "run")

#: ``label`` as the digest counts it: 教联体 in the home–school–society sense apart.
_SENSED_LABEL = ("CASE WHEN label = 'jiaolianti' AND coalesce(sense, '') = 'home_school_society'"
                 " THEN 'jiaolianti_home_school' ELSE label END")


def collection_start(store) -> datetime | None:
    """When collection began (Beijing time): the first collecting run or the earliest
    dated article, whichever is earlier (an archive ingested later covers its own past)."""
    kinds = ", ".join("?" for _ in COLLECTING_KINDS)
    row = store.conn.execute(
        "SELECT least((SELECT min(started_at) + INTERVAL 8 HOUR FROM runs WHERE kind IN (" + kinds + ")),"
        " (SELECT min(published_at) FROM research_articles))",
        list(COLLECTING_KINDS),
    ).fetchone()
    return row[0] if row else None


def week_label_counts(store, first_week: date, last_week: date) -> list[tuple]:
    """(week_start, label, articles, stories), 教联体's home–school sense as its own label."""
    return store.conn.execute(
        "SELECT week_start, " + _SENSED_LABEL + " AS label, count(*), count(DISTINCT story_id)"
        " FROM (SELECT week_start, story_id, sense, unnest(labels) AS label FROM research_articles"
        "       WHERE week_start BETWEEN ? AND ?)"
        " GROUP BY ALL ORDER BY 1, 2",
        [first_week, last_week],
    ).fetchall()


def first_reports(store) -> list[tuple]:
    """Every region's first report of every model, 教联体 in the school-alliance sense only:
    (label, level, province, city, first_published, article_id, title, outlet, url), earliest first."""
    return store.conn.execute(
        "WITH labelled AS ("
        "  SELECT article_id, published_at, region_province, region_city, label"
        "  FROM (SELECT article_id, published_at, region_province, region_city, sense, unnest(labels) AS label"
        "        FROM research_articles WHERE published_at IS NOT NULL AND region_province IS NOT NULL)"
        "  WHERE " + _SENSED_LABEL + " <> 'jiaolianti_home_school'"
        "), firsts AS ("
        "  SELECT label, 'province' AS level, region_province, NULL::VARCHAR AS region_city,"
        "   min(published_at) AS first_published, arg_min(article_id, (published_at, article_id)) AS article_id"
        "  FROM labelled GROUP BY label, region_province"
        "  UNION ALL"
        "  SELECT label, 'city', region_province, region_city, min(published_at),"
        "   arg_min(article_id, (published_at, article_id))"
        "  FROM labelled WHERE region_city IS NOT NULL GROUP BY label, region_province, region_city"
        ")"
        " SELECT f.label, f.level, f.region_province, f.region_city, f.first_published, f.article_id,"
        "  r.title, r.outlet, coalesce(r.url, r.path)"
        " FROM firsts f JOIN research_articles r ON r.article_id = f.article_id"
        " ORDER BY f.first_published, f.label, f.level DESC, f.region_province, f.region_city",
    ).fetchall()


def top_stories(store, week_start: date, limit: int) -> list[tuple]:
    """The week's stories about a reform model, most widely carried first: (story_id, title, label,
    articles, outlets, outlet names, first published, url, province, city, opening of the text)."""
    key = "(NOT is_canonical, published_at, article_id)"
    return store.conn.execute(
        "SELECT story_id, arg_min(title, " + key + "),"
        "  arg_min(CASE WHEN primary_label = 'jiaolianti' AND coalesce(sense, '') = 'home_school_society'"
        "   THEN 'jiaolianti_home_school' ELSE primary_label END, " + key + "),"
        "  count(*) AS articles, count(DISTINCT outlet) AS outlets,"
        "  list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL),"
        "  min(published_at) AS first_published,"
        "  arg_min(coalesce(url, path), " + key + "),"
        "  arg_min(region_province, " + key + "), arg_min(region_city, " + key + "),"
        "  arg_min(left(text_normalized, 400), " + key + ")"
        " FROM research_articles WHERE week_start = ? AND len(labels) > 0 GROUP BY story_id"
        " ORDER BY outlets DESC, articles DESC, first_published, 2 LIMIT ?",
        [week_start, limit],
    ).fetchall()


def runs_between(store, start_utc: datetime, end_utc: datetime) -> list[tuple[int, str, datetime, str, dict[str, Any]]]:
    """(run_id, kind, started_at, status, counts) of collecting runs started in [start_utc, end_utc)."""
    kinds = ", ".join("?" for _ in COLLECTING_KINDS)
    rows = store.conn.execute(
        "SELECT run_id, kind, started_at, status, counts FROM runs"
        " WHERE started_at >= ? AND started_at < ? AND kind IN (" + kinds + ") ORDER BY run_id",
        [start_utc, end_utc, *COLLECTING_KINDS],
    ).fetchall()
    out = []
    for run_id, kind, started, status, counts in rows:
        try:
            parsed = json.loads(counts) if isinstance(counts, str) else (counts or {})
        except ValueError:
            parsed = {}
        out.append((run_id, kind, started, status, parsed if isinstance(parsed, dict) else {}))
    return out
