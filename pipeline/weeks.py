"""ISO weeks of the digest archive (Asia/Shanghai, Monday to Sunday; a week is
complete once its Sunday has passed in Beijing), which of them are due, and
the counts a digest reports.

Which weeks are due:

- once the archive has a digest: every complete week after the newest week in
  it, empty or not (a week without articles is news: a source went silent);
- on the first run (an empty archive): every complete week from
  ``digest.first_week`` (default: the week of the earliest article) that has
  articles, and always the last complete week. Weeks before the corpus had an
  article are not written: there is nothing to report.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from .records import LABELS
from .store import BEIJING

#: Articles dated before this are misread dates, not the corpus's first week
#: (the reform models date from the late 1990s); they never start the archive.
EARLIEST_WEEK = date(1995, 1, 2)

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeeklyError(ValueError):
    pass


def week_name(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str) -> date:
    """'2026-W48' → its Monday."""
    match = _WEEK.match(value.strip())
    if not match:
        raise WeeklyError(f"week {value!r} is not an ISO week like 2026-W48")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise WeeklyError(f"week {value!r} does not exist: {exc}") from exc


def last_complete_week(now: datetime | None = None) -> date:
    """Monday of the latest ISO week whose Sunday has passed in Asia/Shanghai."""
    now = now.astimezone(BEIJING) if now and now.tzinfo else (now or datetime.now(BEIJING))
    today = now.date()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=1)


def due_weeks(latest_written: date | None, weeks_with_articles: list[date], last_complete: date,
              first_week: date | None = None) -> list[date]:
    """The weeks whose digest is due now (see the module's docstring for the rule)."""
    if latest_written is not None:
        out, week = [], latest_written + timedelta(weeks=1)
        while week <= last_complete:
            out.append(week)
            week += timedelta(weeks=1)
        return out
    start = max(first_week or EARLIEST_WEEK, EARLIEST_WEEK)
    weeks = {w for w in weeks_with_articles if start <= w <= last_complete}
    if last_complete >= start:
        weeks.add(last_complete)
    return sorted(weeks)


# -- counts ---------------------------------------------------------------------------------


def week_counts(snapshot, first: date, last: date) -> dict[date, dict[str, Any]]:
    """Per week: stories, articles, and per label stories and articles (what a digest reports)."""
    out: dict[date, dict[str, Any]] = {}

    def blank() -> dict[str, Any]:
        return {"stories": 0, "articles": 0, "labels": {label: {"stories": 0, "articles": 0} for label in LABELS}}

    for week, n_articles, n_stories in snapshot.week_totals(first, last):
        counts = out.setdefault(as_date(week), blank())
        counts["stories"], counts["articles"] = int(n_stories), int(n_articles)
    for week, label, n_articles, n_stories in snapshot.week_label_counts(first, last):
        counts = out.setdefault(as_date(week), blank())
        if label in counts["labels"]:
            counts["labels"][label] = {"stories": int(n_stories), "articles": int(n_articles)}
    return out


def empty_counts() -> dict[str, Any]:
    return {"stories": 0, "articles": 0, "labels": {label: {"stories": 0, "articles": 0} for label in LABELS}}


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    """'stories 20 → 21, articles 25 → 27; group_run stories 3 → 4' ('' when nothing changed)."""
    parts = []
    totals = [f"{key} {old.get(key, 0)} → {new.get(key, 0)}" for key in ("stories", "articles")
              if old.get(key, 0) != new.get(key, 0)]
    if totals:
        parts.append(", ".join(totals))
    for label in LABELS:
        before = old.get("labels", {}).get(label, {})
        after = new.get("labels", {}).get(label, {})
        moved = [f"{key} {before.get(key, 0)} → {after.get(key, 0)}" for key in ("stories", "articles")
                 if before.get(key, 0) != after.get(key, 0)]
        if moved:
            parts.append(f"{label} " + ", ".join(moved))
    return "; ".join(parts)


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
