"""Digest sections from the extracted records (issue 15): "Documents issued this week" and
"Largest reported figures", in Chinese or English. It reads the views of migration
0010 through the store and renders Markdown lines and an HTML fragment, crawled text
escaped.

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

from ..tables import markdown_text

#: Documents listed per part of the section (issued this week / first reported this week).
DOCUMENTS_SHOWN = 15

#: What figures are ranked in, in this order; shares (%) are not sizes and are left out.
COUNTED_ORDER = ("alliances", "schools", "pairs", "teachers", "principals", "students", "funds", "activities")

COUNTED_NAMES = {
    "en": {"alliances": "alliances (集团/教联体/学区/共同体)", "schools": "schools", "pairs": "school pairs (结对)",
           "teachers": "teachers", "principals": "principals and managers", "students": "students",
           "funds": "funds (万元)", "activities": "joint activities"},
    "zh": {"alliances": "联合体（集团/教联体/学区/共同体）", "schools": "学校", "pairs": "结对学校",
           "teachers": "教师", "principals": "校长及管理人员", "students": "学生", "funds": "资金（万元）",
           "activities": "联合活动"},
}

LEVEL_NAMES = {"en": {"national": "national", "provincial": "provincial", "city": "city", "county": "county"},
               "zh": {"national": "国家", "provincial": "省级", "city": "市级", "county": "县级"}}

TEXT = {
    "en": {"h_documents": "Documents issued this week", "h_figures": "Largest reported figures",
           "cols_issued": ("document", "文号", "kind", "level", "place", "issued", "by", "models", "citing articles"),
           "cols_first": ("document", "文号", "kind", "level", "place", "issued", "models"),
           "cols_figures": ("what", "figure", "place", "goal", "article", "sentence"),
           "none_issued": "No article gives a document issued this week.",
           "first_reported": "First reported this week (issued earlier, or on a date no article gives):",
           "figures_note": "The largest figure of each kind stated in this week's articles (a story and its"
                           " reposts once).",
           "none_figures": "No figure about a reform in this week's articles.", "goal": "goal", "issued_on": "issued",
           "qualifiers": {"more_than": "over ", "at_least": "at least ", "at_most": "at most ", "about": "about "}},
    "zh": {"h_documents": "本周印发的政策文件", "h_figures": "本周报道的最大数字",
           "cols_issued": ("文件", "文号", "类型", "层级", "地区", "印发日期", "发文机关", "改革模式", "引用文章数"),
           "cols_first": ("文件", "文号", "类型", "层级", "地区", "印发日期", "改革模式"),
           "cols_figures": ("统计对象", "数字", "地区", "目标", "文章", "原句"),
           "none_issued": "本周没有文章提到本周印发的文件。",
           "first_reported": "本周首次报道的文件（此前印发，或文章未给出印发日期）：",
           "figures_note": "本周文章中每类数字的最大值（同一报道及其转载只计一次）。",
           "none_figures": "本周文章中没有关于改革的数字。", "goal": "目标", "issued_on": "印发",
           "qualifiers": {"more_than": "超过", "at_least": "至少", "at_most": "至多", "about": "约"}},
}


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


def _figure(lang: str, value: float, value_max: float | None, qualifier: str | None, unit: str) -> str:
    text = f"{value:g}" + (f"–{value_max:g}" if value_max is not None else "")
    prefix = TEXT[lang]["qualifiers"].get(qualifier or "", "")
    return f"{prefix}{text} {unit}"


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(s: RecordSections, lang: str = "en") -> list[str]:
    text, levels, counted_names = TEXT[lang], LEVEL_NAMES[lang], COUNTED_NAMES[lang]
    lines = [f"## {text['h_documents']}", ""]
    if s.issued:
        lines += [_row(text["cols_issued"]), "|---|---|---|---|---|---|---|---|---:|"]
        for title, number, kind, level, place, issued, issuers, models, citing in s.issued:
            lines.append(f"| 《{markdown_text(title)}》 | {markdown_text(number)} | {markdown_text(kind)} |"
                         f" {levels.get(level, '—')} | {markdown_text(place)} | {issued} |"
                         f" {markdown_text('、'.join(issuers))} | {', '.join(models)} | {citing} |")
    else:
        lines.append(text["none_issued"])
    if s.first_reported:
        lines += ["", text["first_reported"], "", _row(text["cols_first"]), "|---|---|---|---|---|---|---|"]
        for title, number, kind, level, place, issued, _issuers, models, _citing in s.first_reported:
            lines.append(f"| 《{markdown_text(title)}》 | {markdown_text(number)} | {markdown_text(kind)} |"
                         f" {levels.get(level, '—')} | {markdown_text(place)} | {issued or '—'} |"
                         f" {', '.join(models)} |")
    lines += ["", f"## {text['h_figures']}", "", text["figures_note"], ""]
    if s.figures:
        lines += [_row(text["cols_figures"]), "|---|---:|---|---|---|---|"]
        for counted, value, value_max, qualifier, unit, place, target, title, _url, sentence in s.figures:
            lines.append(f"| {counted_names.get(counted, counted)} |"
                         f" {_figure(lang, value, value_max, qualifier, unit)} |"
                         f" {markdown_text(place)} | {text['goal'] if target else ''} | {markdown_text(title)} |"
                         f" {markdown_text(sentence)} |")
    else:
        lines.append(text["none_figures"])
    return lines


def _href(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def render_html(s: RecordSections, lang: str = "en") -> str:
    text, levels, counted_names = TEXT[lang], LEVEL_NAMES[lang], COUNTED_NAMES[lang]
    head = lambda cols: "<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>"  # noqa: E731
    out = [f"<h2>{escape(text['h_documents'])}</h2>"]
    if s.issued:
        out.append(head(text["cols_issued"]))
        for title, number, kind, level, place, issued, issuers, models, citing in s.issued:
            out.append(f"<tr><td>《{escape(title or '')}》</td><td>{escape(number or '')}</td><td>{escape(kind or '')}</td>"
                       f"<td>{escape(levels.get(level, '—'))}</td><td>{escape(place)}</td><td>{issued}</td>"
                       f"<td>{escape('、'.join(issuers))}</td><td>{escape(', '.join(models))}</td><td>{citing}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{escape(text['none_issued'])}</p>")
    if s.first_reported:
        out.append(f"<p>{escape(text['first_reported'])}</p><ul>")
        for title, number, kind, level, place, issued, _issuers, models, _citing in s.first_reported:
            out.append(f"<li>《{escape(title or '')}》 {escape(number or '')} ({escape(kind or '')},"
                       f" {escape(levels.get(level, '—'))}, {escape(place)}, {escape(text['issued_on'])}"
                       f" {issued or '—'})</li>")
        out.append("</ul>")
    out.append(f"<h2>{escape(text['h_figures'])}</h2>")
    if s.figures:
        out.append(head(text["cols_figures"]))
        for counted, value, value_max, qualifier, unit, place, target, title, url, sentence in s.figures:
            href = _href(url)
            link = (f'<a href="{escape(href, quote=True)}">{escape(title or "")}</a>' if href
                    else escape(title or ""))
            out.append(f"<tr><td>{escape(counted_names.get(counted, counted))}</td>"
                       f"<td>{escape(_figure(lang, value, value_max, qualifier, unit))}</td><td>{escape(place)}</td>"
                       f"<td>{escape(text['goal']) if target else ''}</td><td>{link}</td>"
                       f"<td>{escape(sentence)}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{escape(text['none_figures'])}</p>")
    return "\n".join(out)
