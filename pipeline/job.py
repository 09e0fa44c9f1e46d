"""The scheduled weekly job behind `edualliance run`: crawl every enabled source →
publish the snapshot → write the due digests into the archive → regenerate its
index and feed → mail each new digest once.

Exit codes (what cron or systemd act on; every problem is also printed):

====  =================================================================================
0     everything done
1     the job failed: bad config, database locked, or the crawler died (no digest
      is written after a failed crawl; the next run catches up)
2     wrong command-line usage
3     done, but a source was flagged (fell against its own median, unreachable, never yielded: `sources health`)
4     done, but a mail could not be sent or a digest could not be written (queued
      mails are retried by the next run); wins over 3
====  =================================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SOURCE_FLAGGED = 3
EXIT_MAIL_FAILED = 4


class JobError(RuntimeError):
    """The job cannot start (config, registry, password): nothing was done."""


@dataclass
class JobResult:
    crawl: Any = None  # crawler.run.CrawlReport
    weekly: Any = None  # weekly.WeeklyReport
    digest_run_id: int | None = None
    problems: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK


def check_ready(config) -> None:
    """Fail before a crawl of hours if the mail could never be sent: the password must be there."""
    from .config import ConfigError

    if config is not None and config.mail is not None:
        try:
            config.mail.password()
        except ConfigError as exc:
            raise JobError(str(exc)) from exc


def run_job(store, config, sources, classifier, *, crawl_settings: dict[str, Any] | None = None,
            worker_log: Path | None = None, resend: tuple[str, ...] = (), now: datetime | None = None,
            echo: Callable[[str], None] = lambda message: None, crawl: bool = True) -> JobResult:
    """The whole week on an open writer ``store``; ``config`` is a ``pipeline.config.Config``."""
    from edualliance.crawler.run import run_crawl

    from .snapshot import open_snapshot
    from .weekly import update_archive
    from .weeks import WeeklyError

    result = JobResult()
    if crawl:
        report = run_crawl(store, sources, classifier, kind="run", settings=crawl_settings or {},
                           echo=echo, worker_log=worker_log)  # finishing the run publishes the snapshot
        result.crawl = report
        if report.status != "finished":
            result.problems.append(f"the crawl failed (run {report.run_id}, crawler exit code {report.exit_code});"
                                   " no digest written this time: the next run catches up")
            result.exit_code = EXIT_FAILED
            return result
        if report.flags:
            result.exit_code = EXIT_SOURCE_FLAGGED
            result.problems += [f"source flagged: {flag}" for flag in report.flags]

    run_id = store.start_run("digest")
    result.digest_run_id = run_id
    status = "failed"
    try:
        with open_snapshot(store.path) as snapshot:
            weekly = update_archive(store, snapshot, config, run_id=run_id, now=now, resend=resend, echo=echo)
        result.weekly = weekly
        for week, why in weekly.errors:
            store.record_error(run_id, week, "digest", why)
            result.problems.append(f"digest {week} not written: {why}")
        for week, recipient, why in weekly.mail_failures:
            store.record_error(run_id, f"{week} -> {recipient}", "mail", why)
        if weekly.mail_failures:
            result.problems.append(f"{len(weekly.mail_failures)} mail(s) not sent, queued for the next run:"
                                   f" {weekly.mail_failures[0][2]}")
        if weekly.mail_failures or weekly.errors:
            result.exit_code = EXIT_MAIL_FAILED
        status = "finished"
    except WeeklyError as exc:
        result.problems.append(str(exc))
        result.exit_code = EXIT_FAILED
    finally:
        counts = result.weekly.as_counts() if result.weekly else {}
        store.finish_run(run_id, status, counts)  # publishes the snapshot with the archive's records
    return result
