"""The weekly digest's reads: counts per week, label and province, first reports,
top stories, and what each source and run did in a week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .schema import StoreConnection
from .timestamps import BEIJING


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
        """(week_start, label, articles, stories) for the weeks from first_week to last_week."""
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

    def first_reports_between(self, start: datetime, end: datetime) -> list[tuple]:
        """(label, level, province, city, first_published, title, outlet) of regions whose first
        report of a model falls in [start, end)."""
        return self.conn.execute(
            "SELECT f.label, f.level, f.region_province, f.region_city, f.first_published, r.title, r.outlet"
            " FROM first_reports f LEFT JOIN research_articles r ON r.article_id = f.first_article_id"
            " WHERE f.first_published >= ? AND f.first_published < ?"
            " ORDER BY f.label, f.level DESC, f.first_published, f.region_province, f.region_city",
            [start, end],
        ).fetchall()

    def regions_reporting(self, before: datetime) -> list[tuple[str, str, int]]:
        """(label, level, regions) that had reported each model before ``before``."""
        return self.conn.execute(
            "SELECT label, level, count(*) FROM first_reports WHERE first_published < ?"
            " GROUP BY ALL ORDER BY 1, 2",
            [before],
        ).fetchall()

    def top_stories(self, week_start: datetime, limit: int) -> list[tuple]:
        """(title, primary_label, articles, outlets, outlet names, first published, url) of the
        week's stories about a reform model, most widely carried first."""
        return self.conn.execute(
            "SELECT arg_min(title, (NOT is_canonical, published_at, article_id)),"
            "  arg_min(primary_label, (NOT is_canonical, published_at, article_id)),"
            "  count(*) AS articles, count(DISTINCT outlet) AS outlets,"
            "  list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL),"
            "  min(published_at) AS first_published,"
            "  arg_min(coalesce(url, path), (NOT is_canonical, published_at, article_id))"
            " FROM research_articles WHERE week_start = ? AND len(labels) > 0 GROUP BY story_id"
            " ORDER BY outlets DESC, articles DESC, first_published, 1 LIMIT ?",
            [week_start, limit],
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

    def source_activity(self, week_start: datetime, first_week: datetime) -> list[tuple]:
        """(source, articles stored this week, articles stored in the weeks from first_week before
        it, last stored) for every source, by the week articles were stored (Beijing time)."""
        return self.conn.execute(
            "WITH s AS (SELECT source, CAST(date_trunc('week', stored_at + INTERVAL 8 HOUR) AS DATE) AS week,"
            "  stored_at FROM articles)"
            " SELECT source, count(*) FILTER (WHERE week = ?), count(*) FILTER (WHERE week >= ? AND week < ?),"
            "  max(stored_at) FROM s GROUP BY source ORDER BY source",
            [week_start, first_week, week_start],
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
