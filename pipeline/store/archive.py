"""The digest archive's records (migration 0012): which weeks the weekly job wrote,
with the counts their files report, and each message to each recipient.

``pipeline/weekly.py`` decides; this module only reads and writes the rows.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .schema import StoreConnection
from .timestamps import utcnow


class ArchiveMixin(StoreConnection):
    """Digest weeks written and digest mails queued, sent or failed."""

    def digest_weeks(self) -> list[dict[str, Any]]:
        """Every week in the archive, newest first."""
        rows = self.conn.execute(
            "SELECT week, week_start, written_at, revision, revised_at, counts, changes, files, run_id"
            " FROM digest_weeks ORDER BY week_start DESC"
        ).fetchall()
        keys = ("week", "week_start", "written_at", "revision", "revised_at", "counts", "changes", "files", "run_id")
        out = []
        for row in rows:
            record = dict(zip(keys, row))
            record["counts"] = json.loads(record["counts"])
            out.append(record)
        return out

    def latest_digest_week(self) -> date | None:
        return self.conn.execute("SELECT max(week_start) FROM digest_weeks").fetchone()[0]

    def record_digest_week(self, week: str, week_start: date, counts: dict[str, Any], files: list[str],
                           run_id: int | None) -> None:
        """A week written for the first time (revision 0)."""
        self.conn.execute(
            "INSERT INTO digest_weeks (week, week_start, written_at, revision, counts, files, run_id)"
            " VALUES (?, ?, ?, 0, ?, ?, ?)",
            [week, week_start, utcnow(), json.dumps(counts, sort_keys=True), files, run_id],
        )

    def record_digest_revision(self, week: str, counts: dict[str, Any], changes: str, files: list[str],
                               run_id: int | None) -> int:
        """The week's files rewritten because its counts changed; returns the new revision."""
        row = self.conn.execute(
            "UPDATE digest_weeks SET revision = revision + 1, revised_at = ?, counts = ?, changes = ?,"
            " files = ?, run_id = ? WHERE week = ? RETURNING revision",
            [utcnow(), json.dumps(counts, sort_keys=True), changes, files, run_id, week],
        ).fetchone()
        return int(row[0])

    def queue_digest_mails(self, week: str, revision: int, recipients: list[str], kind: str,
                           run_id: int | None) -> None:
        now = utcnow()
        for recipient in recipients:
            self.conn.execute(
                "INSERT INTO digest_mails (week, revision, recipient, kind, status, attempts, queued_at, run_id)"
                " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
                [week, revision, recipient, kind, now, run_id],
            )

    def unsent_digest_mails(self) -> list[tuple[int, str, int, str, str]]:
        """(mail_id, week, revision, recipient, kind) of messages queued and not sent yet, oldest week first."""
        return self.conn.execute(
            "SELECT m.mail_id, m.week, m.revision, m.recipient, m.kind FROM digest_mails m"
            " JOIN digest_weeks w USING (week)"
            " WHERE m.status IN ('pending', 'failed') ORDER BY w.week_start, m.mail_id"
        ).fetchall()

    def mark_digest_mail(self, mail_id: int, sent: bool, message: str | None, run_id: int | None) -> None:
        self.conn.execute(
            "UPDATE digest_mails SET status = ?, attempts = attempts + 1, sent_at = ?, message = ?, run_id = ?"
            " WHERE mail_id = ?",
            ["sent" if sent else "failed", utcnow() if sent else None, message, run_id, mail_id],
        )

    def digest_mail_counts(self) -> dict[tuple[str, str], int]:
        """(week, status) → messages, for the index page."""
        return {(w, s): n for w, s, n in self.conn.execute(
            "SELECT week, status, count(*) FROM digest_mails GROUP BY ALL").fetchall()}
