"""The weekly policy-trend digest: what changed in one ISO week.

Weeks are ISO weeks in Asia/Shanghai, Monday to Sunday: an article counts in
the week it was published (Beijing time, as pages print it), or, without a
date, the week it was collected. Counts are per story (a story and its
reposts count once) next to raw article counts, and as a share of all
stories collected that week.

``write_digest`` writes ``digest-<week>.md``, a self-contained
``digest-<week>.html`` (charts as inline SVG, no scripts, no external files)
and refreshes ``feed.xml``, an Atom feed of every digest in the folder.
Titles, snippets and names from crawled pages are escaped everywhere.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from . import digest_records
from .charts import COLOURS, bar_chart, diffusion_chart, esc, line_chart
from .records import LABELS, NONE_LABEL
from .tables import markdown_text
from .store import Store

#: Weeks of history the digest compares this week against.
TRAILING_WEEKS = 12

#: Stories listed under "top stories".
TOP_STORIES = 10

#: Emerging terms: stories sampled this week and per baseline week, and terms shown.
TERMS_THIS_WEEK = 600
TERMS_PER_BASELINE_WEEK = 100
TERMS_SHOWN = 15
TERM_MIN_STORIES = 3

#: Digests kept in the Atom feed.
FEED_ENTRIES = 52

LABEL_NAMES = {
    "jiaolianti": "教联体 (jiaolianti)",
    "group_run": "集团化办学 (group_run)",
    "district_community": "学区制/片区共同体 (district_community)",
    "urban_rural": "城乡学校共同体 (urban_rural)",
    NONE_LABEL: "none of the four",
}

#: Common words that say nothing about a week (two characters or more; single
#: characters are never terms).
STOPWORDS = frozenset(
    "我们 他们 你们 这个 那个 一个 没有 进行 开展 推进 推动 工作 发展 建设 全面 进一步 以及 通过 表示"
    " 记者 今年 目前 相关 实现 提升 加强 其中 已经 同时 不断 持续 各类 有关 方面 问题 情况 主要 重要"
    " 他说 她说 介绍 据悉 了解 据了解 此外 因此 所以 但是 如果 可以 能够 需要 一些 这些 那些 以来"
    " 下一步 来自 此次 活动 参加 举行 召开 会议 强调 指出 要求 坚持 围绕 进入 成为 之间 以上 以下".split()
)

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"^[\d.,%％年月日号]+$")
_FEED_FILE = re.compile(r"^digest-(\d{4}-W\d{2})\.html$")


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


# -- data ------------------------------------------------------------------------


@dataclass
class Digest:
    week_start: date
    weeks: list[date]  # the trailing weeks and this one, oldest first
    model_version: str | None
    stories: dict[tuple[date, str], int]
    articles: dict[tuple[date, str], int]
    week_stories: dict[date, int]
    week_articles: dict[date, int]
    first_reports: list[tuple]  # (label, level, province, city, first_published, title, outlet)
    reporting_before: dict[tuple[str, str], int]  # (label, level) → regions before this week
    reporting_after: dict[tuple[str, str], int]  # … by the end of this week
    top_stories: list[tuple]  # (title, label, articles, outlets, outlet names, first published, url)
    emerging: list[tuple[str, int, int, float, float]]  # term, stories now, baseline, share now, baseline share
    sampled: tuple[int, int] = (0, 0)  # stories read for terms: this week, baseline
    silent_sources: list[tuple[str, int, datetime | None]] = field(default_factory=list)
    active_sources: list[tuple[str, int]] = field(default_factory=list)
    errors: list[tuple[str, str, int, str]] = field(default_factory=list)
    failed_runs: list[tuple] = field(default_factory=list)
    #: label → (first report, province) up to the end of the week, for labels that spread this week
    diffusion: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    #: documents issued and largest figures (pipeline/digest_records.py); None on a snapshot without them
    records: digest_records.RecordSections | None = None

    @property
    def name(self) -> str:
        return week_name(self.week_start)

    @property
    def this_stories(self) -> int:
        return self.week_stories.get(self.week_start, 0)

    @property
    def this_articles(self) -> int:
        return self.week_articles.get(self.week_start, 0)

    def trailing_mean(self, label: str) -> float:
        previous = self.weeks[:-1]
        return sum(self.stories.get((w, label), 0) for w in previous) / max(len(previous), 1)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def build_digest(store: Store, week_start: date) -> Digest:
    week_start = _as_date(week_start)
    weeks = [week_start - timedelta(weeks=n) for n in range(TRAILING_WEEKS, -1, -1)]
    first, next_week = weeks[0], week_start + timedelta(weeks=1)
    stories, articles = {}, {}
    for week, label, n_articles, n_stories in store.week_label_counts(first, week_start):
        stories[(_as_date(week), label)] = n_stories
        articles[(_as_date(week), label)] = n_articles
    week_articles, week_stories = {}, {}
    for week, n_articles, n_stories in store.week_totals(first, week_start):
        week_articles[_as_date(week)] = n_articles
        week_stories[_as_date(week)] = n_stories
    start_dt = datetime.combine(week_start, datetime.min.time())
    end_dt = datetime.combine(next_week, datetime.min.time())
    before = {(label, level): n for label, level, n in store.regions_reporting(start_dt)}
    after = {(label, level): n for label, level, n in store.regions_reporting(end_dt)}
    digest = Digest(
        week_start=week_start, weeks=weeks, model_version=store.latest_model_version(),
        stories=stories, articles=articles, week_stories=week_stories, week_articles=week_articles,
        first_reports=store.first_reports_between(start_dt, end_dt),
        reporting_before=before, reporting_after=after,
        top_stories=store.top_stories(week_start, TOP_STORIES),
        emerging=[],
    )
    digest.emerging, digest.sampled = emerging_terms(store, week_start, first)
    for label in LABELS:
        if after.get((label, "province"), 0) > before.get((label, "province"), 0):
            digest.diffusion[label] = [(row[2], row[0]) for row in store.diffusion(label, "province")
                                       if row[2] < end_dt]
    # Sources: collected this week against the trailing weeks; errors and failed runs (UTC in the db).
    for source, now, trailing, last in store.source_activity(week_start, first):
        if now:
            digest.active_sources.append((source, now))
        elif trailing:
            digest.silent_sources.append((source, trailing, last))
    digest.records = digest_records.build_sections(store, week_start)
    start_utc, end_utc = start_dt - timedelta(hours=8), end_dt - timedelta(hours=8)
    digest.errors = store.week_errors(start_utc, end_utc)
    digest.failed_runs = store.failed_runs(start_utc, end_utc)
    return digest


def _terms_of(text: str) -> set[str]:
    from .search import tokenizer

    out = set()
    for word in tokenizer().lcut(text, HMM=False):
        word = word.strip()
        if len(word) >= 2 and _CJK.search(word) and word not in STOPWORDS and not _DIGITS.match(word):
            out.add(word)
    return out


def emerging_terms(store: Store, week_start: date, first_week: date
                   ) -> tuple[list[tuple[str, int, int, float, float]], tuple[int, int]]:
    """Words in more of this week's stories than the trailing baseline would predict.

    Reads a sample of stories (title and opening): up to TERMS_THIS_WEEK this
    week and TERMS_PER_BASELINE_WEEK per earlier week. A word's score is the
    log ratio of its story share this week to its smoothed baseline share.
    """
    now_docs = store.story_texts(week_start, week_start, TERMS_THIS_WEEK)
    base_docs = store.story_texts(first_week, week_start - timedelta(weeks=1), TERMS_PER_BASELINE_WEEK)
    now, base = Counter(), Counter()
    for _, title, text in now_docs:
        now.update(_terms_of(f"{title or ''}\n{(text or '')[:150]}"))
    for _, title, text in base_docs:
        base.update(_terms_of(f"{title or ''}\n{(text or '')[:150]}"))
    n_now, n_base = len(now_docs), len(base_docs)
    if not n_now:
        return [], (0, n_base)
    scored = []
    for term, count in now.items():
        if count < TERM_MIN_STORIES:
            continue
        share_now = count / n_now
        share_base = (base.get(term, 0) + 0.5) / (n_base + 1)
        score = math.log(share_now / share_base)
        if score > math.log(1.5):
            scored.append((score, term, count, base.get(term, 0), share_now, base.get(term, 0) / max(n_base, 1)))
    scored.sort(key=lambda s: (-s[0], -s[2], s[1]))
    return [(t, c, b, sn, sb) for _, t, c, b, sn, sb in scored[:TERMS_SHOWN]], (n_now, n_base)


# -- Markdown ----------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _sources_line(active: int) -> str:
    return f"{active} source{'' if active == 1 else 's'} delivered articles this week."


def _date(value: datetime | date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def render_markdown(d: Digest) -> str:
    end = d.week_start + timedelta(days=6)
    lines = [
        f"# Policy-trend digest {d.name}",
        "",
        f"Week of {d.week_start:%Y-%m-%d} to {end:%Y-%m-%d} (Asia/Shanghai): {d.this_stories} stories"
        f" ({d.this_articles} articles with reposts) collected; labels by `{d.model_version or 'none'}`.",
        "",
        "## Articles per model type",
        "",
        f"Stories (a story and its reposts count once) per model type, as a share of all stories"
        f" collected this week, against the mean of the previous {TRAILING_WEEKS} weeks.",
        "",
        f"| model type | stories | articles | share of the week | mean of previous {TRAILING_WEEKS} weeks |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in LABELS:
        n = d.stories.get((d.week_start, label), 0)
        lines.append(f"| {LABEL_NAMES[label]} | {n} | {d.articles.get((d.week_start, label), 0)} |"
                     f" {_pct(n, d.this_stories)} | {d.trailing_mean(label):.1f} |")
    lines += ["", f"Weekly stories per model type, {week_name(d.weeks[0])} to {d.name}:", "",
              "| week | all stories | " + " | ".join(LABELS) + " |",
              "|---|---:|" + "---:|" * len(LABELS)]
    for week in d.weeks:
        cells = " | ".join(str(d.stories.get((week, label), 0)) for label in LABELS)
        lines.append(f"| {week_name(week)} | {d.week_stories.get(week, 0)} | {cells} |")

    lines += ["", "## Regions reporting a model for the first time", ""]
    if d.first_reports:
        lines += ["| model type | level | region | first report | article | outlet |", "|---|---|---|---|---|---|"]
        for label, level, province, city, published, title, outlet in d.first_reports:
            region = f"{province} {city}" if city else province
            lines.append(f"| {label} | {level} | {markdown_text(region)} | {_date(published)} | {markdown_text(title)} | {markdown_text(outlet)} |")
    else:
        lines.append("No province or city reported a model for the first time this week.")
    lines += ["", "### Diffusion so far", "",
              "| model type | provinces before | provinces now | cities before | cities now |",
              "|---|---:|---:|---:|---:|"]
    for label in LABELS:
        lines.append(
            f"| {label} | {d.reporting_before.get((label, 'province'), 0)} |"
            f" {d.reporting_after.get((label, 'province'), 0)} |"
            f" {d.reporting_before.get((label, 'city'), 0)} | {d.reporting_after.get((label, 'city'), 0)} |"
        )

    lines += ["", "## Top stories", ""]
    if d.top_stories:
        lines += ["| story | model type | outlets | articles | first published |", "|---|---|---:|---:|---|"]
        for title, label, n_articles, n_outlets, _names, published, _url in d.top_stories:
            lines.append(f"| {markdown_text(title)} | {label} | {n_outlets} | {n_articles} | {_date(published)} |")
    else:
        lines.append("No story about a reform model this week.")

    lines += ["", "## Emerging terms", "",
              f"Words in more of this week's stories than in the previous {TRAILING_WEEKS} weeks"
              f" (sampled {d.sampled[0]} stories this week, {d.sampled[1]} before).", ""]
    if d.emerging:
        lines += ["| term | stories this week | share | share before |", "|---|---:|---:|---:|"]
        for term, count, _base, share_now, share_base in d.emerging:
            lines.append(f"| {markdown_text(term)} | {count} | {share_now:.1%} | {share_base:.1%} |")
    else:
        lines.append("No term stands out this week.")

    if d.records:
        lines += ["", *digest_records.render_markdown(d.records)]
    lines += ["", "## Sources", ""]
    lines.append(_sources_line(len(d.active_sources)))
    if d.silent_sources:
        lines += ["", f"Silent this week (delivered in the previous {TRAILING_WEEKS} weeks):", "",
                  "| source | articles in previous weeks | last article stored (UTC) |", "|---|---:|---|"]
        for source, trailing, last in d.silent_sources:
            lines.append(f"| {markdown_text(source)} | {trailing} | {_date(last)} |")
    if d.errors:
        lines += ["", "Failures this week:", "", "| source | stage | errors | example |", "|---|---|---:|---|"]
        for who, stage, n, message in d.errors:
            lines.append(f"| {markdown_text(who)} | {stage} | {n} | {markdown_text(message)} |")
    if d.failed_runs:
        lines += ["", "Runs that failed: " + ", ".join(f"run {r[0]} ({r[1]}, {_date(r[2])})" for r in d.failed_runs)]
    if not (d.silent_sources or d.errors or d.failed_runs):
        lines += ["", "No source failed or went silent."]
    return "\n".join(lines) + "\n"


# -- HTML --------------------------------------------------------------------------

_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;max-width:62rem;
margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
td.n{text-align:right}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
.muted{color:#666}svg{max-width:100%;height:auto}
"""


def _safe_href(url: str | None) -> str | None:
    """Only plain web addresses become links (never javascript: or data:)."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _label_cell(label: str) -> str:
    colour = COLOURS.get(label, "#222")
    return f'<span class="swatch" style="background:{colour}"></span>{esc(label)}'


def render_html(d: Digest) -> str:
    end = d.week_start + timedelta(days=6)
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Policy-trend digest {esc(d.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Policy-trend digest {esc(d.name)}</h1>",
        f"<p>Week of {d.week_start:%Y-%m-%d} to {end:%Y-%m-%d} (Asia/Shanghai): <b>{d.this_stories}</b> stories"
        f" ({d.this_articles} articles with reposts) collected; labels by <code>{esc(d.model_version or 'none')}</code>.</p>",
        "<h2>Articles per model type</h2>",
    ]
    names = {label: LABEL_NAMES[label] for label in LABELS}
    out.append(line_chart(
        {label: [d.stories.get((w, label), 0) for w in d.weeks] for label in LABELS},
        [week_name(w)[2:] for w in d.weeks],
        title=f"Stories per model type, last {TRAILING_WEEKS + 1} weeks (this week shaded)",
        y_title="stories", names=names,
    ))
    out.append(bar_chart(
        {label: d.stories.get((d.week_start, label), 0) for label in LABELS},
        title=f"This week against the mean of the previous {TRAILING_WEEKS} weeks (dashed)",
        names=names, reference={label: d.trailing_mean(label) for label in LABELS},
    ))
    out.append("<table><tr><th>model type</th><th>stories</th><th>articles</th><th>share of the week</th>"
               f"<th>mean of previous {TRAILING_WEEKS} weeks</th></tr>")
    for label in LABELS:
        n = d.stories.get((d.week_start, label), 0)
        swatch = f'<span class="swatch" style="background:{COLOURS[label]}"></span>'
        out.append(f"<tr><td>{swatch}{esc(LABEL_NAMES[label])}</td><td class=n>{n}</td>"
                   f"<td class=n>{d.articles.get((d.week_start, label), 0)}</td>"
                   f"<td class=n>{_pct(n, d.this_stories)}</td><td class=n>{d.trailing_mean(label):.1f}</td></tr>")
    out.append("</table>")

    out.append("<h2>Regions reporting a model for the first time</h2>")
    if d.first_reports:
        out.append("<table><tr><th>model type</th><th>level</th><th>region</th><th>first report</th>"
                   "<th>article</th><th>outlet</th></tr>")
        for label, level, province, city, published, title, outlet in d.first_reports:
            region = f"{province} {city}" if city else province
            out.append(f"<tr><td>{_label_cell(label)}</td><td>{esc(level)}</td><td>{esc(region)}</td>"
                       f"<td>{_date(published)}</td><td>{esc(title or '')}</td><td>{esc(outlet or '')}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No province or city reported a model for the first time this week.</p>")
    out.append("<h3>Diffusion so far</h3><table><tr><th>model type</th><th>provinces before</th>"
               "<th>provinces now</th><th>cities before</th><th>cities now</th></tr>")
    for label in LABELS:
        out.append(
            f"<tr><td>{_label_cell(label)}</td><td class=n>{d.reporting_before.get((label, 'province'), 0)}</td>"
            f"<td class=n>{d.reporting_after.get((label, 'province'), 0)}</td>"
            f"<td class=n>{d.reporting_before.get((label, 'city'), 0)}</td>"
            f"<td class=n>{d.reporting_after.get((label, 'city'), 0)}</td></tr>")
    out.append("</table>")
    for label, points in d.diffusion.items():
        out.append(diffusion_chart(points, title=f"{LABEL_NAMES[label]}: provinces reporting it (cumulative)",
                                   colour=COLOURS[label], until=end, width=480, height=260))

    out.append("<h2>Top stories</h2>")
    if d.top_stories:
        out.append("<table><tr><th>story</th><th>model type</th><th>outlets</th><th>articles</th>"
                   "<th>first published</th></tr>")
        for title, label, n_articles, n_outlets, outlet_names, published, url in d.top_stories:
            href = _safe_href(url)
            text = esc(title or "(untitled)")
            cell = f'<a href="{esc(href)}" rel="noopener noreferrer">{text}</a>' if href else text
            carried = esc("、".join(outlet_names or []))
            out.append(f"<tr><td>{cell}<div class=muted>{carried}</div></td><td>{_label_cell(label)}</td>"
                       f"<td class=n>{n_outlets}</td><td class=n>{n_articles}</td><td>{_date(published)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No story about a reform model this week.</p>")

    out.append("<h2>Emerging terms</h2>")
    out.append(f"<p class=muted>Words in more of this week's stories than in the previous {TRAILING_WEEKS} weeks"
               f" (sampled {d.sampled[0]} stories this week, {d.sampled[1]} before).</p>")
    if d.emerging:
        out.append("<table><tr><th>term</th><th>stories this week</th><th>share</th><th>share before</th></tr>")
        for term, count, _base, share_now, share_base in d.emerging:
            out.append(f"<tr><td>{esc(term)}</td><td class=n>{count}</td><td class=n>{share_now:.1%}</td>"
                       f"<td class=n>{share_base:.1%}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No term stands out this week.</p>")

    if d.records:
        out.append(digest_records.render_html(d.records))
    out.append("<h2>Sources</h2>")
    out.append(f"<p>{esc(_sources_line(len(d.active_sources)))}</p>")
    if d.silent_sources:
        out.append(f"<p>Silent this week (delivered in the previous {TRAILING_WEEKS} weeks):</p>"
                   "<table><tr><th>source</th><th>articles in previous weeks</th><th>last article stored (UTC)</th></tr>")
        for source, trailing, last in d.silent_sources:
            out.append(f"<tr><td>{esc(source)}</td><td class=n>{trailing}</td><td>{_date(last)}</td></tr>")
        out.append("</table>")
    if d.errors:
        out.append("<p>Failures this week:</p><table><tr><th>source</th><th>stage</th><th>errors</th><th>example</th></tr>")
        for who, stage, n, message in d.errors:
            out.append(f"<tr><td>{esc(who)}</td><td>{esc(stage)}</td><td class=n>{n}</td><td>{esc(message)}</td></tr>")
        out.append("</table>")
    if d.failed_runs:
        out.append("<p>Runs that failed: " + esc(", ".join(f"run {r[0]} ({r[1]}, {_date(r[2])})" for r in d.failed_runs))
                   + "</p>")
    if not (d.silent_sources or d.errors or d.failed_runs):
        out.append("<p>No source failed or went silent.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- Atom --------------------------------------------------------------------------


def _summary_of(md_path: Path) -> str:
    try:
        lines = md_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return lines[2] if len(lines) > 2 else ""


def write_feed(out_dir: Path, base_url: str | None = None) -> Path:
    """feed.xml: an Atom feed with an entry per digest-<week>.html in ``out_dir``, newest first."""
    entries = []
    for path in out_dir.iterdir():
        match = _FEED_FILE.match(path.name)
        if match:
            entries.append((match[1], path))
    entries.sort(reverse=True)
    entries = entries[:FEED_ENTRIES]

    def stamp(path: Path) -> str:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    updated = max((stamp(p) for _, p in entries), default=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    base = (base_url.rstrip("/") + "/") if base_url else ""
    xml = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>edualliance weekly policy-trend digests</title>",
           "<id>urn:edualliance:digests</id>", f"<updated>{updated}</updated>",
           "<author><name>edualliance</name></author>",
           f'<link rel="self" href="{esc(base + "feed.xml")}"/>']
    for week, path in entries:
        summary = _summary_of(path.with_suffix(".md"))
        xml += [
            "<entry>",
            f"<title>Policy-trend digest {esc(week)}</title>",
            f"<id>urn:edualliance:digest:{esc(week)}</id>",
            f"<updated>{stamp(path)}</updated>",
            f'<link rel="alternate" type="text/html" href="{esc(base + path.name)}"/>',
            f"<summary>{esc(summary)}</summary>",
            "</entry>",
        ]
    xml.append("</feed>")
    feed = out_dir / "feed.xml"
    feed.write_text("\n".join(xml) + "\n", encoding="utf-8")
    return feed


# -- entry point -------------------------------------------------------------------


def resolve_week(store: Store, week: str | None) -> date:
    if week is not None:
        return parse_week(week).date()
    latest = store.latest_week_start()
    if latest is None:
        raise DigestError("the database has no articles yet: run `edualliance ingest` or `crawl` first")
    return _as_date(latest)


def write_digest(store: Store, week: str | None, out_dir: Path, *, feed_base_url: str | None = None) -> list[Path]:
    """Write digest-<week>.md and .html for the given ISO week (default: the latest with
    articles) and refresh feed.xml; return the three paths."""
    if store.latest_model_version() is None:
        raise DigestError("the database has no classified articles yet: run `edualliance ingest` or `crawl` first")
    digest = build_digest(store, resolve_week(store, week))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / f"digest-{digest.name}.md"
    html_path = out_dir / f"digest-{digest.name}.html"
    md_path.write_text(render_markdown(digest), encoding="utf-8")
    html_path.write_text(render_html(digest), encoding="utf-8")
    return [md_path, html_path, write_feed(out_dir, feed_base_url)]
