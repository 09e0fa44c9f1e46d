"""Runs and their errors: every ingest, crawl or reclassify is a run.

A run is opened with ``start_run`` and closed with ``finish_run``, which
publishes the read-only snapshot (``snapshot.py``) unless the caller
publishes itself. Problems with one input are ``record_error`` rows of the
run, so the run goes on and the user can read what happened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .schema import StoreConnection
from .snapshot import publish_snapshot as publish_copy
from .timestamps import utcnow

log = logging.getLogger(__name__)


class RunsMixin(StoreConnection):
    """Opening and closing runs, publishing their snapshot, recording their errors."""

    def start_run(self, kind: str) -> int:
        """Open a run. Runs still 'running' now were killed (this process holds the only write
        lock on the file), so they are marked failed here, whatever their kind."""
        row = self.conn.execute(
            "INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running') RETURNING run_id",
            [kind, utcnow()],
        ).fetchone()
        self.conn.execute("UPDATE runs SET status = 'failed' WHERE status = 'running' AND run_id <> ?", [row[0]])
        return int(row[0])

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
            [utcnow(), status, json.dumps(counts, ensure_ascii=False), run_id],
        )
        if self.publish_on_finish:
            self.publish_snapshot()

    def publish_snapshot(self) -> Path | None:
        """Publish the read-only snapshot researchers read (``store/snapshot.py``).

        Runs end with it (``finish_run``). The run's data is committed before,
        so a failure here is logged and recorded in ``errors``, never raised.
        """
        if self._in_transaction:  # a copy would miss what is not committed yet
            self._publish_pending = True
            return None
        self._publish_pending = False
        try:
            return publish_copy(self)
        except Exception as exc:  # noqa: BLE001 - the run's own data is safe; say so and go on
            log.warning("could not publish the snapshot of %s: %s", self.path, exc)
            try:
                self.record_error(None, str(self.path), "publish", f"snapshot not published: {exc}")
            except Exception:  # noqa: BLE001 - the warning above is all that can be done
                pass
            return None

    def record_error(self, run_id: int | None, target: str, stage: str, message: str) -> None:
        self.conn.execute(
            "INSERT INTO errors (run_id, target, stage, message, occurred_at) VALUES (?, ?, ?, ?, ?)",
            [run_id, target, stage, message, utcnow()],
        )

    def errors(self, run_id: int) -> list[tuple[str, str, str]]:
        return self.conn.execute(
            "SELECT target, stage, message FROM errors WHERE run_id = ? ORDER BY error_id", [run_id]
        ).fetchall()

    def recent_run_counts(self, kinds: Sequence[str], limit: int = 50) -> list[dict[str, Any]]:
        """counts of the latest finished runs of these kinds, newest first."""
        rows = self.conn.execute(
            "SELECT counts FROM runs WHERE kind IN (SELECT unnest(?::VARCHAR[])) AND status = 'finished'"
            " AND counts IS NOT NULL ORDER BY run_id DESC LIMIT ?",
            [list(kinds), limit],
        ).fetchall()
        return [json.loads(row[0]) for row in rows]
