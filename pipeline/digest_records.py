"""Digest sections from the extracted records (issue 15): "Documents issued this week" and
"Largest reported figures". A small module the digest calls; it reads the views of
migration 0010 through the store and renders Markdown lines and an HTML fragment,
crawled text escaped.

* Documents issued this week: policy documents whose issue date falls in the week,
  then those first reported this week whose issue date no article gives.
* Largest reported figures: for each thing counted (alliances, schools, pairs,
  teachers, funds …), the largest figure stated in the week's articles, one per
  story, with its place, whether it is a goal, and the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from .tables import markdown_text

#: Documents listed per part of the section (issued this week / first reported this week).
DOCUMENTS_SHOWN = 15

#: What figures are ranked in, in this order; shares (%) are not sizes and are left out.
COUNTED_ORDER = ("alliances", "schools", "pairs", "teachers", "principals", "students", "funds", "activities")

COUNTED_NAMES = {
    "alliances": "alliances (集团/教联体/学区/共同体)", "schools": "schools", "pairs": "school pairs (结对)",
    "teachers": "teachers", "principals": "principals and managers", "students": "students",
    "funds": "funds (万元)", "activities": "joint activities",
}

LEVEL_NAMES = {"national": "national", "provincial": "provincial", "city": "city", "county": "county"}


@dataclass(frozen=True)
class RecordSections:
    issued: list[tuple]  # title, doc_number, kind, level, place, issued, issuers, models, citing_articles
    first_reported: list[tuple]  # same columns, issue date unknown or before the week
    figures: list[tuple]  # counted, value, value_max, qualifier, unit, place, is_target, title, url, sentence


def _place(province, city, county) -> str:
    return " ".join(p for p in (province, city, county) if p) or "—"


def build_sections(store, week_start: date) -> RecordSections | None:
    """The two sections for the ISO week that starts on ``week_start`` (a Monday, Beijing time);
    None when the database predates the records (published before migration 0010)."""
    if not store.has_records():
        return None
    end = week_start + timedelta(days=7)
    issued = store.documents_issued_between(week_start, end, DOCUMENTS_SHOWN)
    first = store.documents_first_reported_between(week_start, end, DOCUMENTS_SHOWN)
    figures = store.largest_figures_of_week(week_start)
    order = {c: i for i, c in enumerate(COUNTED_ORDER)}
    figures.sort(key=lambda r: order.get(r[0], len(order)))
    return RecordSections(
        issued=[_document(r) for r in issued],
        first_reported=[_document(r) for r in first],
        figures=[(r[0], r[1], r[2], r[3], r[4], _place(r[5], r[6], r[7]), r[8], r[9], r[10], r[11]) for r in figures],
    )


def _document(r: tuple) -> tuple:
    title, number, kind, level, province, city, county, issued, issuers, models, citing = r
    return (title, number, kind, level, _place(province, city, county), issued, list(issuers or []),
            list(models or []), citing)


def _figure(value: float, value_max: float | None, qualifier: str | None, unit: str) -> str:
    text = f"{value:g}" + (f"–{value_max:g}" if value_max is not None else "")
    prefix = {"more_than": "over ", "at_least": "at least ", "at_most": "at most ", "about": "about "}.get(qualifier or "", "")
    return f"{prefix}{text} {unit}"


def render_markdown(s: RecordSections) -> list[str]:
    lines = ["## Documents issued this week", ""]
    if s.issued:
        lines += ["| document | 文号 | kind | level | place | issued | by | models | citing articles |",
                  "|---|---|---|---|---|---|---|---|---:|"]
        for title, number, kind, level, place, issued, issuers, models, citing in s.issued:
            lines.append(f"| 《{markdown_text(title)}》 | {markdown_text(number)} | {markdown_text(kind)} |"
                         f" {LEVEL_NAMES.get(level, '—')} | {markdown_text(place)} | {issued} |"
                         f" {markdown_text('、'.join(issuers))} | {', '.join(models)} | {citing} |")
    else:
        lines.append("No article gives a document issued this week.")
    if s.first_reported:
        lines += ["", "First reported this week (issued earlier, or on a date no article gives):", "",
                  "| document | 文号 | kind | level | place | issued | models |", "|---|---|---|---|---|---|---|"]
        for title, number, kind, level, place, issued, _issuers, models, _citing in s.first_reported:
            lines.append(f"| 《{markdown_text(title)}》 | {markdown_text(number)} | {markdown_text(kind)} |"
                         f" {LEVEL_NAMES.get(level, '—')} | {markdown_text(place)} | {issued or '—'} |"
                         f" {', '.join(models)} |")
    lines += ["", "## Largest reported figures", "",
              "The largest figure of each kind stated in this week's articles (a story and its reposts once).", ""]
    if s.figures:
        lines += ["| what | figure | place | goal | article | sentence |", "|---|---:|---|---|---|---|"]
        for counted, value, value_max, qualifier, unit, place, target, title, _url, sentence in s.figures:
            lines.append(f"| {COUNTED_NAMES.get(counted, counted)} | {_figure(value, value_max, qualifier, unit)} |"
                         f" {markdown_text(place)} | {'goal' if target else ''} | {markdown_text(title)} |"
                         f" {markdown_text(sentence)} |")
    else:
        lines.append("No figure about a reform in this week's articles.")
    return lines


def _href(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def render_html(s: RecordSections) -> str:
    out = ["<h2>Documents issued this week</h2>"]
    if s.issued:
        out.append("<table><tr><th>document</th><th>文号</th><th>kind</th><th>level</th><th>place</th>"
                   "<th>issued</th><th>by</th><th>models</th><th>citing articles</th></tr>")
        for title, number, kind, level, place, issued, issuers, models, citing in s.issued:
            out.append(f"<tr><td>《{escape(title or '')}》</td><td>{escape(number or '')}</td><td>{escape(kind or '')}</td>"
                       f"<td>{LEVEL_NAMES.get(level, '—')}</td><td>{escape(place)}</td><td>{issued}</td>"
                       f"<td>{escape('、'.join(issuers))}</td><td>{escape(', '.join(models))}</td><td>{citing}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No article gives a document issued this week.</p>")
    if s.first_reported:
        out.append("<p>First reported this week (issued earlier, or on a date no article gives):</p><ul>")
        for title, number, kind, level, place, issued, _issuers, models, _citing in s.first_reported:
            out.append(f"<li>《{escape(title or '')}》 {escape(number or '')} ({escape(kind or '')},"
                       f" {LEVEL_NAMES.get(level, '—')}, {escape(place)}, issued {issued or '—'})</li>")
        out.append("</ul>")
    out.append("<h2>Largest reported figures</h2>")
    if s.figures:
        out.append("<table><tr><th>what</th><th>figure</th><th>place</th><th>goal</th><th>article</th>"
                   "<th>sentence</th></tr>")
        for counted, value, value_max, qualifier, unit, place, target, title, url, sentence in s.figures:
            href = _href(url)
            link = (f'<a href="{escape(href, quote=True)}">{escape(title or "")}</a>' if href
                    else escape(title or ""))
            out.append(f"<tr><td>{escape(COUNTED_NAMES.get(counted, counted))}</td>"
                       f"<td>{escape(_figure(value, value_max, qualifier, unit))}</td><td>{escape(place)}</td>"
                       f"<td>{'goal' if target else ''}</td><td>{link}</td><td>{escape(sentence)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No figure about a reform in this week's articles.</p>")
    return "\n".join(out)
