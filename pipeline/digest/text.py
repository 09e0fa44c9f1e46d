"""Formatting shared by the digest's Markdown and HTML: numbers, dates, safe links."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from .i18n import t


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def day(value: datetime | date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def mean_text(lang: str, value: float | None) -> str:
    return t(lang, "no_mean") if value is None else f"{value:.1f}"


def safe_href(url: str | None) -> str | None:
    """Only plain web addresses become links (never javascript: or data:)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None
