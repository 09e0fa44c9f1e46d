"""The weekly job's digest step: which weeks are due, the dated archive, its index
page and Atom feed, and one mail per digest per recipient.

Which weeks are due is decided in ``weeks.py``; the files (digests, index,
feed) are written by ``digest_archive.py``.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .digest_archive import write_feed, write_index, write_week_files
from .weeks import (
    EARLIEST_WEEK, WeeklyError, as_date, describe_changes, due_weeks, empty_counts, last_complete_week,
    parse_week, week_counts, week_name,
)

log = logging.getLogger(__name__)


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
        with_articles = [as_date(w) for w, _, _ in snapshot.week_totals(EARLIEST_WEEK, last_complete)]
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
