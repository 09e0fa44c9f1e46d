"""ISO weeks in Asia/Shanghai: parsing, naming, and the default week."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

#: China keeps no daylight-saving time: Beijing time is UTC + 8 h all year.
BEIJING_OFFSET = timedelta(hours=8)


class DigestError(ValueError):
    pass


def parse_week(value: str) -> datetime:
    """'2026-W47' → Monday 00:00 of that ISO week."""
    match = _WEEK.match(value.strip())
    if not match:
        raise DigestError(f"week {value!r} is not an ISO week like 2026-W47")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise DigestError(f"week {value!r} does not exist: {exc}") from exc
    return datetime.combine(monday, datetime.min.time())


def week_name(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def monday_of(moment: date | datetime) -> date:
    day = as_date(moment)
    return day - timedelta(days=day.weekday())


def resolve_week(store, week: str | None) -> date:
    """The week asked for, else the latest week with articles."""
    if week is not None:
        return parse_week(week).date()
    latest = store.latest_week_start()
    if latest is None:
        raise DigestError("the database has no articles yet: run `edualliance ingest` or `crawl` first")
    return as_date(latest)
