"""The weekly job's digest step: which weeks are due, the dated archive, its index
page and Atom feed, and one mail per digest per recipient.

Which weeks are due (ISO weeks in Asia/Shanghai, Monday to Sunday; a week is
complete once its Sunday has passed in Beijing):

- once the archive has a digest: every complete week after the newest week in
  it, empty or not (a week without articles is news: a source went silent);
- on the first run (an empty archive): every complete week from
  ``digest.first_week`` (default: the week of the earliest article) that has
  articles, and always the last complete week. Weeks before the corpus had an
  article are not written: there is nothing to report.

Each due week's digest goes into ``<out>/<week>/`` (both languages), and is
recorded in ``digest_weeks`` with the counts it reports. On every run the
counts of every week in the archive are computed again; a week whose counts
changed (late articles, a reclassification) is rewritten, counted as a
revision, and marked in the index and the feed with what changed. It is mailed
again as a revision only if it is one of the last ``mail.remail_revised_weeks``
complete weeks (default 4): researchers who quote last week's figures should
hear that they moved; a new model relabelling years of weeks should not send
a hundred mails.

Mail: one message per digest per recipient, queued in ``digest_mails`` in the
same transaction that records the digest and sent afterwards; a message that
could not be sent stays queued and is retried by the next run. A crash between
the server's "250 OK" and the row being marked sent resends that one message on
the next run (at least once, never silently lost).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .charts import esc
from .records import LABELS
from .store import BEIJING

log = logging.getLogger(__name__)

#: Articles dated before this are misread dates, not the corpus's first week
#: (the reform models date from the late 1990s); they never start the archive.
EARLIEST_WEEK = date(1995, 1, 2)

#: Weeks listed in feed.xml, newest first (two years; the index lists all).
FEED_WEEKS = 104


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeeklyError(ValueError):
    pass


# -- weeks ----------------------------------------------------------------------------------


def week_name(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str) -> date:
    """'2026-W48' → its Monday."""
    match = _WEEK.match(value.strip())
    if not match:
        raise WeeklyError(f"week {value!r} is not an ISO week like 2026-W48")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise WeeklyError(f"week {value!r} does not exist: {exc}") from exc


def last_complete_week(now: datetime | None = None) -> date:
    """Monday of the latest ISO week whose Sunday has passed in Asia/Shanghai."""
    now = now.astimezone(BEIJING) if now and now.tzinfo else (now or datetime.now(BEIJING))
    today = now.date()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=1)


def due_weeks(latest_written: date | None, weeks_with_articles: list[date], last_complete: date,
              first_week: date | None = None) -> list[date]:
    """The weeks whose digest is due now (see the module's docstring for the rule)."""
    if latest_written is not None:
        out, week = [], latest_written + timedelta(weeks=1)
        while week <= last_complete:
            out.append(week)
            week += timedelta(weeks=1)
        return out
    start = max(first_week or EARLIEST_WEEK, EARLIEST_WEEK)
    weeks = {w for w in weeks_with_articles if start <= w <= last_complete}
    if last_complete >= start:
        weeks.add(last_complete)
    return sorted(weeks)


# -- counts ---------------------------------------------------------------------------------


def week_counts(snapshot, first: date, last: date) -> dict[date, dict[str, Any]]:
    """Per week: stories, articles, and per label stories and articles (what a digest reports)."""
    out: dict[date, dict[str, Any]] = {}

    def blank() -> dict[str, Any]:
        return {"stories": 0, "articles": 0, "labels": {label: {"stories": 0, "articles": 0} for label in LABELS}}

    for week, n_articles, n_stories in snapshot.week_totals(first, last):
        counts = out.setdefault(_as_date(week), blank())
        counts["stories"], counts["articles"] = int(n_stories), int(n_articles)
    for week, label, n_articles, n_stories in snapshot.week_label_counts(first, last):
        counts = out.setdefault(_as_date(week), blank())
        if label in counts["labels"]:
            counts["labels"][label] = {"stories": int(n_stories), "articles": int(n_articles)}
    return out


def empty_counts() -> dict[str, Any]:
    return {"stories": 0, "articles": 0, "labels": {label: {"stories": 0, "articles": 0} for label in LABELS}}


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    """'stories 20 → 21, articles 25 → 27; group_run stories 3 → 4' ('' when nothing changed)."""
    parts = []
    totals = [f"{key} {old.get(key, 0)} → {new.get(key, 0)}" for key in ("stories", "articles")
              if old.get(key, 0) != new.get(key, 0)]
    if totals:
        parts.append(", ".join(totals))
    for label in LABELS:
        before = old.get("labels", {}).get(label, {})
        after = new.get("labels", {}).get(label, {})
        moved = [f"{key} {before.get(key, 0)} → {after.get(key, 0)}" for key in ("stories", "articles")
                 if before.get(key, 0) != after.get(key, 0)]
        if moved:
            parts.append(f"{label} " + ", ".join(moved))
    return "; ".join(parts)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


# -- the digest files: the one place that calls pipeline/digest.py ----------------------------


def write_week_files(snapshot, week_start: date, languages: tuple[str, ...], folder: Path
                     ) -> dict[str, tuple[Path, Path]]:
    """Write the digest of one week into ``folder``; language → (Markdown, HTML) written.

    Adapter over today's digest API (``build_digest`` + ``render_*``), which
    writes one language (English prose, Chinese terms): those two files stand
    for every language asked for until the bilingual digest (issue 16) lands;
    then only this function changes.
    """
    from .digest import build_digest, render_html, render_markdown

    digest = build_digest(snapshot, week_start)
    folder.mkdir(parents=True, exist_ok=True)
    md_path = folder / f"digest-{digest.name}.md"
    html_path = folder / f"digest-{digest.name}.html"
    _write_atomic(md_path, render_markdown(digest))
    _write_atomic(html_path, render_html(digest))
    return {language: (md_path, html_path) for language in languages}


def _write_atomic(path: Path, text: str) -> None:
    """Readers (a web server publishing the archive) see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- the archive ----------------------------------------------------------------------------


@dataclass
class WeeklyReport:
    written: list[str] = field(default_factory=list)  # weeks written for the first time
    revised: list[tuple[str, str]] = field(default_factory=list)  # (week, what changed)
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (week, recipient, kind)
    mail_failures: list[tuple[str, str, str]] = field(default_factory=list)  # (week, recipient, why)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (week, why) digests that failed
    files: list[Path] = field(default_factory=list)
    index: Path | None = None
    feed: Path | None = None
    note: str = ""

    def as_counts(self) -> dict[str, Any]:
        return {"written": self.written, "revised": [w for w, _ in self.revised], "sent": len(self.sent),
                "mail_failures": len(self.mail_failures), "errors": len(self.errors)}


def update_archive(store, snapshot, config, *, run_id: int | None = None, now: datetime | None = None,
                   resend: tuple[str, ...] = (), send_mail: bool = True,
                   echo: Callable[[str], None] = lambda message: None) -> WeeklyReport:
    """Write the due digests and revisions into the archive, regenerate index and feed, mail.

    ``store`` is the writer's store (the records), ``snapshot`` the published
    snapshot the digests are built from, ``config`` a ``pipeline.config.Config``.
    """
    out = config.digest_out
    languages = config.digest.languages
    report = WeeklyReport()
    resend_weeks = [week_name(parse_week(w)) for w in resend]
    if snapshot.latest_model_version() is None:
        report.note = "no classified article yet: no digest is due"
        echo(f"digests: {report.note}")
    else:
        last_complete = last_complete_week(now)
        recorded = {r["week"]: r for r in store.digest_weeks()}
        first_week = parse_week(config.digest.first_week) if config.digest.first_week else None
        latest = store.latest_digest_week()
        with_articles = [_as_date(w) for w, _, _ in snapshot.week_totals(EARLIEST_WEEK, last_complete)]
        due = [w for w in due_weeks(latest, with_articles, last_complete, first_week)
               if week_name(w) not in recorded]
        starts = [r["week_start"] for r in recorded.values()] + due
        counts = week_counts(snapshot, min(starts), max(starts)) if starts else {}
        remail_from = None
        if config.mail and config.mail.remail_revised_weeks:
            remail_from = last_complete - timedelta(weeks=config.mail.remail_revised_weeks - 1)
        recipients = list(config.mail.to) if config.mail else []
        # Revisions first (oldest week first), then the new weeks.
        for record in sorted(recorded.values(), key=lambda r: r["week_start"]):
            week_start = record["week_start"]
            now_counts = counts.get(week_start, empty_counts())
            changes = describe_changes(record["counts"], now_counts)
            if not changes:
                continue
            files = _write_week(snapshot, week_start, languages, out, report)
            if files is None:
                continue
            with store.transaction():
                revision = store.record_digest_revision(record["week"], now_counts, changes, files, run_id)
                waiting = {m[3] for m in store.unsent_digest_mails() if m[1] == record["week"]}
                if recipients and remail_from is not None and week_start >= remail_from:
                    store.queue_digest_mails(record["week"], revision,
                                             [r for r in recipients if r not in waiting], "revision", run_id)
            report.revised.append((record["week"], changes))
            echo(f"digest {record['week']} revised (revision {revision}): {changes}")
        for week_start in due:
            name = week_name(week_start)
            files = _write_week(snapshot, week_start, languages, out, report)
            if files is None:
                continue
            with store.transaction():
                store.record_digest_week(name, week_start, counts.get(week_start, empty_counts()), files, run_id)
                if recipients:
                    store.queue_digest_mails(name, 0, recipients, "new", run_id)
            report.written.append(name)
            now_counts = counts.get(week_start, empty_counts())
            echo(f"digest {name} written: {now_counts['stories']} stories, {now_counts['articles']} articles"
                 f" → {out / name}")
    archive = {r["week"]: r for r in store.digest_weeks()}
    for name in resend_weeks:
        if name not in archive:
            raise WeeklyError(f"--resend {name}: the archive has no digest of {name}"
                              f" (it has {', '.join(sorted(archive)) or 'none'})")
        if not config.mail:
            raise WeeklyError("--resend needs a [mail] section in the config file")
        with store.transaction():
            store.queue_digest_mails(name, archive[name]["revision"], list(config.mail.to), "resend", run_id)
    if config.mail and send_mail:
        send_queued(store, config, out, report, run_id=run_id, echo=echo)
    if archive:  # after sending: the index says what went out
        report.index = write_index(out, list(archive.values()), store.digest_mail_counts())
        report.feed = write_feed(out, list(archive.values()), config.digest.feed_base_url)
    return report


def _write_week(snapshot, week_start: date, languages, out: Path, report: WeeklyReport) -> list[str] | None:
    name = week_name(week_start)
    try:
        written = write_week_files(snapshot, week_start, languages, out / name)
    except Exception as exc:  # noqa: BLE001 - one week's failure must not stop the others; recorded
        log.exception("digest %s failed", name)
        report.errors.append((name, f"{type(exc).__name__}: {exc}"))
        return None
    paths = list(dict.fromkeys(p for pair in written.values() for p in pair))
    report.files.extend(paths)
    return [p.relative_to(out).as_posix() for p in paths]


def mail_files(out: Path, week: str, files: list[str], language: str) -> tuple[Path, Path]:
    """The Markdown and HTML file of ``language`` among a week's files (else its single-language pair)."""
    def pick(suffix: str) -> Path:
        for candidate in (f"digest-{week}.{language}{suffix}", f"digest-{week}{suffix}"):
            for name in files:
                if name.rsplit("/", 1)[-1] == candidate:
                    return out / name
        raise WeeklyError(f"the archive of {week} has no {language} {suffix} file (files: {', '.join(files)})")

    return pick(".md"), pick(".html")


def send_queued(store, config, out: Path, report: WeeklyReport, *, run_id: int | None,
                echo: Callable[[str], None]) -> None:
    """Send every queued message whose recipient is still in mail.to, one SMTP session for all."""
    from .mail import Mailer, MailError, SmtpSettings, digest_message

    queued = store.unsent_digest_mails()
    if not queued:
        return
    mail = config.mail
    language = mail.language or config.digest.languages[0]
    archive = {r["week"]: r for r in store.digest_weeks()}
    wanted = [m for m in queued if m[3] in mail.to]
    for mail_id, week, _revision, recipient, _kind in queued:
        if recipient not in mail.to:
            echo(f"mail: {week} for {recipient} stays queued: the address is no longer in mail.to")
    if not wanted:
        return

    def fail_all(reason: str) -> None:
        for mail_id, week, _revision, recipient, _kind in wanted:
            with store.transaction():
                store.mark_digest_mail(mail_id, False, reason, run_id)
            report.mail_failures.append((week, recipient, reason))

    try:
        settings = SmtpSettings.from_config(mail)
        mailer = Mailer(settings).__enter__()
    except (MailError, ValueError) as exc:
        fail_all(str(exc))
        echo(f"mail: nothing sent: {exc}")
        return
    try:
        for mail_id, week, revision, recipient, kind in wanted:
            record = archive[week]
            try:
                md_path, html_path = mail_files(out, week, record["files"], language)
                subject = f"edualliance policy-trend digest {week}"
                preface = ""
                if kind == "revision":
                    subject += " (revised)"
                    preface = (f"Revised digest: the counts of {week} changed after it was sent"
                               f" (revision {revision}): {record['changes']}.")
                message = digest_message(md_path, html_path, [recipient], mail.sender, subject=subject,
                                         preface=preface)
                mailer.send(message, [recipient])
            except (MailError, WeeklyError, OSError) as exc:
                with store.transaction():
                    store.mark_digest_mail(mail_id, False, str(exc), run_id)
                report.mail_failures.append((week, recipient, str(exc)))
                echo(f"mail: {week} to {recipient} failed: {exc} (retried on the next run)")
                continue
            with store.transaction():
                store.mark_digest_mail(mail_id, True, None, run_id)
            report.sent.append((week, recipient, kind))
            echo(f"mail: {week} ({kind}) sent to {recipient}")
    finally:
        mailer.__exit__(None, None, None)


# -- index page and feed --------------------------------------------------------------------

_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif;max-width:62rem;
margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
td.n{text-align:right}.revised{color:#a40}.muted{color:#666}
"""


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(record: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """(label, href) of a week's files: 'HTML', 'Markdown' or per language 'zh HTML', …"""
    out = []
    for name in record["files"]:
        base = name.rsplit("/", 1)[-1]
        stem, _, suffix = base.rpartition(".")
        language = stem.rpartition(".")[2] if stem.count(".") else ""
        kind = "HTML" if suffix == "html" else "Markdown" if suffix == "md" else suffix
        out.append(((f"{language} " if language else "") + kind, prefix + name))
    return out


def write_index(out: Path, records: list[dict[str, Any]], mails: dict[tuple[str, str], int]) -> Path:
    """index.html: every digest in the archive, newest first, revisions marked with what changed."""
    rows = []
    for r in sorted(records, key=lambda r: r["week_start"], reverse=True):
        c = r["counts"]
        end = r["week_start"] + timedelta(days=6)
        labels = "".join(f"<td class=n>{c['labels'].get(label, {}).get('stories', 0)}</td>" for label in LABELS)
        links = " · ".join(f'<a href="{esc(href)}">{esc(text)}</a>' for text, href in _links(r))
        status = ""
        if r["revision"]:
            status = (f'<div class=revised>revised {r["revision"]}× (latest {_stamp(r["revised_at"])[:10]}):'
                      f' {esc(r["changes"] or "")}</div>')
        sent, failed = mails.get((r["week"], "sent"), 0), mails.get((r["week"], "failed"), 0)
        pending = mails.get((r["week"], "pending"), 0)
        mailed = f"{sent} sent" + (f", {failed} failed" if failed else "") + (f", {pending} queued" if pending else "")
        rows.append(f"<tr><td><b>{esc(r['week'])}</b><div class=muted>{r['week_start']:%m-%d}–{end:%m-%d}</div>"
                    f"{status}</td><td class=n>{c['stories']}</td><td class=n>{c['articles']}</td>{labels}"
                    f"<td>{links}</td><td class=muted>{esc(mailed)}</td></tr>")
    heads = "".join(f"<th>{esc(label)}</th>" for label in LABELS)
    html = "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>edualliance policy-trend digests</title><style>{_CSS}</style>",
        '<link rel="alternate" type="application/atom+xml" href="feed.xml" title="edualliance digests">',
        "</head><body>", "<h1>edualliance policy-trend digests</h1>",
        f"<p>{len(records)} weekly digests (ISO weeks, Asia/Shanghai), newest first; stories count a story"
        ' and its reposts once. <a href="feed.xml">Atom feed</a>.</p>',
        f"<table><tr><th>week</th><th>stories</th><th>articles</th>{heads}<th>files</th><th>mail</th></tr>",
        *rows, "</table></body></html>", ""])
    path = out / "index.html"
    _write_atomic(path, html)
    return path


def write_feed(out: Path, records: list[dict[str, Any]], base_url: str | None) -> Path:
    """feed.xml: one Atom entry per week (the newest FEED_WEEKS), updated when the week is revised."""
    base = (base_url.rstrip("/") + "/") if base_url else ""
    newest = sorted(records, key=lambda r: r["week_start"], reverse=True)[:FEED_WEEKS]

    def updated(r: dict[str, Any]) -> str:
        return _stamp(r["revised_at"] or r["written_at"])

    xml = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>edualliance weekly policy-trend digests</title>", "<id>urn:edualliance:digests</id>",
           f"<updated>{max((updated(r) for r in newest), default=_stamp(datetime.now(timezone.utc).replace(tzinfo=None)))}</updated>",
           "<author><name>edualliance</name></author>", f'<link rel="self" href="{esc(base + "feed.xml")}"/>',
           f'<link rel="alternate" type="text/html" href="{esc(base + "index.html")}"/>']
    for r in newest:
        c = r["counts"]
        title = f"Policy-trend digest {r['week']}" + (" (revised)" if r["revision"] else "")
        summary = (f"Week of {r['week_start']:%Y-%m-%d}: {c['stories']} stories ({c['articles']} articles); "
                   + ", ".join(f"{label} {c['labels'].get(label, {}).get('stories', 0)}" for label in LABELS) + ".")
        if r["revision"]:
            summary += f" Revised (revision {r['revision']}, {_stamp(r['revised_at'])[:10]}): {r['changes']}."
        xml += ["<entry>", f"<title>{esc(title)}</title>", f"<id>urn:edualliance:digest:{esc(r['week'])}</id>",
                f"<published>{_stamp(r['written_at'])}</published>", f"<updated>{updated(r)}</updated>"]
        for text, href in _links(r, base):
            if href.endswith(".html"):  # one alternate per language (hreflang tells them apart)
                language = text.split(" ")[0] if " " in text else ""
                hreflang = f' hreflang="{esc(language)}"' if language else ""
                xml.append(f'<link rel="alternate" type="text/html"{hreflang} href="{esc(href)}"/>')
        xml += [f"<summary>{esc(summary)}</summary>", "</entry>"]
    xml.append("</feed>")
    path = out / "feed.xml"
    _write_atomic(path, "\n".join(xml) + "\n")
    return path

