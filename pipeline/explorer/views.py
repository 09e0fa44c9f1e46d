"""The explorer's pages: search, article, model, and CSV downloads of the lists."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup, escape

from ..charts import COLOURS, diffusion_chart, line_chart
from ..digest.text import safe_href
from ..digest.i18n import MODEL_NAMES, gloss
from ..records import LABELS
from ..search import search
from ..store.research import SearchFilters

bp = Blueprint("explorer", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")

SENSES = ("school_alliance", "home_school_society")
PAGE_SIZES = (20, 50, 100)
#: Rows a CSV download holds at most.
CSV_ROWS = 5000
#: Weeks the model page's chart shows.
WEEKS_CHARTED = 52


def _store():
    return current_app.extensions["edualliance_store"]()


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        abort(400, f"not a date like 2025-03-01: {value!r}")


def _filters() -> SearchFilters:
    args = request.args
    label = args.get("label") or None
    sense = args.get("sense") or None
    if label is not None and label not in LABELS:
        abort(400, f"unknown model {label!r}")
    if sense is not None and sense not in SENSES:
        abort(400, f"unknown sense {sense!r}")
    until = _day(args.get("until"))
    return SearchFilters(since=_day(args.get("since")), until=until + timedelta(days=1) if until else None,
                   label=label, sense=sense, region=(args.get("region") or "").strip() or None,
                   outlet=(args.get("outlet") or "").strip() or None)


def _limit() -> int:
    try:
        value = int(request.args.get("limit", PAGE_SIZES[0]))
    except ValueError:
        value = PAGE_SIZES[0]
    return value if value in PAGE_SIZES else PAGE_SIZES[0]


def marked(text: str, spans) -> Markup:
    """The snippet escaped, with the matched terms in <mark>."""
    out, last = [], 0
    for start, end in spans:
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.app_template_filter("day")
def day_filter(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@bp.app_template_filter("model")
def model_filter(label: str) -> str:
    return MODEL_NAMES["zh"].get(label, label)


@bp.app_template_global()
def href(url: str | None) -> str | None:
    return safe_href(url)


def _results(limit: int) -> dict:
    """The hits of the current request's query and filters (stories merged)."""
    filters = _filters()
    q = (request.args.get("q") or "").strip()
    store = _store()
    if q:
        result = search(store, q, filters=filters, limit=limit)
        rows = [{
            "article_id": h.article_id, "story_id": h.story_id, "title": h.title, "published_at": h.published_at,
            "outlet": h.outlet, "region_province": h.region_province, "region_city": h.region_city,
            "primary_label": h.primary_label, "labels": h.labels, "sense": h.sense, "url": h.url,
            "snippet": marked(h.snippet, h.spans), "copies": h.copies, "outlets": h.outlets, "score": h.score,
        } for h in result.hits]
        return {"q": q, "rows": rows, "total": None, "searched": result.searched, "terms": result.terms}
    total, rows = store.latest_stories(filters, limit)
    for row in rows:
        row["snippet"] = row["snippet"].replace("\n", " ")
    return {"q": q, "rows": rows, "total": total, "searched": None, "terms": ()}


@bp.route("/")
@bp.route("/search")
def search_page():
    limit = _limit()
    data = _results(limit)
    choices = _store().filter_choices()
    args = {k: v for k, v in request.args.items() if k != "token"}
    return render_template("search.html", **data, args=args, limit=limit, page_sizes=PAGE_SIZES, labels=LABELS,
                           senses=SENSES, choices=choices, colours=COLOURS)


CSV_FIELDS = ("article_id", "story_id", "title", "published_at", "outlet", "region_province", "region_city",
              "primary_label", "labels", "sense", "copies", "outlets", "url")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
    # A cell a spreadsheet would take for a formula is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(rows: list[dict], fields: tuple[str, ...], name: str):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_cell(row.get(f)) for f in fields])
    body = "\ufeff" + buffer.getvalue()  # a BOM: Excel then reads UTF-8
    return current_app.response_class(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/search.csv")
def search_csv():
    data = _results(CSV_ROWS)
    rows = [{**row, "snippet": None} for row in data["rows"]]
    return _csv_response(rows, CSV_FIELDS, "edualliance-search.csv")


@bp.route("/article/<article_id>")
def article_page(article_id: str):
    store = _store()
    row = store.article(article_id)
    if row is None:
        abort(404, "no such article in the snapshot")
    scores = [(label, row[f"score_{label}"], label in (row["labels"] or [])) for label in LABELS]
    evidence, explained_by = _evidence(row)
    copies = [c for c in store.story_copies(row["story_id"]) if c["article_id"] != article_id]
    return render_template(
        "article.html", a=row, scores=scores, evidence=evidence, explained_by=explained_by, copies=copies,
        capture=store.capture(row["page_id"]), linked=store.linked_rows(article_id),
        paragraphs=[p for p in (row["text"] or "").split("\n") if p.strip()], colours=COLOURS,
        region_gloss=[gloss(r) for r in (row["region_province"], row["region_city"]) if r])


def _evidence(row: dict) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """The terms behind each label, from the classifier (loaded once per process)."""
    classifier = current_app.config.get("CLASSIFIER")
    if classifier is None:
        try:
            from edualliance.models.loader import load_classifier

            classifier = load_classifier()
        except Exception as exc:  # no model installed: the page says so
            current_app.logger.warning("no classifier to explain labels: %s", exc)
            return {}, None
        current_app.config["CLASSIFIER"] = classifier
    verdict = classifier.classify([(row["title"], row["text_normalized"])])[0]
    return dict(verdict.evidence), verdict.model_version


@bp.route("/article/<article_id>/capture")
def capture_body(article_id: str):
    store = _store()
    row = store.article(article_id)
    if row is None:
        abort(404, "no such article in the snapshot")
    body = store.capture_body(row["page_id"])
    if body is None:
        abort(404, "the snapshot holds no raw bytes (the database keeps them); its record is on the article page")
    # Served as inert bytes: never rendered as a page of this site.
    return current_app.response_class(body[0], mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{row["page_id"]}.bin"'})


@bp.route("/model/<label>")
def model_page(label: str):
    if label not in LABELS:
        abort(404, "unknown model")
    sense = request.args.get("sense") or ("school_alliance" if label == "jiaolianti" else None)
    if sense is not None and (label != "jiaolianti" or sense not in SENSES):
        abort(400, "a sense applies to jiaolianti only: school_alliance or home_school_society")
    store = _store()
    weekly = store.weekly_stories(label, sense)
    reports = [r for r in store.first_reports_sensed() if r[0] == label]
    provinces = [r for r in reports if r[1] == "province"]
    cities = [r for r in reports if r[1] == "city"]
    # The last year of weeks up to the latest with a dated article, weeks without articles as 0.
    latest = store.latest_week_start()
    by_week = {w: n for w, n, _ in weekly}
    recent = [latest - timedelta(weeks=k) for k in range(WEEKS_CHARTED - 1, -1, -1)] if latest else []
    weekly_svg = line_chart({label: [by_week.get(w, 0) for w in recent]}, [f"{w:%y-%m-%d}" for w in recent],
                            title=f"{MODEL_NAMES['zh'][label]}: stories per week", y_title="stories",
                            names={label: MODEL_NAMES["zh"][label]}, highlight_last=False)
    diffusion_svg = diffusion_chart([(r[4], r[2]) for r in provinces],
                                    title=f"{MODEL_NAMES['zh'][label]}: provinces by first report (cumulative)",
                                    colour=COLOURS[label])
    return render_template("model.html", label=label, sense=sense, senses=SENSES, weekly=weekly,
                           provinces=provinces, cities=cities, weekly_svg=Markup(weekly_svg),
                           diffusion_svg=Markup(diffusion_svg), colours=COLOURS, gloss=gloss, labels=LABELS)


@bp.route("/model/<label>/first-reports.csv")
def model_csv(label: str):
    if label not in LABELS:
        abort(404, "unknown model")
    fields = ("label", "level", "region_province", "region_city", "first_published", "first_article_id", "title",
              "outlet", "url")
    rows = [dict(zip(fields, r)) for r in _store().first_reports_sensed() if r[0] == label]
    return _csv_response(rows, fields, f"edualliance-first-reports-{label}.csv")


@bp.route("/model/<label>/weekly.csv")
def model_weekly_csv(label: str):
    if label not in LABELS:
        abort(404, "unknown model")
    sense = request.args.get("sense") if label == "jiaolianti" else None
    if sense is not None and sense not in SENSES:
        abort(400, "unknown sense")
    fields = ("week_start", "stories", "all_stories")
    rows = [dict(zip(fields, r)) for r in _store().weekly_stories(label, sense)]
    return _csv_response(rows, fields, f"edualliance-weekly-{label}.csv")


@bp.app_errorhandler(400)
@bp.app_errorhandler(404)
def error_page(error):
    return render_template("error.html", error=error), error.code
