"""The storing process's side of a crawl: what the crawler sends becomes corpus rows, in two steps.

1. ``capture``: raw responses go to ``crawl_inbox`` as received, in one quick
   transaction per batch (nothing is parsed: this keeps pace with the crawl). The crawl
   has written each page to a WARC file (crawler/warc.py) and sent where its record lives:
   the inbox keeps that pointer, and the files are fsynced before the transaction that
   stores it. The page is read back from its record when it is cleaned.
2. ``process``: batches of the inbox are cleaned (pipeline.clean), attachments
   turned into text, classified (models.loader), and stored — page, articles,
   labels, crawl state and the inbox deletion in one transaction, so a crash
   leaves each capture either still in the inbox or fully stored.

Cleaning and classifying cost tens of milliseconds a page, storing a few: with
``workers`` ≥ 2 they run in a pool of worker processes (``pool``, one per core
by default), several batches at a time, and this process only reads the inbox
and writes the results, in the order the batches were taken; it then loads no
classifier at all. A batch in flight is still in the inbox until its results
are stored, so a killed run loses nothing. What this process holds of the
pages is bounded in bytes, not only in rows: captures waiting to be written
(``CAPTURE_BYTES`` and ``RECEIVE_BYTES``, see run.py), rows read ahead from the inbox (``TAKE_BYTES``)
and batches in flight (``BATCH_BYTES``, ``pool.INFLIGHT_BYTES``).

Focused crawling: an article the classifier gives no label is recorded in
``crawl_state`` as ``off_topic`` (so it is not fetched again) and its WARC pointer
is kept in ``crawl_archive``, out of the corpus, so that ``reprocess``
with a retrained classifier can recover it; a source with ``focused = false``
stores it like any other.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edualliance.pipeline.captures import CaptureError, captures_path, read_capture, sync
from edualliance.pipeline.store import Store

from ..registry import Source, SourceCounts
from .batch import plan_batch, write_batch
from .pool import CleaningPool, classifier_kind, default_workers, resolve_kind
from .rows import BODY, Prepared, as_sent, prepare, prepare_shell, row_bytes

#: Index of the WARC file name in an inbox row (then offset and length); one less in a row
#: received, which has no capture_id yet.
WARC_FILE = 15

#: Statuses that say a URL is gone: remembered in crawl_state (verdict ``missing``).
GONE_STATUSES = (404, 410)

#: Captures cleaned per transaction ...
PROCESS_BATCH = 50

#: ... and at most this many page bytes per batch (at least one capture): the
#: pages of a batch are held until it is stored, and a worker builds parse
#: trees several times their size.
BATCH_BYTES = 4 * 2**20

#: With a pool, captures read from the inbox per query, at most. Reading a few rows
#: costs about as much as reading many (DuckDB reads the page bytes of whole vectors
#: of rows), so the writer reads many at once and hands them out in batches ...
TAKE_ROWS = 500

#: ... and at most this many page bytes (at least one capture).
TAKE_BYTES = 8 * 2**20


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


class CrawlSink:
    """``classifier``: a loaded classifier, or the kind to load ('auto', 'model', 'keywords'):
    with a kind and a pool, only the workers load it (this process never does). ``captures``: the
    folder of the WARC files (default: beside the database, ``pipeline.captures``)."""

    def __init__(self, store: Store, classifier, run_id: int | None, sources: dict[str, Source],
                 on_error: Callable[[str, str, str], None] = lambda source, url, message: None,
                 workers: int | None = None, captures: Path | None = None) -> None:
        self.store = store
        self.captures = Path(captures) if captures is not None else captures_path(store.path)
        if isinstance(classifier, str):
            self.classifier_kind: str | None = resolve_kind(classifier)
            self._classifier = None  # loaded here only if this process classifies
        else:
            self.classifier_kind, self._classifier = None, classifier
        self.run_id = run_id
        self.sources = sources
        self.on_error = on_error
        self.workers = default_workers() if workers is None else workers
        self._pool: CleaningPool | None = None
        self._taken = 0  # the last capture_id read from the inbox for the workers
        self._taken_rows: deque = deque()  # read from the inbox, not yet handed to a worker
        self._taken_bytes = 0
        self.counts: dict[str, SourceCounts] = {name: SourceCounts() for name in sources}
        self.progress: dict[str, dict[str, int]] = {}  # the crawler's latest figures per source
        self._captures: list[list[Any]] = []
        self._touches: list[tuple[str, str, datetime | None, datetime]] = []
        self._errors: list[tuple[str, str, str, str]] = []
        self._missing: list[dict[str, Any]] = []  # crawl states of URLs that answered 404/410
        self.captured_bytes = 0
        self.waiting_bytes = 0  # page bytes received, not yet written to the inbox
        self.inbox = store.inbox_count()
        self.crawl_completed = False  # the crawler sent its closing stats
        self.started = time.monotonic()
        self.crawl_seconds: float | None = None  # until the crawler exited and its pages were received
        # Where time went (with a pool, clean and classify are the workers' CPU seconds).
        self.seconds = {"capture": 0.0, "clean": 0.0, "classify": 0.0, "extract": 0.0, "store": 0.0}

    @property
    def classifier(self):
        """The classifier of this process (loaded on first use when given as a kind)."""
        if self._classifier is None:
            from edualliance.models.loader import load_classifier

            self._classifier = load_classifier(self.classifier_kind)
        return self._classifier

    def count(self, source: str) -> SourceCounts:
        return self.counts.setdefault(source, SourceCounts())

    # -- 1. capture ---------------------------------------------------------------------

    def receive(self, header: dict[str, Any], body: bytes) -> None:
        kind = header.get("type")
        if kind == "page":
            warc = header.get("warc")  # where the WARC capture lives; else the bytes come along
            size = header.get("body_bytes", 0) if warc else len(body)
            self._captures.append([
                header["source"], header["role"], header["url"], header.get("final_url"), header.get("status"),
                header.get("content_type"), header.get("etag"), header.get("last_modified"),
                _iso(header.get("lastmod")), header.get("anchor"), _iso(header["fetched_at"]),
                None if warc else body, self.run_id,
                json.dumps(header["links"], ensure_ascii=False) if header.get("links") is not None else None,
                *(warc or (None, None, None)), size,
            ])
            self.captured_bytes += size
            self.waiting_bytes += len(body)
        elif kind == "not_modified":
            self._touches.append((header["source"], header["url"], _iso(header.get("lastmod")),
                                  _iso(header["checked_at"])))
        elif kind == "error":
            self._errors.append((header["source"], header["url"], header.get("stage", "fetch"), header["message"]))
            if header.get("status") in GONE_STATUSES and header.get("role"):
                # a dead link is remembered, so it is not requested again every run
                self._missing.append(dict(url=header["url"], source=header["source"], role=header["role"],
                                          verdict="missing", status=header["status"], etag=None,
                                          last_modified=None, lastmod=None, content_hash=None, page_id=None,
                                          fetched_at=datetime.now(timezone.utc), run_id=self.run_id))
        elif kind == "progress":
            self.progress = header.get("sources", {})
        elif kind == "stats":
            self.crawl_completed = True
            for name, stats in header.get("sources", {}).items():
                counts = self.count(name)
                counts.listed = stats.get("listed", 0)
                counts.skipped_known = stats.get("skipped_known", 0)
                counts.skipped_missing = stats.get("skipped_missing", 0)
                counts.listing_pages = stats.get("listing_pages", 0)
                counts.requests = stats.get("requested", 0)
                counts.start_urls = stats.get("start_urls", 0)
                counts.start_failures = stats.get("start_failures", 0)
                if stats.get("capped"):
                    counts.flags.append(f"stopped at max_pages = {self.sources[name].max_pages}"
                                        if name in self.sources else "stopped at max_pages")

    @property
    def waiting(self) -> int:
        return len(self._captures) + len(self._touches) + len(self._errors) + len(self._missing)

    def capture(self, also: Callable[[], None] | None = None) -> int:
        """Write what has arrived (raw captures, 304s, fetch errors) in one transaction, with
        ``also`` (the frontier writer marks the stream entries it stores in the same one)."""
        if not self.waiting and also is None:
            return 0
        started = time.monotonic()
        captures, touches, errors, missing = self._captures, self._touches, self._errors, self._missing
        self._captures, self._touches, self._errors, self._missing = [], [], [], []
        self.waiting_bytes = 0
        sync(self.captures, {row[WARC_FILE - 1] for row in captures if row[WARC_FILE - 1] is not None})
        with self.store.transaction():
            self.store.save_crawl_states(missing)
            if captures:
                self.store.inbox_add(captures)
            for source, url, lastmod, checked in touches:
                self.store.touch_crawl_state(url, checked, lastmod, self.run_id)
            for source, url, stage, message in errors:
                self.store.record_error(self.run_id, url, stage, f"[{source}] {message}")
            if also is not None:
                also()
        for source, *_ in touches:
            self.count(source).not_modified += 1
        for source, url, stage, message in errors:
            self.count(source).errors += 1
            self.on_error(source, url, message)
        self.inbox += len(captures)
        self.seconds["capture"] += time.monotonic() - started
        return len(captures)

    # -- 2. process ---------------------------------------------------------------------

    def process(self, limit: int = PROCESS_BATCH) -> int:
        """Clean, classify and store up to ``limit`` captures from the inbox, in this process;
        return how many (with a pool in use: store its oldest batch)."""
        if self._pool is not None and self._pool.busy:
            return self._store_next(block=True)
        started = time.monotonic()
        taken = self.store.inbox_take(limit, max_bytes=BATCH_BYTES)
        if not taken:
            self.inbox = 0
            return 0
        rows = self._read_captures(taken)
        prepared = [prepare(row) for row in rows]
        self.seconds["clean"] += time.monotonic() - started
        self._classify_and_store(prepared, rows)
        return len(taken)

    def pump(self) -> int:
        """Pool mode, without waiting: store the batches the workers finished (oldest first) and
        hand them new ones; return how many captures were stored. Without a pool: ``process``."""
        if self.workers < 2:
            return self.process() if self.inbox else 0
        stored = 0
        while self._pool is not None and self._pool.oldest_done:
            stored += self._store_next(block=False)
        if self.inbox > self._in_pool_rows:  # captures no worker has yet
            self._feed()
        return stored

    @property
    def _in_pool_rows(self) -> int:
        return self._pool.rows if self._pool is not None else 0

    @property
    def ready(self) -> bool:
        """Pool mode: a finished batch waits to be stored, or a worker waits for a batch."""
        pool = self._pool
        if pool is not None and pool.oldest_done:
            return True
        return self.inbox > self._in_pool_rows and (pool is None or not pool.full)

    def process_all(self, on_progress: Callable[[int], None] = lambda n: None) -> int:
        """Clean, classify and store the whole inbox (in the pool when there is one)."""
        done = 0
        while True:
            if self.workers >= 2:
                self._feed(wait=True)
                busy = self._pool is not None and self._pool.busy
                n = self._store_next(block=True) if busy else 0
            else:
                busy, n = False, self.process()
            if not n and not busy:
                return done
            done += n
            on_progress(done)

    def close(self) -> None:
        """Stop the worker processes (batches in flight stay in the inbox for the next run)."""
        pool, self._pool = self._pool, None
        self._taken_rows.clear()
        self._taken = self._taken_bytes = 0
        if pool is not None:
            pool.close()

    def _feed(self, wait: bool = False) -> None:
        """Hand the workers batches from the inbox until each has enough to do (if they are up,
        or once they are, if ``wait``)."""
        if self._pool is None:
            self.start_workers()
        if wait:
            self._pool.wait_started()
        while not self._pool.full:
            if not self._taken_rows and not self._read_ahead():
                return
            batch, size = [], 0
            while self._taken_rows and len(batch) < PROCESS_BATCH:
                next_size = row_bytes(self._taken_rows[0])
                if batch and size + next_size > BATCH_BYTES:
                    break
                batch.append(self._taken_rows.popleft())
                size += next_size
            self._taken_bytes -= size
            self._pool.submit(batch)

    def start_workers(self) -> None:
        """Start the pool of cleaning workers in the background (they load the model first)."""
        if self._pool is None and self.workers >= 2:
            kind = self.classifier_kind if self.classifier_kind is not None else classifier_kind(self._classifier)
            if kind not in (None, "keywords"):
                # A model's first crawl converts it (scikit-learn loaded, ~300 MiB, in a child
                # process): done before the crawl starts, its peak never adds to the crawl's.
                from edualliance.models import registry, runtime

                runtime.prepare_runtime(registry.shipped_dir() if kind == "model" else Path(kind))
            self._pool = CleaningPool(self.workers, kind)

    def _read_ahead(self) -> bool:
        """Read the next inbox rows for the workers: up to ``TAKE_ROWS`` and ``TAKE_BYTES`` page
        bytes; False when the inbox has no more."""
        taken = self.store.inbox_take(TAKE_ROWS, after=self._taken, max_bytes=TAKE_BYTES)
        if not taken:
            return False
        self._taken = taken[-1][0]
        rows = [as_sent(row) for row in self._read_captures(taken)]
        size = sum(row_bytes(row) for row in rows)
        self._taken_rows.extend(rows)
        self._taken_bytes += size
        return True

    def _read_captures(self, rows: list[tuple]) -> list[tuple]:
        """The rows with the bytes of each WARC capture read from its file. A capture that cannot
        be read is an error recorded for its URL, and leaves the inbox (a rerun would not read it
        either)."""
        out, unreadable = [], []
        for row in rows:
            if row[WARC_FILE] is None:
                out.append(row)
                continue
            try:
                body = read_capture(self.captures, *row[WARC_FILE:WARC_FILE + 3])
            except CaptureError as exc:
                unreadable.append((row, str(exc)))
                continue
            out.append((*row[:BODY], body, *row[BODY + 1:]))
        if unreadable:
            with self.store.transaction():
                for row, message in unreadable:
                    self.store.record_error(self.run_id, row[3], "capture", f"[{row[1]}] WARC capture unreadable:"
                                            f" {message}")
                self.store.inbox_delete([row[0] for row, _ in unreadable])
            for row, message in unreadable:
                self.count(row[1]).errors += 1
                self.on_error(row[1], row[3], message)
            self.inbox = max(0, self.inbox - len(unreadable))
        return out

    def _store_next(self, block: bool) -> int:
        """Store the oldest batch in flight (waiting for it if ``block``)."""
        done = self._pool.next_done(block)
        if done is None:
            return 0
        rows, results, clean_seconds, classify_seconds = done
        self.seconds["clean"] += clean_seconds
        self.seconds["classify"] += classify_seconds
        prepared = []
        for row, c in zip(rows, results):
            p = prepare_shell(row)
            p.role, p.result, p.articles, p.error = c.role, c.result, c.articles, c.error
            if c.verdicts is not None:
                p.verdicts = list(c.verdicts)
            if c.extractions is not None:
                p.extractions = list(c.extractions)
            prepared.append(p)
        verdicts_known = all(c.verdicts is not None for c in results)
        self._classify_and_store(prepared, rows, classify=not verdicts_known)
        return len(rows)

    def _classify_and_store(self, prepared: list[Prepared], rows, classify: bool = True) -> None:
        started = time.monotonic()
        if classify:
            articles = [a for p in prepared for a in p.articles]
            verdicts = self.classifier.classify([(a.title, a.text_normalized) for a in articles]) if articles else []
            it = iter(verdicts)
            for p in prepared:
                p.verdicts = [next(it) for _ in p.articles]
        classified = time.monotonic()
        self.seconds["classify"] += classified - started
        if any(p.articles and not p.extractions for p in prepared):
            from edualliance.pipeline.facts import extract

            for p in prepared:
                if p.articles and not p.extractions:
                    p.extractions = [extract(a, v) for a, v in zip(p.articles, p.verdicts)]
        extracted = time.monotonic()
        self.seconds["extract"] += extracted - classified
        writes = plan_batch(prepared, self.sources, self.run_id, self.count, self.on_error)
        mined = {x.article_id: x for p in prepared for x in p.extractions}
        outcomes = write_batch(self.store, writes, mined, self.run_id)
        for (_, article, _), outcome in zip(writes.articles, outcomes):
            counts = self.count(article.source)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.seconds["store"] += time.monotonic() - extracted
        self.inbox = max(0, self.inbox - len(rows))
