"""Where crawled responses become corpus rows, in two steps.

1. ``capture``: raw responses go to ``crawl_inbox`` as received, in one quick
   transaction per batch (nothing is parsed: this keeps pace with the crawl).
2. ``process``: batches of the inbox are cleaned (pipeline.clean), attachments
   turned into text, classified (models.loader), and stored — page, articles,
   labels, crawl state and the inbox deletion in one transaction, so a crash
   leaves each capture either still in the inbox or fully stored.

Cleaning and classifying cost tens of milliseconds a page, storing a few: with
``workers`` ≥ 2 they run in a pool of worker processes (one per core by
default), several batches at a time, and this process only reads the inbox
and writes the results, in the order the batches were taken. The workers
touch no database; a batch in flight is still in the inbox until its results
are stored, so a killed run loses nothing.

Focused crawling: an article the classifier gives no label is recorded in
``crawl_state`` as ``off_topic`` (so it is not fetched again) but its page
and text are not stored, unless its source says ``focused = false``.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError, decode
from edualliance.pipeline.records import NONE_LABEL, Article, Classification, CleanResult, Decoded, RawPage
from edualliance.pipeline.store import Store

from . import docfiles
from .registry import Source, SourceCounts

#: Captures cleaned per transaction.
PROCESS_BATCH = 50

#: With a pool, batches handed to the workers at once, per worker (one being
#: cleaned, one waiting, so that no worker idles while results are stored).
INFLIGHT_PER_WORKER = 2


#: With a pool, captures read from the inbox per query. Reading a few rows costs
#: about as much as reading many (DuckDB reads the page bytes of whole vectors of
#: rows), so the writer reads hundreds at once and hands them out in batches.
TAKE_ROWS = 500


#: Workers run at this lower priority, so that the crawl and the writer (one
#: process each, which the workers cannot replace) never wait for a core.
WORKER_NICENESS = 10


def default_workers() -> int:
    """Clean and classify in one process per core (none beside the writer on one core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores >= 2 else 0

_DATE = re.compile(r"((?:19|20)\d{2})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})")


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class Prepared:
    capture_id: int
    raw: RawPage
    role: str
    lastmod: datetime | None
    result: CleanResult | None = None
    articles: tuple[Article, ...] = ()
    verdicts: list[Classification] = field(default_factory=list)
    error: str | None = None
    stage: str = "clean"


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What a worker made of one capture (the page bytes stay with the writer)."""

    capture_id: int
    role: str
    result: CleanResult | None
    articles: tuple[Article, ...]
    verdicts: tuple[Classification, ...] | None  # None: the writer classifies
    error: str | None


def prepare(row) -> Prepared:
    """Clean one inbox row (decode a listing, read an attachment, clean an article page)."""
    p = prepare_shell(row)
    raw, role, content_type, anchor = p.raw, p.role, p.raw.content_type, row[10]
    try:
        if role == "listing":
            p.result = CleanResult((), True, decode(raw.body, content_type))
        elif role == "attachment":
            p.result, p.articles = attachment_articles(raw, anchor)
        else:
            result = clean_page(raw)
            if result.is_listing or not result.articles:
                p.role = "listing"  # the cleaning stage's verdict: a list, not an article
                p.result = CleanResult((), True, result.decoded)
            else:
                p.result, p.articles = result, result.articles
    except (CleaningError, DecodeError, docfiles.AttachmentError) as exc:
        p.error = str(exc)
    except RecursionError:
        p.error = "page nested too deeply to parse"
    except Exception as exc:  # noqa: BLE001 - a library failing on one hostile page must not
        # stop the run, nor every later run that would find the page still in the inbox
        p.error = f"unexpected {type(exc).__name__} while cleaning: {exc}"
    return p


def prepare_shell(row) -> Prepared:
    """The writer's side of a row cleaned by a worker: the page as received, not yet cleaned."""
    (capture_id, source, role, url, final_url, status, content_type, etag, last_modified, lastmod,
     _anchor, fetched_at, body, _run_id) = row
    raw = RawPage(body=bytes(body), source=source, fetched_at=fetched_at.replace(tzinfo=timezone.utc),
                  url=url, final_url=final_url, status=status, content_type=content_type, etag=etag,
                  last_modified=last_modified)
    return Prepared(capture_id, raw, role, lastmod)


# -- the worker processes ------------------------------------------------------------------

_worker_classifier = None


def classifier_kind(classifier) -> str | None:
    """How a worker loads the same classifier the writer holds: 'keywords', or the folder
    of the learned model's artifact (loaded through skops with its trusted types); None
    when it cannot (any other classifier then runs in the writer). The model is never
    sent between processes: each worker loads it from its folder."""
    from edualliance.models.keywords import KeywordClassifier

    if isinstance(classifier, KeywordClassifier):
        return "keywords"
    return getattr(classifier, "source", None)


def _worker_start(writer_pid: int, kind: str | None) -> None:
    """Pool initializer: die with the writer, load the classifier once (not per page)."""
    global _worker_classifier
    threading.Thread(target=_exit_with, args=(writer_pid,), name="watch-writer", daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    # The crawl and the writer are the serial parts: the workers take the CPU they leave.
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    if kind is not None:
        from edualliance.models.loader import load_classifier

        _worker_classifier = load_classifier(kind) if kind == "keywords" else load_classifier("model", model=kind)


def _exit_with(pid: int) -> None:
    """Exit as soon as process ``pid`` (the writer) is gone, however it ended (SIGKILL too).

    The workers are the fork server's children, not the writer's, and they hold
    the ends of their own task pipes: without this a killed writer would leave
    them (and the fork server) waiting forever.
    """
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        import select

        select.select([fd], [], [])  # readable when the process has ended
        os._exit(1)
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        time.sleep(0.5)


def _worker_batch(rows: list) -> tuple[list[Cleaned], float, float]:
    """Clean and classify a batch in a worker; return the results and the CPU seconds of each stage
    (not wall time: the workers share the cores with the crawl and the writer)."""
    started = time.process_time()
    prepared = [prepare(row) for row in rows]
    cleaned = time.process_time()
    verdicts = None
    if _worker_classifier is not None:
        items = [(a.title, a.text_normalized) for p in prepared for a in p.articles]
        verdicts = iter(_worker_classifier.classify(items) if items else [])
    out = []
    for p in prepared:
        result = p.result
        if result is not None:  # the decoded text is not stored: do not send it back
            result = CleanResult(result.articles, result.is_listing,
                                 Decoded("", result.decoded.declared_encoding, result.decoded.used_encoding))
        out.append(Cleaned(p.capture_id, p.role, result, p.articles,
                           tuple(next(verdicts) for _ in p.articles) if verdicts is not None else None, p.error))
    return out, cleaned - started, time.process_time() - cleaned


def _pool_context():
    import multiprocessing

    if sys.platform.startswith("linux"):
        # A fresh server process forks the workers: nothing of the writer (its
        # database, its threads) is inherited, and the imports happen once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


class CrawlSink:
    def __init__(self, store: Store, classifier, run_id: int | None, sources: dict[str, Source],
                 on_error: Callable[[str, str, str], None] = lambda source, url, message: None,
                 workers: int | None = None) -> None:
        self.store = store
        self.classifier = classifier
        self.run_id = run_id
        self.sources = sources
        self.on_error = on_error
        self.workers = default_workers() if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        self._inflight: deque[tuple[list, Future]] = deque()  # (rows, their results), oldest first
        self._taken = 0  # the last capture_id handed to the workers
        self._inflight_rows = 0
        self._taken_rows: deque = deque()  # read from the inbox, not yet handed to a worker
        self.counts: dict[str, SourceCounts] = {name: SourceCounts() for name in sources}
        self._captures: list[list[Any]] = []
        self._touches: list[tuple[str, str, datetime | None, datetime]] = []
        self._errors: list[tuple[str, str, str, str]] = []
        self.captured_bytes = 0
        self.inbox = store.inbox_count()
        self.crawl_completed = False  # the crawler sent its closing stats
        self.started = time.monotonic()
        self.crawl_seconds: float | None = None  # until the crawler exited and its pages were received
        # Where time went (with a pool, clean and classify are the workers' CPU seconds).
        self.seconds = {"capture": 0.0, "clean": 0.0, "classify": 0.0, "store": 0.0}

    def count(self, source: str) -> SourceCounts:
        return self.counts.setdefault(source, SourceCounts())

    # -- 1. capture ---------------------------------------------------------------------

    def receive(self, header: dict[str, Any], body: bytes) -> None:
        kind = header.get("type")
        if kind == "page":
            self._captures.append([
                header["source"], header["role"], header["url"], header.get("final_url"), header.get("status"),
                header.get("content_type"), header.get("etag"), header.get("last_modified"),
                _iso(header.get("lastmod")), header.get("anchor"), _iso(header["fetched_at"]), body, self.run_id,
            ])
            self.captured_bytes += len(body)
        elif kind == "not_modified":
            self._touches.append((header["source"], header["url"], _iso(header.get("lastmod")),
                                  _iso(header["checked_at"])))
        elif kind == "error":
            self._errors.append((header["source"], header["url"], header.get("stage", "fetch"), header["message"]))
        elif kind == "stats":
            self.crawl_completed = True
            for name, stats in header.get("sources", {}).items():
                counts = self.count(name)
                counts.listed = stats.get("listed", 0)
                counts.skipped_known = stats.get("skipped_known", 0)
                counts.listing_pages = stats.get("listing_pages", 0)
                if stats.get("capped"):
                    counts.flags.append(f"stopped at max_pages = {self.sources[name].max_pages}"
                                        if name in self.sources else "stopped at max_pages")

    @property
    def waiting(self) -> int:
        return len(self._captures) + len(self._touches) + len(self._errors)

    def capture(self) -> int:
        """Write what has arrived (raw captures, 304s, fetch errors) in one transaction."""
        if not self.waiting:
            return 0
        started = time.monotonic()
        captures, touches, errors = self._captures, self._touches, self._errors
        self._captures, self._touches, self._errors = [], [], []
        with self.store.transaction():
            if captures:
                self.store.inbox_add(captures)
            for source, url, lastmod, checked in touches:
                self.store.touch_crawl_state(url, checked, lastmod, self.run_id)
            for source, url, stage, message in errors:
                self.store.record_error(self.run_id, url, stage, f"[{source}] {message}")
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
        """Clean, classify and store up to ``limit`` captures from the inbox; return how many."""
        if self._inflight:
            return self._store_next(block=True)
        started = time.monotonic()
        rows = self.store.inbox_take(limit)
        if not rows:
            self.inbox = 0
            return 0
        prepared = [prepare(row) for row in rows]
        self.seconds["clean"] += time.monotonic() - started
        self._classify_and_store(prepared, rows)
        return len(rows)

    def pump(self) -> int:
        """Pool mode, without waiting: store the batches the workers finished (oldest first) and
        hand them new ones; return how many captures were stored. Without a pool: ``process``."""
        if self.workers < 2:
            return self.process() if self.inbox else 0
        stored = 0
        while self._inflight and self._inflight[0][1].done():
            stored += self._store_next(block=False)
        if self.inbox > self._inflight_rows:  # captures no worker has yet
            self._feed()
        return stored

    @property
    def ready(self) -> bool:
        """Pool mode: a finished batch waits to be stored, or a worker waits for a batch."""
        if self._inflight and self._inflight[0][1].done():
            return True
        return self.inbox > self._inflight_rows and len(self._inflight) < self.workers * INFLIGHT_PER_WORKER

    def process_all(self, on_progress: Callable[[int], None] = lambda n: None) -> int:
        """Clean, classify and store the whole inbox (in the pool when there is one)."""
        done = 0
        while True:
            if self.workers >= 2:
                self._feed()
                n = self._store_next(block=True) if self._inflight else 0
            else:
                n = self.process()
            if not n and not self._inflight:
                return done
            done += n
            on_progress(done)

    def close(self) -> None:
        """Stop the worker processes (batches in flight stay in the inbox for the next run)."""
        pool, self._pool = self._pool, None
        self._inflight.clear()
        self._taken_rows.clear()
        self._taken = self._inflight_rows = 0
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _feed(self) -> None:
        """Hand the workers batches from the inbox until each has enough to do."""
        while len(self._inflight) < self.workers * INFLIGHT_PER_WORKER:
            if not self._taken_rows:
                taken = self.store.inbox_take(TAKE_ROWS, after=self._taken)
                if not taken:
                    return
                self._taken = taken[-1][0]
                self._taken_rows.extend(taken)
            rows = [self._taken_rows.popleft() for _ in range(min(PROCESS_BATCH, len(self._taken_rows)))]
            future = self._start_pool().submit(_worker_batch, [self._slim(row) for row in rows])
            self._inflight.append((rows, future))
            self._inflight_rows += len(rows)

    @staticmethod
    def _slim(row) -> tuple:
        """An inbox row as sent to a worker: the body as bytes (it may come as a memoryview)."""
        return (*row[:12], bytes(row[12]), row[13])

    def _start_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_pool_context(), initializer=_worker_start,
                                             initargs=(os.getpid(), classifier_kind(self.classifier)))
        return self._pool

    def _store_next(self, block: bool) -> int:
        """Store the oldest batch in flight (waiting for it if ``block``)."""
        rows, future = self._inflight[0]
        if not block and not future.done():
            return 0
        results, clean_seconds, classify_seconds = future.result()
        self._inflight.popleft()
        self._inflight_rows -= len(rows)
        self.seconds["clean"] += clean_seconds
        self.seconds["classify"] += classify_seconds
        prepared = []
        for row, c in zip(rows, results):
            p = prepare_shell(row)
            p.role, p.result, p.articles, p.error = c.role, c.result, c.articles, c.error
            if c.verdicts is not None:
                p.verdicts = list(c.verdicts)
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
        self._states: list[dict[str, Any]] = []
        self._pages: list[tuple[RawPage, CleanResult]] = []
        self._articles: list[tuple[str, Article, Classification]] = []
        self._failed: list[tuple[str, str]] = []
        for p in prepared:
            self._plan(p)
        with self.store.transaction():
            for target, message in self._failed:
                self.store.record_error(self.run_id, target, "clean", message)
            self.store.save_pages(self._pages, self.run_id)
            outcomes = self.store.save_articles([(page_id, a) for page_id, a, _ in self._articles])
            self.store.save_classifications([(a.article_id, v) for _, a, v in self._articles])
            self.store.save_crawl_states(self._states)
            self.store.inbox_delete([p.capture_id for p in prepared])
        for (_, article, _), outcome in zip(self._articles, outcomes):
            counts = self.count(article.source)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.seconds["store"] += time.monotonic() - classified
        self.inbox = max(0, self.inbox - len(rows))

    def _plan(self, p: Prepared) -> None:
        """Decide what one capture becomes; the writes happen together in ``process``."""
        raw, counts = p.raw, self.count(p.raw.source)
        if p.role in ("article", "attachment"):
            counts.fetched += 1
        if p.error is not None:
            counts.errors += 1
            self._failed.append((raw.url or raw.name, f"[{raw.source}] {p.error}"))
            self.on_error(raw.source, raw.url or "", p.error)
            return
        source = self.sources.get(raw.source)
        focused = source.focused if source else True
        state = dict(url=raw.url, source=raw.source, role=p.role, status=raw.status, etag=raw.etag,
                     last_modified=raw.last_modified, lastmod=p.lastmod, content_hash=raw.content_hash,
                     fetched_at=raw.fetched_at, run_id=self.run_id)
        if p.role == "listing":
            self._pages.append((raw, p.result))
            self._states.append({**state, "verdict": "listing", "page_id": raw.page_id})
            return
        if focused and all(v.primary == NONE_LABEL and not v.labels for v in p.verdicts):
            counts.off_topic += 1
            self._states.append({**state, "verdict": "off_topic", "page_id": None})
            return
        self._pages.append((raw, p.result))
        self._articles.extend((raw.page_id, a, v) for a, v in zip(p.articles, p.verdicts))
        if p.role == "attachment":
            counts.attachments += 1
        self._states.append({**state, "verdict": "stored", "page_id": raw.page_id})

    # -- the end of a run -----------------------------------------------------------------

    def flag_silent_sources(self, previous: dict[str, Any] | None, names) -> list[str]:
        """A source that listed articles last run and lists none now has probably changed its layout."""
        flags = []
        before = (previous or {}).get("sources", {})
        for name in names:
            was = before.get(name, {}).get("listed", 0)
            now = self.count(name)
            if was and not now.listed:
                message = (f"source {name!r} listed {was} article URLs last run and none now: "
                           "check that the site still has this layout (start URLs, allow patterns)")
                now.flags.append(message)
                flags.append(message)
                self.store.record_error(self.run_id, name, "crawl", message)
        return flags


def attachment_articles(raw: RawPage, anchor: str | None) -> tuple[CleanResult, tuple[Article, ...]]:
    """PDF/DOC/DOCX bytes → the article its text makes (via the cleaning stage's text rules)."""
    kind = docfiles.kind_of(raw.url, raw.content_type, raw.body[:8])
    if kind is None:
        raise docfiles.AttachmentError(f"not a PDF, DOC or DOCX ({raw.content_type or 'no content type'})")
    text = docfiles.extract_text(raw.body, kind)
    as_text = replace(raw, body=text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    decoded = Decoded(text, None, kind)
    try:
        result = clean_page(as_text)
        articles = result.articles if not result.is_listing else ()
    except CleaningError:
        articles = ()
    if len(articles) != 1:
        articles = (_whole_text_article(raw, text, anchor),)
    article = articles[0]
    if not article.title and anchor:
        article = replace(article, title=_strip_suffix(anchor))
    if article.published is None:
        tail = "\n".join(text.strip().splitlines()[-4:])
        match = _DATE.search(tail)
        if match:
            try:
                article = replace(article, published=datetime(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                pass
    return CleanResult((article,), False, decoded), (article,)


def _strip_suffix(anchor: str) -> str:
    return re.sub(r"^\s*\d+[.、．]\s*|\.(?:pdf|docx?|wps)\s*$", "", anchor.strip(), flags=re.I)


def _whole_text_article(raw: RawPage, text: str, anchor: str | None) -> Article:
    from urllib.parse import urlsplit

    from edualliance.pipeline.normalize import normalize

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = _strip_suffix(anchor) if anchor else (lines[0] if lines and len(lines[0]) <= 60 else None)
    body = "\n".join(lines)
    normalized, script = normalize(body)
    return Article(
        article_id=Article.make_id(raw.page_key, 0), page_key=raw.page_key, part=0, source=raw.source,
        title=title, text=body, text_normalized=normalized, url=raw.url,
        site=urlsplit(raw.url).hostname if raw.url else None, script=script,
        extractor_version="attachment-1",
    )
