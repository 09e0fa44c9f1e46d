"""What a week's digest says, gathered from the snapshot into one ``Digest`` record.

Being right about the week:
- Source health comes from the runs that started in the week's window
  (Monday 00:00 to Monday 00:00, Beijing time), not from when articles were
  stored or published.
- Collection begins at the first collecting run or the earliest dated
  article, whichever is earlier. Weeks before that are *not collected*: shown
  as such, left out of the trailing means, and the week collection began in
  reports no "first report" (everything seen that week is the corpus's first).
- 教联体 counts the school-alliance sense; the home–school–society sense is a
  row of its own (``jiaolianti_home_school``) and never counts as 教联体 in
  first reports or diffusion.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..records import LABELS
from .records import RecordSections, build_sections
from .terms import emerging_terms
from .weeks import BEIJING_OFFSET, as_date, monday_of, week_name

#: Weeks of history the digest compares this week against.
TRAILING_WEEKS = 12

#: Stories listed under "top stories".
TOP_STORIES = 10

#: Rows of the model table: the four labels, then 教联体's other sense apart.
ROWS: tuple[str, ...] = (*LABELS, "jiaolianti_home_school")

#: Run counters shown per source, and the ones that mean the source delivered.
RUN_COUNTERS: tuple[str, ...] = ("listed", "fetched", "new", "updated", "errors")


@dataclass(frozen=True)
class FirstReport:
    label: str
    level: str  # province | city
    province: str
    city: str | None
    published: datetime
    article_id: str
    title: str | None
    outlet: str | None
    url: str | None


@dataclass(frozen=True)
class TopStory:
    story_id: str
    title: str | None
    label: str
    articles: int
    outlets: int
    outlet_names: tuple[str, ...]
    published: datetime | None
    url: str | None
    province: str | None
    city: str | None
    snippet: str


@dataclass
class SourceHealth:
    source: str
    runs: int = 0
    listed: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0

    @property
    def delivered(self) -> bool:
        return self.new + self.updated > 0


@dataclass
class Digest:
    week_start: date
    weeks: list[date]  # the trailing weeks and this one, oldest first
    collected_from: date | None  # Monday of the week collection began (None: nothing collected)
    model_version: str | None
    stories: dict[tuple[date, str], int]
    articles: dict[tuple[date, str], int]
    week_stories: dict[date, int]
    week_articles: dict[date, int]
    first_reports: list[FirstReport]
    first_reports_withheld: int  # regions first seen in the week collection began
    reporting_before: dict[tuple[str, str], int]  # (label, level) → regions before this week
    reporting_after: dict[tuple[str, str], int]  # … by the end of this week
    top_stories: list[TopStory]
    emerging: list[tuple[str, int, int, float, float]]  # term, stories now, baseline, share now, share before
    sampled: tuple[int, int] = (0, 0)
    runs: list[tuple[int, str, datetime, str]] = field(default_factory=list)  # (id, kind, started UTC, status)
    sources: list[SourceHealth] = field(default_factory=list)  # per source, over this week's runs
    silent_sources: list[tuple[str, int]] = field(default_factory=list)  # (source, new in earlier runs)
    flags: list[str] = field(default_factory=list)
    errors: list[tuple[str, str, int, str]] = field(default_factory=list)
    failed_runs: list[tuple] = field(default_factory=list)
    #: label → (first report, province) up to the end of the week, for labels that spread this week
    diffusion: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    #: documents issued and largest figures (records.py); None on a snapshot without them
    records: RecordSections | None = None

    @property
    def name(self) -> str:
        return week_name(self.week_start)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def this_stories(self) -> int:
        return self.week_stories.get(self.week_start, 0)

    @property
    def this_articles(self) -> int:
        return self.week_articles.get(self.week_start, 0)

    def collected(self, week: date) -> bool:
        return self.collected_from is not None and week >= self.collected_from

    @property
    def is_first_week(self) -> bool:
        return self.collected_from == self.week_start

    @property
    def previous_collected(self) -> list[date]:
        return [w for w in self.weeks[:-1] if self.collected(w)]

    def trailing_mean(self, label: str) -> float | None:
        """Mean stories a week over the previous collected weeks; None when there were none."""
        previous = self.previous_collected
        if not previous:
            return None
        return sum(self.stories.get((w, label), 0) for w in previous) / len(previous)

    @property
    def sources_delivering(self) -> int:
        return sum(1 for s in self.sources if s.delivered)


def _source_health(runs: list[tuple]) -> tuple[dict[str, SourceHealth], list[str]]:
    health: dict[str, SourceHealth] = {}
    flags: list[str] = []
    for _run_id, kind, _started, _status, counts in runs:
        per_source = counts.get("sources")
        if isinstance(per_source, dict):  # a crawl: counts per source
            for name, c in per_source.items():
                h = health.setdefault(name, SourceHealth(name))
                h.runs += 1
                for key in RUN_COUNTERS:
                    value = c.get(key, 0) if isinstance(c, dict) else 0
                    setattr(h, key, getattr(h, key) + (value if isinstance(value, int) else 0))
            flags += [str(f) for f in counts.get("flags") or []]
        elif kind == "ingest":  # local files: one line for the kind of run
            h = health.setdefault(f"({kind})", SourceHealth(f"({kind})"))
            h.runs += 1
            h.listed += int(counts.get("pages", 0) or 0)
            h.fetched += int(counts.get("pages_ok", 0) or 0)
            h.new += int(counts.get("articles_new", 0) or 0)
            h.updated += int(counts.get("articles_updated", 0) or 0)
            h.errors += int(counts.get("errors", 0) or 0)
    return health, flags


def build_digest(store, week_start: date) -> Digest:
    week_start = monday_of(week_start)
    weeks = [week_start - timedelta(weeks=n) for n in range(TRAILING_WEEKS, -1, -1)]
    first, next_week = weeks[0], week_start + timedelta(weeks=1)
    began = store.collection_start()
    collected_from = monday_of(began) if began is not None else None

    stories, articles = {}, {}
    for week, label, n_articles, n_stories in store.week_label_sense_counts(first, week_start):
        stories[(as_date(week), label)] = n_stories
        articles[(as_date(week), label)] = n_articles
    week_articles, week_stories = {}, {}
    for week, n_articles, n_stories in store.week_totals(first, week_start):
        week_articles[as_date(week)] = n_articles
        week_stories[as_date(week)] = n_stories

    start_dt = datetime.combine(week_start, datetime.min.time())
    end_dt = datetime.combine(next_week, datetime.min.time())
    firsts = [FirstReport(*row) for row in store.first_reports_sensed()]
    before = Counter((f.label, f.level) for f in firsts if f.published < start_dt)
    after = Counter((f.label, f.level) for f in firsts if f.published < end_dt)
    this_week = [f for f in firsts if start_dt <= f.published < end_dt]
    this_week.sort(key=lambda f: (f.label, f.level != "province", f.published, f.province, f.city or ""))
    withheld = 0
    if collected_from is None or week_start <= collected_from:
        withheld, this_week = len(this_week), []

    digest = Digest(
        week_start=week_start, weeks=weeks, collected_from=collected_from,
        model_version=store.selected_model() or store.latest_model_version(),  # what the views read
        stories=stories, articles=articles, week_stories=week_stories, week_articles=week_articles,
        first_reports=this_week, first_reports_withheld=withheld,
        reporting_before=dict(before), reporting_after=dict(after),
        top_stories=[TopStory(*row[:5], tuple(row[5] or ()), *row[6:10], (row[10] or "").replace("\n", " "))
                     for row in store.top_stories(week_start, TOP_STORIES)],
        emerging=[],
    )
    digest.emerging, digest.sampled = emerging_terms(store, week_start, max(first, collected_from or first))
    for label in LABELS:
        if any(f.label == label and f.level == "province" for f in this_week):
            digest.diffusion[label] = [(f.published, f.province) for f in firsts
                                       if f.label == label and f.level == "province" and f.published < end_dt]

    # Source health: the runs that started in this week's window (stored in UTC).
    start_utc, end_utc = start_dt - BEIJING_OFFSET, end_dt - BEIJING_OFFSET
    runs = store.runs_between(start_utc, end_utc)
    health, digest.flags = _source_health(runs)
    digest.runs = [(r[0], r[1], r[2], r[3]) for r in runs]
    digest.sources = sorted(health.values(), key=lambda h: h.source)
    if runs:
        earlier, _ = _source_health(store.runs_between(
            datetime.combine(first, datetime.min.time()) - BEIJING_OFFSET, start_utc))
        for name, h in sorted(earlier.items()):
            if h.delivered and not (name in health and health[name].delivered):
                digest.silent_sources.append((name, h.new + h.updated))
    digest.errors = store.week_errors(start_utc, end_utc)
    digest.failed_runs = store.failed_runs(start_utc, end_utc)
    digest.records = build_sections(store, week_start)
    return digest
