"""The digest as Markdown (the e-mail's plain-text part and the file a script reads)."""

from __future__ import annotations

from ..records import LABELS
from ..tables import markdown_text
from .build import ROWS, TRAILING_WEEKS, Digest
from .i18n import model_name, region_name, t
from .records import render_markdown as records_markdown
from .text import day, mean_text, pct, safe_href
from .weeks import week_name


def _link(text: str, url: str | None) -> str:
    href = safe_href(url)
    label = markdown_text(text)
    return f"[{label}](<{href.replace('<', '%3C').replace('>', '%3E').replace(' ', '%20')}>)" if href else label


def render_markdown(d: Digest, lang: str = "en") -> str:
    n = TRAILING_WEEKS
    lines = [
        f"# {t(lang, 'title', week=d.name)}",
        "",
        t(lang, "intro", start=f"{d.week_start:%Y-%m-%d}", end=f"{d.week_end:%Y-%m-%d}", stories=d.this_stories,
          articles=d.this_articles, model=d.model_version or "none"),
    ]
    if not d.collected(d.week_start):
        lines += ["", t(lang, "not_collected_week", since=day(d.collected_from) or "–")]
    elif d.is_first_week:
        lines += ["", t(lang, "first_week")]
    lines += ["", f"## {t(lang, 'h_models')}", "", t(lang, "models_note", n=n), "",
              f"> {t(lang, 'share_note')} {t(lang, 'sense_note')}", "",
              f"| {t(lang, 'col_model')} | {t(lang, 'col_stories')} | {t(lang, 'col_articles')} |"
              f" {t(lang, 'col_share')} | {t(lang, 'col_mean', n=n)} |",
              "|---|---:|---:|---:|---:|"]
    for label in ROWS:
        count = d.stories.get((d.week_start, label), 0)
        lines.append(f"| {model_name(lang, label)} | {count} | {d.articles.get((d.week_start, label), 0)} |"
                     f" {pct(count, d.this_stories)} | {mean_text(lang, d.trailing_mean(label))} |")
    lines += ["", t(lang, "weekly_intro", first=week_name(d.weeks[0]), last=d.name), "",
              f"| {t(lang, 'col_week')} | {t(lang, 'col_all')} | " + " | ".join(ROWS) + " |",
              "|---|---:|" + "---:|" * len(ROWS)]
    for week in d.weeks:
        if d.collected(week):
            cells = " | ".join(str(d.stories.get((week, label), 0)) for label in ROWS)
            lines.append(f"| {week_name(week)} | {d.week_stories.get(week, 0)} | {cells} |")
        else:
            gap = t(lang, "not_collected")
            lines.append(f"| {week_name(week)} | {gap} | " + " | ".join("–" for _ in ROWS) + " |")

    lines += ["", f"## {t(lang, 'h_first')}", ""]
    if d.first_reports:
        lines += [f"| {t(lang, 'col_model')} | {t(lang, 'col_level')} | {t(lang, 'col_region')} |"
                  f" {t(lang, 'col_first')} | {t(lang, 'col_article')} | {t(lang, 'col_outlet')} |",
                  "|---|---|---|---|---|---|"]
        for f in d.first_reports:
            lines.append(f"| {model_name(lang, f.label)} | {t(lang, 'level_' + f.level)} |"
                         f" {markdown_text(region_name(lang, f.province, f.city))} | {day(f.published)} |"
                         f" {_link(f.title or t(lang, 'untitled'), f.url)} | {markdown_text(f.outlet)} |")
    else:
        lines.append(t(lang, "first_none"))
    if d.first_reports_withheld:
        lines += ["", t(lang, "first_withheld", n=d.first_reports_withheld)]
    lines += ["", f"### {t(lang, 'h_diffusion')}", "",
              f"| {t(lang, 'col_model')} | {t(lang, 'col_prov_before')} | {t(lang, 'col_prov_now')} |"
              f" {t(lang, 'col_city_before')} | {t(lang, 'col_city_now')} |",
              "|---|---:|---:|---:|---:|"]
    for label in LABELS:
        lines.append(
            f"| {model_name(lang, label)} | {d.reporting_before.get((label, 'province'), 0)} |"
            f" {d.reporting_after.get((label, 'province'), 0)} |"
            f" {d.reporting_before.get((label, 'city'), 0)} | {d.reporting_after.get((label, 'city'), 0)} |")

    lines += ["", f"## {t(lang, 'h_top')}", ""]
    if d.top_stories:
        lines += [f"| {t(lang, 'col_story')} | {t(lang, 'col_model')} | {t(lang, 'col_region')} |"
                  f" {t(lang, 'col_outlets')} | {t(lang, 'col_articles')} | {t(lang, 'col_published')} |",
                  "|---|---|---|---:|---:|---|"]
        for s in d.top_stories:
            story = _link(s.title or t(lang, "untitled"), s.url)
            snippet = markdown_text(s.snippet[:90] + ("…" if len(s.snippet) > 90 else ""))
            lines.append(f"| {story}<br>{snippet} | {model_name(lang, s.label)} |"
                         f" {markdown_text(region_name(lang, s.province, s.city))} | {s.outlets} | {s.articles} |"
                         f" {day(s.published)} |")
    else:
        lines.append(t(lang, "top_none"))

    lines += ["", f"## {t(lang, 'h_terms')}", "",
              t(lang, "terms_note", n=n, now=d.sampled[0], before=d.sampled[1]), ""]
    if d.emerging:
        lines += [f"| {t(lang, 'col_term')} | {t(lang, 'col_term_now')} | {t(lang, 'col_term_share')} |"
                  f" {t(lang, 'col_term_before')} |", "|---|---:|---:|---:|"]
        for term, count, _base, share_now, share_base in d.emerging:
            lines.append(f"| {markdown_text(term)} | {count} | {share_now:.1%} | {share_base:.1%} |")
    else:
        lines.append(t(lang, "terms_none"))

    if d.records:
        lines += ["", *records_markdown(d.records, lang)]
    lines += ["", f"## {t(lang, 'h_sources')}", "", *_sources_markdown(d, lang)]
    return "\n".join(lines) + "\n"


def _sources_markdown(d: Digest, lang: str) -> list[str]:
    out: list[str] = []
    if not d.runs:
        out.append(t(lang, "runs_none", start=f"{d.week_start:%Y-%m-%d}", end=f"{d.week_end:%Y-%m-%d}"))
        if d.this_articles:
            out.append(t(lang, "later_note"))
    else:
        failed = sum(1 for r in d.runs if r[3] == "failed")
        out.append(t(lang, "runs_line", runs=len(d.runs), failed=failed, active=d.sources_delivering))
        out += ["", "| " + " | ".join(t(lang, k) for k in ("col_source", "col_runs", "col_listed", "col_fetched",
                                                          "col_new", "col_updated", "col_errors")) + " |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        for s in d.sources:
            out.append(f"| {markdown_text(s.source)} | {s.runs} | {s.listed} | {s.fetched} | {s.new} | {s.updated}"
                       f" | {s.errors} |")
    if d.silent_sources:
        out += ["", t(lang, "silent"), "", f"| {t(lang, 'col_source')} | {t(lang, 'col_last_new')} |", "|---|---:|"]
        out += [f"| {markdown_text(name)} | {n} |" for name, n in d.silent_sources]
    if d.flags:
        out += ["", t(lang, "flags"), ""] + [f"- {markdown_text(flag)}" for flag in d.flags]
    if d.errors:
        out += ["", t(lang, "failures"), "",
                f"| {t(lang, 'col_source')} | {t(lang, 'col_stage')} | {t(lang, 'col_errors')} |"
                f" {t(lang, 'col_example')} |", "|---|---|---:|---|"]
        out += [f"| {markdown_text(who)} | {stage} | {n} | {markdown_text(message)} |"
                for who, stage, n, message in d.errors]
    if d.failed_runs:
        out += ["", t(lang, "failed_runs") + ", ".join(
            f"{t(lang, 'run')} {r[0]} ({r[1]}, {day(r[2])})" for r in d.failed_runs)]
    if d.runs and not (d.silent_sources or d.errors or d.failed_runs or d.flags):
        out += ["", t(lang, "all_well")]
    return out
