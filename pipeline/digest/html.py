"""The digest as one self-contained HTML page: inline CSS, charts as inline SVG
(the file), or as ``cid:`` images of PNG charts (the e-mail, since Gmail and
Outlook show no inline SVG). No scripts, no external files. Every text from a
crawled page is escaped; only http(s) URLs become links.
"""

from __future__ import annotations

from ..charts import COLOURS, bar_chart, diffusion_chart, esc, line_chart
from ..records import LABELS
from .build import ROWS, TRAILING_WEEKS, Digest
from .i18n import SHORT_NAMES, model_name, region_name, t
from .records import render_html as records_html
from .text import day, mean_text, pct, safe_href
from .weeks import week_name

_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;max-width:62rem;
margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
td.n{text-align:right}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
.muted{color:#666}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4rem .7rem}
svg,img{max-width:100%;height:auto}figure{margin:.5rem 0}td.gap{color:#999;font-style:italic}
"""

HTML_LANG = {"zh": "zh-Hans", "en": "en"}


def _label_cell(lang: str, label: str) -> str:
    colour = COLOURS.get(label, "#999999")
    return f'<span class="swatch" style="background:{colour}"></span>{esc(model_name(lang, label))}'


def _link(text: str, url: str | None) -> str:
    href = safe_href(url)
    return f'<a href="{esc(href)}" rel="noopener noreferrer">{esc(text)}</a>' if href else esc(text)


def chart_svgs(d: Digest, lang: str) -> dict[str, str]:
    """The digest's charts as SVG, by name (the same names as the PNG files)."""
    names = {label: SHORT_NAMES[lang][label] for label in ROWS}
    collected = [w for w in d.weeks if d.collected(w)] or [d.week_start]
    charts = {
        "weekly": line_chart(
            {label: [d.stories.get((w, label), 0) for w in collected] for label in LABELS},
            [week_name(w)[2:] for w in collected],
            title=t(lang, "chart_lines", n=len(collected)), y_title=t(lang, "y_stories"), names=names),
        "week": bar_chart(
            {label: d.stories.get((d.week_start, label), 0) for label in LABELS},
            title=t(lang, "chart_bars", n=len(d.previous_collected)), names=names,
            reference={label: m for label in LABELS if (m := d.trailing_mean(label)) is not None}),
    }
    for label, points in d.diffusion.items():
        points = [(when, region_name(lang, province)) for when, province in points]
        charts[f"diffusion-{label}"] = diffusion_chart(
            points, title=t(lang, "chart_diffusion", model=SHORT_NAMES[lang][label]), colour=COLOURS[label],
            until=d.week_end, width=560, height=280)
    return charts


def render_html(d: Digest, lang: str = "en", *, images: dict[str, str] | None = None,
                other_lang_href: str | None = None) -> str:
    """The page; ``images`` maps chart names to image sources (``cid:…``) to use
    instead of inline SVG (for e-mail)."""
    n = TRAILING_WEEKS
    svgs = chart_svgs(d, lang)

    def figure(name: str) -> str:
        if images is not None and name in images:
            return (f'<figure class="chart" data-chart="{name}"><img src="{esc(images[name])}"'
                    f' alt="{esc(_title_of(svgs[name]))}"></figure>')
        return f'<figure class="chart" data-chart="{name}">{svgs[name]}</figure>'

    out = [
        "<!DOCTYPE html>",
        f'<html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(t(lang, 'title', week=d.name))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(t(lang, 'title', week=d.name))}</h1>",
    ]
    if other_lang_href:
        out.append(f'<p class="muted"><a href="{esc(other_lang_href)}">{esc(t(lang, "lang_other"))}</a></p>')
    intro = t(lang, "intro", start=f"{d.week_start:%Y-%m-%d}", end=f"{d.week_end:%Y-%m-%d}", stories=d.this_stories,
              articles=d.this_articles, model=d.model_version or "none")
    out.append(f"<p>{esc(intro).replace('`', '')}</p>")
    if not d.collected(d.week_start):
        out.append(f'<p class="note">{esc(t(lang, "not_collected_week", since=day(d.collected_from) or "–"))}</p>')
    elif d.is_first_week:
        out.append(f'<p class="note">{esc(t(lang, "first_week"))}</p>')

    out += [f"<h2>{esc(t(lang, 'h_models'))}</h2>", f"<p>{esc(t(lang, 'models_note', n=n))}</p>",
            f'<p class="note">{esc(t(lang, "share_note"))} {esc(t(lang, "sense_note"))}</p>',
            figure("weekly"), figure("week")]
    out.append("<table><tr>" + "".join(f"<th>{esc(t(lang, k, n=n))}</th>" for k in (
        "col_model", "col_stories", "col_articles", "col_share", "col_mean")) + "</tr>")
    for label in ROWS:
        count = d.stories.get((d.week_start, label), 0)
        out.append(f"<tr><td>{_label_cell(lang, label)}</td><td class=n>{count}</td>"
                   f"<td class=n>{d.articles.get((d.week_start, label), 0)}</td>"
                   f"<td class=n>{pct(count, d.this_stories)}</td>"
                   f"<td class=n>{esc(mean_text(lang, d.trailing_mean(label)))}</td></tr>")
    out.append("</table>")
    out.append(f"<p class=muted>{esc(t(lang, 'weekly_intro', first=week_name(d.weeks[0]), last=d.name))}</p>")
    out.append("<table><tr>" + f"<th>{esc(t(lang, 'col_week'))}</th><th>{esc(t(lang, 'col_all'))}</th>"
               + "".join(f"<th>{esc(SHORT_NAMES[lang][label])}</th>" for label in ROWS) + "</tr>")
    for week in d.weeks:
        if d.collected(week):
            cells = "".join(f"<td class=n>{d.stories.get((week, label), 0)}</td>" for label in ROWS)
            out.append(f"<tr><td>{week_name(week)}</td><td class=n>{d.week_stories.get(week, 0)}</td>{cells}</tr>")
        else:
            out.append(f"<tr><td>{week_name(week)}</td><td class=gap colspan={len(ROWS) + 1}>"
                       f"{esc(t(lang, 'not_collected'))}</td></tr>")
    out.append("</table>")

    out.append(f"<h2>{esc(t(lang, 'h_first'))}</h2>")
    if d.first_reports:
        out.append("<table><tr>" + "".join(f"<th>{esc(t(lang, k))}</th>" for k in (
            "col_model", "col_level", "col_region", "col_first", "col_article", "col_outlet")) + "</tr>")
        for f in d.first_reports:
            out.append(f"<tr><td>{_label_cell(lang, f.label)}</td><td>{esc(t(lang, 'level_' + f.level))}</td>"
                       f"<td>{esc(region_name(lang, f.province, f.city))}</td><td>{day(f.published)}</td>"
                       f"<td>{_link(f.title or t(lang, 'untitled'), f.url)}</td><td>{esc(f.outlet or '')}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{esc(t(lang, 'first_none'))}</p>")
    if d.first_reports_withheld:
        out.append(f'<p class="note">{esc(t(lang, "first_withheld", n=d.first_reports_withheld))}</p>')
    out.append(f"<h3>{esc(t(lang, 'h_diffusion'))}</h3><table><tr>" + "".join(
        f"<th>{esc(t(lang, k))}</th>" for k in ("col_model", "col_prov_before", "col_prov_now", "col_city_before",
                                                "col_city_now")) + "</tr>")
    for label in LABELS:
        cells = "".join(f"<td class=n>{side.get((label, level), 0)}</td>"
                        for level in ("province", "city") for side in (d.reporting_before, d.reporting_after))
        out.append(f"<tr><td>{_label_cell(lang, label)}</td>{cells}</tr>")
    out.append("</table>")
    out += [figure(f"diffusion-{label}") for label in d.diffusion]

    out.append(f"<h2>{esc(t(lang, 'h_top'))}</h2>")
    if d.top_stories:
        out.append("<table><tr>" + "".join(f"<th>{esc(t(lang, k))}</th>" for k in (
            "col_story", "col_model", "col_region", "col_outlets", "col_articles", "col_published")) + "</tr>")
        for s in d.top_stories:
            snippet = s.snippet[:120] + ("…" if len(s.snippet) > 120 else "")
            carried = t(lang, "carried_by") + "、".join(s.outlet_names)
            out.append(f"<tr><td><b>{_link(s.title or t(lang, 'untitled'), s.url)}</b>"
                       f"<div>{esc(snippet)}</div><div class=muted>{esc(carried)}</div></td>"
                       f"<td>{_label_cell(lang, s.label)}</td><td>{esc(region_name(lang, s.province, s.city))}</td>"
                       f"<td class=n>{s.outlets}</td><td class=n>{s.articles}</td><td>{day(s.published)}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{esc(t(lang, 'top_none'))}</p>")

    out.append(f"<h2>{esc(t(lang, 'h_terms'))}</h2>")
    out.append(f"<p class=muted>{esc(t(lang, 'terms_note', n=n, now=d.sampled[0], before=d.sampled[1]))}</p>")
    if d.emerging:
        out.append("<table><tr>" + "".join(f"<th>{esc(t(lang, k))}</th>" for k in (
            "col_term", "col_term_now", "col_term_share", "col_term_before")) + "</tr>")
        for term, count, _base, share_now, share_base in d.emerging:
            out.append(f"<tr><td>{esc(term)}</td><td class=n>{count}</td><td class=n>{share_now:.1%}</td>"
                       f"<td class=n>{share_base:.1%}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{esc(t(lang, 'terms_none'))}</p>")

    if d.records:
        out.append(records_html(d.records, lang))
    out.append(f"<h2>{esc(t(lang, 'h_sources'))}</h2>")
    out += _sources_html(d, lang)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _title_of(svg: str) -> str:
    start = svg.find("<title>")
    return svg[start + 7:svg.find("</title>")] if start >= 0 else ""


def _sources_html(d: Digest, lang: str) -> list[str]:
    out: list[str] = []
    if not d.runs:
        out.append(f"<p>{esc(t(lang, 'runs_none', start=f'{d.week_start:%Y-%m-%d}', end=f'{d.week_end:%Y-%m-%d}'))}"
                   + (f" {esc(t(lang, 'later_note'))}" if d.this_articles else "") + "</p>")
    else:
        failed = sum(1 for r in d.runs if r[3] == "failed")
        out.append(f"<p>{esc(t(lang, 'runs_line', runs=len(d.runs), failed=failed, active=d.sources_delivering))}</p>")
        out.append("<table><tr>" + "".join(f"<th>{esc(t(lang, k))}</th>" for k in (
            "col_source", "col_runs", "col_listed", "col_fetched", "col_new", "col_updated", "col_errors")) + "</tr>")
        for s in d.sources:
            out.append(f"<tr><td>{esc(s.source)}</td>" + "".join(
                f"<td class=n>{v}</td>" for v in (s.runs, s.listed, s.fetched, s.new, s.updated, s.errors)) + "</tr>")
        out.append("</table>")
    if d.silent_sources:
        out.append(f"<p>{esc(t(lang, 'silent'))}</p><table><tr><th>{esc(t(lang, 'col_source'))}</th>"
                   f"<th>{esc(t(lang, 'col_last_new'))}</th></tr>")
        out += [f"<tr><td>{esc(name)}</td><td class=n>{n}</td></tr>" for name, n in d.silent_sources]
        out.append("</table>")
    if d.flags:
        out.append(f"<p>{esc(t(lang, 'flags'))}</p><ul>" + "".join(f"<li>{esc(f)}</li>" for f in d.flags) + "</ul>")
    if d.errors:
        out.append(f"<p>{esc(t(lang, 'failures'))}</p><table><tr>" + "".join(
            f"<th>{esc(t(lang, k))}</th>" for k in ("col_source", "col_stage", "col_errors", "col_example")) + "</tr>")
        out += [f"<tr><td>{esc(who)}</td><td>{esc(stage)}</td><td class=n>{n}</td><td>{esc(message)}</td></tr>"
                for who, stage, n, message in d.errors]
        out.append("</table>")
    if d.failed_runs:
        out.append("<p>" + esc(t(lang, "failed_runs") + ", ".join(
            f"{t(lang, 'run')} {r[0]} ({r[1]}, {day(r[2])})" for r in d.failed_runs)) + "</p>")
    if d.runs and not (d.silent_sources or d.errors or d.failed_runs or d.flags):
        out.append(f"<p>{esc(t(lang, 'all_well'))}</p>")
    return out
