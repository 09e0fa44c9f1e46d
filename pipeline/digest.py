"""The weekly policy-trend digest: what the corpus says about one ISO week.

Weeks are ISO weeks of the publication date in Beijing time (the time pages
print), Monday to Sunday.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from .records import LABELS, NONE_LABEL
from .store import Store

#: Weeks of history the digest compares this week against.
TRAILING_WEEKS = 12

#: Articles listed per digest: enough to skim, few enough to read.
MAX_LISTED = 30

LABEL_NAMES = {
    "jiaolianti": "教联体 (jiaolianti)",
    "group_run": "集团化办学 (group_run)",
    "district_community": "学区制/片区共同体 (district_community)",
    "urban_rural": "城乡学校共同体 (urban_rural)",
    NONE_LABEL: "none of the four",
}

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


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


def week_name(week_start: datetime) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def _md(text: str | None) -> str:
    """Crawled text in a Markdown table cell: no pipes, no line breaks, no HTML."""
    if not text:
        return ""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " ").strip())


def render_markdown(store: Store, week_start: datetime, model_version: str) -> str:
    weeks = [week_start - timedelta(weeks=n) for n in range(TRAILING_WEEKS, -1, -1)]
    counts: dict[tuple[datetime, str], int] = {
        (w, label): n for w, label, n in store.weekly_label_counts(model_version, weeks)
    }
    this = {label: counts.get((week_start, label), 0) for label in (*LABELS, NONE_LABEL)}
    total = sum(this.values())
    name = week_name(week_start)
    lines = [
        f"# Policy-trend digest {name}",
        "",
        f"Week of {week_start:%Y-%m-%d} to {week_start + timedelta(days=6):%Y-%m-%d} (Beijing time);"
        f" {total} articles; labels by `{model_version}`.",
        "",
        "## Articles per model type",
        "",
        f"| model type | this week | share | mean of previous {TRAILING_WEEKS} weeks |",
        "|---|---:|---:|---:|",
    ]
    for label in (*LABELS, NONE_LABEL):
        previous = [counts.get((w, label), 0) for w in weeks[:-1]]
        share = f"{this[label] / total:.0%}" if total else "–"
        lines.append(
            f"| {LABEL_NAMES[label]} | {this[label]} | {share} | {sum(previous) / len(previous):.1f} |"
        )
    lines += ["", "## Articles this week", ""]
    rows = store.week_articles(model_version, week_start, MAX_LISTED)
    if not rows:
        lines.append("No articles were published this week.")
    else:
        lines += ["| published | model type | title | outlet |", "|---|---|---|---|"]
        for title, outlet, published, _where, label in rows:
            lines.append(f"| {published:%Y-%m-%d} | {label} | {_md(title)} | {_md(outlet)} |")
    return "\n".join(lines) + "\n"


def write_digest(store: Store, week: str | None, out_dir: Path) -> list[Path]:
    """Write digest-<week>.md for the given ISO week (default: the latest with articles)."""
    model_version = store.latest_model_version()
    if model_version is None:
        raise DigestError("the database has no classified articles yet: run `edualliance ingest` or `crawl` first")
    if week is None:
        latest = store.latest_published()
        if latest is None:
            raise DigestError("no article has a publication date, so there is no latest week")
        week_start = datetime.combine(latest.date() - timedelta(days=latest.weekday()), datetime.min.time())
    else:
        week_start = parse_week(week)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"digest-{week_name(week_start)}.md"
    path.write_text(render_markdown(store, week_start, model_version), encoding="utf-8")
    return [path]
