"""The weekly digest's reads: counts per week, label (教联体's two senses apart) and
province, first reports, top stories, when collection began, and the runs of a week.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from .schema import StoreConnection
from .timestamps import BEIJING


#: Runs that collect articles (a reclassify or a publish collects nothing).
COLLECTING_KINDS: tuple[str, ...] = ("ingest", "demo", "crawl", "run")

#: ``label`` as the digest counts it: 教联体 in the home–school–society sense apart.
_SENSED_LABEL = ("CASE WHEN label = 'jiaolianti' AND coalesce(sense, '') = 'home_school_society'"
                 " THEN 'jiaolianti_home_school' ELSE label END")


class WeeklyMixin(StoreConnection):
    """What the weekly digest reads."""

    def weekly_label_province_since(self, since: datetime) -> list[tuple]:
        """Rows of the ``weekly_label_province`` view (a table in the snapshot) from ``since`` on."""
        return self.conn.execute(
            "SELECT iso_week, label, region_province, articles, stories, share_of_week"
            " FROM weekly_label_province WHERE week_start >= ? ORDER BY week_start, label, region_province",
            [since],
        ).fetchall()

    def count_week_label_province(self, since: datetime) -> list[tuple]:
        """The week × label × province counts computed afresh from ``article_labels`` (the
        aggregation behind ``weekly_label_province``), from ``since`` on."""
        return self.conn.execute(
            "WITH totals AS (SELECT week_start, count(DISTINCT story_id) AS week_stories"
            "  FROM research_articles WHERE week_start >= ? GROUP BY week_start)"
            " SELECT l.week_start, l.label, l.region_province, count(*) AS articles,"
            "  count(DISTINCT l.story_id) AS stories, count(DISTINCT l.story_id) / any_value(t.week_stories)"
            " FROM article_labels l JOIN totals t ON t.week_start = l.week_start"
            " WHERE l.week_start >= ? GROUP BY l.week_start, l.label, l.region_province ORDER BY 1, 2, 3",
            [since, since],
        ).fetchall()

    def latest_week_start(self) -> datetime | None:
        """Monday of the latest week with a dated article (else with any article).

        Dates after tomorrow (Beijing time) are misread dates, not the latest news:
        one such page must not move the default digest into the future.
        """
        tomorrow = datetime.now(BEIJING).replace(tzinfo=None) + timedelta(days=1)
        row = self.conn.execute(
            "SELECT coalesce(CAST(date_trunc('week', max(published_at) FILTER (WHERE published_at <= ?))"
            " AS DATE), max(week_start)) FROM research_articles",
            [tomorrow],
        ).fetchone()
        return row[0]

    def week_label_counts(self, first_week: datetime, last_week: datetime) -> list[tuple]:
        """(week_start, label, articles, stories) for the weeks from first_week to last_week (both
        senses of 教联体 together; the weekly archive compares these to notice revised weeks)."""
        return self.conn.execute(
            "SELECT week_start, label, count(*), count(DISTINCT story_id) FROM article_labels"
            " WHERE week_start BETWEEN ? AND ? GROUP BY ALL ORDER BY 1, 2",
            [first_week, last_week],
        ).fetchall()

    def week_totals(self, first_week: datetime, last_week: datetime) -> list[tuple]:
        """(week_start, articles, stories) of everything collected in the weeks given."""
        return self.conn.execute(
            "SELECT week_start, count(*), count(DISTINCT story_id) FROM research_articles"
            " WHERE week_start BETWEEN ? AND ? GROUP BY ALL ORDER BY 1",
            [first_week, last_week],
        ).fetchall()

    def story_texts(self, first_week: datetime, last_week: datetime, per_week: int) -> list[tuple]:
        """(week_start, title, opening of the text) of up to ``per_week`` stories a week, an even
        sample (by hash of the id) when a week has more."""
        return self.conn.execute(
            "SELECT week_start, title, left(text_normalized, 300) FROM research_articles"
            " WHERE week_start BETWEEN ? AND ? AND is_canonical"
            " QUALIFY row_number() OVER (PARTITION BY week_start ORDER BY hash(article_id)) <= ?",
            [first_week, last_week, per_week],
        ).fetchall()

    def week_errors(self, start_utc: datetime, end_utc: datetime) -> list[tuple]:
        """(who, stage, errors, one message) for errors recorded in [start_utc, end_utc): who is the
        source of a stored page, else the host of a URL, else the target itself (a crawl's source
        flags name the source), with local files together."""
        return self.conn.execute(
            "SELECT coalesce(p.source, nullif(regexp_extract(e.target, '^[a-z]+://([^/]+)', 1), ''),"
            "  CASE WHEN e.target LIKE '/%' OR contains(e.target, '\\') THEN 'local files' ELSE e.target END) AS who,"
            "  e.stage, count(*), min(e.message)"
            " FROM errors e LEFT JOIN (SELECT DISTINCT url, source FROM pages WHERE url IS NOT NULL) p"
            "   ON p.url = e.target"
            " WHERE e.occurred_at >= ? AND e.occurred_at < ?"
            " GROUP BY ALL ORDER BY 3 DESC, 1, 2",
            [start_utc, end_utc],
        ).fetchall()

    def failed_runs(self, start_utc: datetime, end_utc: datetime) -> list[tuple]:
        """(run_id, kind, started_at, status) of runs started in [start_utc, end_utc) that failed."""
        return self.conn.execute(
            "SELECT run_id, kind, started_at, status FROM runs"
            " WHERE started_at >= ? AND started_at < ? AND status = 'failed' ORDER BY run_id",
            [start_utc, end_utc],
        ).fetchall()

    def collection_start(self) -> datetime | None:
        """When collection began (Beijing time): the first collecting run or the earliest
        dated article, whichever is earlier (an archive ingested later covers its own past)."""
        kinds = ", ".join("?" for _ in COLLECTING_KINDS)
        row = self.conn.execute(
            "SELECT least((SELECT min(started_at) + INTERVAL 8 HOUR FROM runs WHERE kind IN (" + kinds + ")),"
            " (SELECT min(published_at) FROM research_articles))",
            list(COLLECTING_KINDS),
        ).fetchone()
        return row[0] if row else None

    def week_label_sense_counts(self, first_week: date, last_week: date) -> list[tuple]:
        """(week_start, label, articles, stories), 教联体's home–school sense as its own label."""
        return self.conn.execute(
            "SELECT week_start, " + _SENSED_LABEL + " AS label, count(*), count(DISTINCT story_id)"
            " FROM (SELECT week_start, story_id, sense, unnest(labels) AS label FROM research_articles"
            "       WHERE week_start BETWEEN ? AND ?)"
            " GROUP BY ALL ORDER BY 1, 2",
            [first_week, last_week],
        ).fetchall()

    def first_reports_sensed(self) -> list[tuple]:
        """Every region's first report of every model, 教联体 in the school-alliance sense only:
        (label, level, province, city, first_published, article_id, title, outlet, url), earliest first."""
        return self.conn.execute(
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

    def top_stories(self, week_start: date, limit: int) -> list[tuple]:
        """The week's stories about a reform model, most widely carried first: (story_id, title, label,
        articles, outlets, outlet names, first published, url, province, city, opening of the text)."""
        key = "(NOT is_canonical, published_at, article_id)"
        return self.conn.execute(
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

    def runs_between(self, start_utc: datetime, end_utc: datetime) -> list[tuple[int, str, datetime, str, dict[str, Any]]]:
        """(run_id, kind, started_at, status, counts) of collecting runs started in [start_utc, end_utc)."""
        kinds = ", ".join("?" for _ in COLLECTING_KINDS)
        rows = self.conn.execute(
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
