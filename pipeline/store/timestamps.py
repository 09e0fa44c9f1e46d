"""How the store keeps time: every TIMESTAMP column holds naive datetimes.

Run, fetch and error times are naive UTC; publication times are Beijing
wall-clock time, the way pages print them. These helpers bring aware
datetimes into those forms before they are written.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: Publication times are kept as Beijing wall-clock time, the way pages print them.
BEIJING = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    """Naive UTC, the form every TIMESTAMP column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def as_naive_utc(moment: datetime | None) -> datetime | None:
    """An aware datetime as naive UTC; naive ones and None pass unchanged."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def as_beijing(moment: datetime | None) -> datetime | None:
    """An aware datetime as naive Beijing wall-clock time; naive ones and None pass unchanged."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(BEIJING).replace(tzinfo=None)
