"""Source health: each source against its own recent history, for operators and for cron.

A source is flagged when, in the run just finished:

* it **fell**: it listed fewer than ``FALL_RATIO`` of its own median over its previous
  runs (at most ``HISTORY_RUNS``), that median being at least ``MIN_MEDIAN`` (a site that
  lists 3 articles one week and 1 the next is not news), or it listed none at all after
  listing some;
* it was **unreachable**: every start URL failed (DNS, refused, timeout, HTTP error);
* it **never yielded**: it has listed no article in any run, this one included, and
  nothing of it is in the corpus — a new entry whose ``allow`` or start URL is wrong is
  caught on its first run, not weeks later.

``edualliance run`` exits with ``EXIT_FLAGGED`` when any source is flagged (so cron mails
only then), and ``edualliance sources health`` prints the history the flags come from.
Pure functions on run counts (``runs.counts['sources']``); the store is read by the caller.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: A source "fell" below this share of its own recent median of listed URLs …
FALL_RATIO = 0.5
#: … when that median is at least this (small sources vary by chance).
MIN_MEDIAN = 4
#: How many of a source's previous runs make its median (a quarter of weekly runs).
HISTORY_RUNS = 12

#: `edualliance run` / `crawl` exit code when the crawl finished but a source is flagged.
EXIT_FLAGGED = 3


@dataclass(frozen=True, slots=True)
class RunOfSource:
    """One run's figures for one source."""

    run_id: int
    started_at: datetime | None
    listed: int
    new: int
    errors: int
    listing_pages: int
    start_failures: int
    start_urls: int
    flags: tuple[str, ...] = ()


@dataclass
class SourceHealth:
    name: str
    runs: list[RunOfSource] = field(default_factory=list)  # oldest first
    last_new: datetime | None = None  # when its newest article was first stored
    flags: list[str] = field(default_factory=list)

    @property
    def median_listed(self) -> float | None:
        previous = [r.listed for r in self.runs[:-1][-HISTORY_RUNS:]]
        return statistics.median(previous) if previous else None


def run_of_source(run_id: int, started_at: datetime | None, counts: dict[str, Any]) -> RunOfSource:
    return RunOfSource(
        run_id, started_at, int(counts.get("listed", 0)), int(counts.get("new", 0)),
        int(counts.get("errors", 0)), int(counts.get("listing_pages", 0)),
        int(counts.get("start_failures", 0)), int(counts.get("start_urls", 0)),
        tuple(counts.get("health_flags", ())),
    )


def history(runs: list[tuple[int, datetime | None, dict[str, Any]]], names: list[str] | None = None,
            last_new: dict[str, datetime | None] | None = None, limit: int = HISTORY_RUNS + 1
            ) -> dict[str, SourceHealth]:
    """Per source, its latest ``limit`` runs (oldest first) from (run_id, started_at, counts) rows."""
    found: dict[str, SourceHealth] = {}
    for run_id, started_at, counts in sorted(runs, key=lambda r: r[0]):
        for name, per_source in (counts.get("sources") or {}).items():
            if names is not None and name not in names:
                continue
            found.setdefault(name, SourceHealth(name)).runs.append(run_of_source(run_id, started_at, per_source))
    for name in names or ():
        found.setdefault(name, SourceHealth(name))
    for health in found.values():
        health.runs = health.runs[-limit:]
        health.last_new = (last_new or {}).get(health.name)
    return found


def judge(previous: list[RunOfSource], now: RunOfSource, ever_stored: bool) -> list[str]:
    """The flags of a source's latest run against its own previous runs (oldest first)."""
    flags = []
    if now.start_urls and now.start_failures >= now.start_urls:
        flags.append(f"unreachable: none of its {now.start_urls} start URL(s) answered "
                     "(see `edualliance errors` for why; check the site by hand)")
    recent = [r.listed for r in previous[-HISTORY_RUNS:]]
    if recent:
        median = statistics.median(recent)
        if (median >= MIN_MEDIAN and now.listed < FALL_RATIO * median) or (median >= 1 and now.listed == 0):
            flags.append(f"fell: listed {now.listed} article URLs, its median over the last {len(recent)} "
                         f"run(s) is {median:g}: check that the site still has this layout "
                         "(start URLs, allow patterns)")
    if not ever_stored and now.listed == 0 and all(r.listed == 0 for r in previous):
        runs = len(previous) + 1
        flags.append(f"never yielded: no article URL listed in {runs} run(s): check start_urls and allow "
                     "(`edualliance sources check` shows what the start page links to)")
    return flags


def source_health(store, names: list[str] | None = None, runs: int = 8,
                  kinds: tuple[str, ...] = ("crawl", "run", "demo")) -> dict[str, SourceHealth]:
    """Each source's latest ``runs`` runs (oldest first), when it last stored a new article, and the
    flags of its latest run judged against the runs before it (as `run` judged them)."""
    rows = store.recent_runs(kinds, limit=500)
    last_new = store.last_new_by_source()
    wide = history(rows, names, last_new, limit=HISTORY_RUNS + 1)
    shown = {}
    for name, item in sorted(wide.items()):
        if item.runs:
            item.flags = judge(item.runs[:-1], item.runs[-1], ever_stored=name in last_new)
        item.runs = item.runs[-runs:]
        shown[name] = item
    return shown


def health_lines(report: dict[str, SourceHealth]) -> list[str]:
    """The `sources health` table: one line per source, its flags under it."""
    width = max([len("source")] + [len(n) for n in report])
    lines = [f"{'source':<{width}}  {'runs':>4}  {'listed (oldest → newest)':<28}  {'new':<20}  "
             f"{'errors':<20}  last new article"]
    for name, item in report.items():
        def series(attr: str, size: int) -> str:
            text = " ".join(str(getattr(r, attr)) for r in item.runs) or "-"
            return text if len(text) <= size else "…" + text[-(size - 1):]

        last = item.last_new.strftime("%Y-%m-%d %H:%M") if item.last_new else "never"
        lines.append(f"{name:<{width}}  {len(item.runs):>4}  {series('listed', 28):<28}  {series('new', 20):<20}  "
                     f"{series('errors', 20):<20}  {last}")
        lines.extend(f"{'':<{width}}  FLAG: {flag}" for flag in item.flags)
    return lines
