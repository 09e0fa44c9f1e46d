"""Run a crawl: the crawling child process, and this process storing what it sends.

``run_crawl`` is the whole weekly job for a set of sources: captures left by a
killed run are processed first, the crawl state is handed to a Scrapy child
process, every response it sends is captured raw at once and cleaned and
classified in batches alongside the crawl by a pool of worker processes (one
per core), whose results this process stores, and one ``runs`` row records
per-source counts.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edualliance.pipeline import dedup

from . import capture_migrate, health
from .channel import ChannelError, read_messages
from .registry import Source, taxonomy_keywords
from .sink.crawl_sink import CrawlSink
from .sink.pool import resolve_kind

if TYPE_CHECKING:
    from edualliance.models.loader import Classifier

log = logging.getLogger(__name__)

#: Settings for crawling the loopback fixture web: no delays, short timeouts.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
}

_EOF = object()

#: Raw captures are written when this many are waiting, or this many page bytes, or this often.
CAPTURE_BATCH = 64
CAPTURE_BYTES = 4 * 2**20
CAPTURE_SECONDS = 0.5

#: DuckDB's buffer pool for the storing process during a crawl (DuckDB's own default is 80% of
#: the machine): left alone, it keeps cached every block of the pages it wrote, and the process
#: grows with the crawl (by about 100 MiB a thousand pages). The floor is DuckDB's checkpoint,
#: which pins blocks it cannot evict: at 64 MB a 3,000-page crawl's checkpoint failed to pin one,
#: and DuckDB then invalidates the database (FatalException) for the rest of the run; 192 MB
#: holds a 3,000-page crawl (bench/bench_crawl.py). Reading the inbox needs far less (its pages
#: are in 4,000-byte pieces; a 24 MB cap reads it, tests/test_crawl_sink.py).
#: ``$EDUALLIANCE_CRAWL_DB_MEMORY`` (a DuckDB size such as '1GB') overrides it, for a very
#: large corpus or a DuckDB that needs more.
CRAWL_DB_MEMORY = "192MB"
CRAWL_DB_MEMORY_ENV = "EDUALLIANCE_CRAWL_DB_MEMORY"

_DUCKDB_SIZE = re.compile(r"^\d+(?:\.\d+)?\s*(?:[KMGT]i?B|B|bytes)$", re.IGNORECASE)

#: DuckDB threads of the storing process during a crawl: its statements are small, and the
#: cores are the cleaning workers' (each DuckDB thread also keeps buffers of its own).
CRAWL_DB_THREADS = 1

#: Page bytes the reader thread may queue before it stops reading the crawl's pipe (the
#: crawl then waits on its writes): what this process holds of pages not yet captured.
RECEIVE_BYTES = 8 * 2**20

#: A progress line (requests, stored articles and queue per source) this often.
PROGRESS_SECONDS = 5.0


@dataclass
class CrawlReport:
    run_id: int
    status: str
    counts: dict[str, Any]
    exit_code: int

    @property
    def flags(self) -> list[str]:
        return self.counts.get("flags", [])


def _totals(per_source: dict[str, dict]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in per_source.values():
        for key, value in counts.items():
            if isinstance(value, int) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
    return totals


def run_crawl(store, sources: list[Source], classifier: Classifier | str, *, kind: str = "crawl",
              settings: dict[str, Any] | None = None, keywords: tuple[str, ...] | None = None,
              echo: Callable[[str], None] = lambda message: None,
              worker_log: Path | None = None, clean_during_crawl: bool = True,
              progress_seconds: float = PROGRESS_SECONDS, db_memory: str | None = None) -> CrawlReport:
    """Crawl ``sources`` into ``store`` (this process writes; a child process crawls).

    ``classifier`` is a loaded classifier or the kind to load ('auto', 'model', 'keywords'). Pass
    the kind: with a pool of cleaning workers (two cores or more) only they load the model, in
    their fork server, and share it, so this process holds none (about 250 MiB less).

    ``clean_during_crawl=False`` only captures raw pages while the crawl runs
    and cleans them after it (the benchmark uses this to time the crawl alone).
    The report's flags (crawler/health.py) say which sources look broken.

    ``db_memory``: DuckDB's memory limit for the store while the crawl runs (default
    ``$EDUALLIANCE_CRAWL_DB_MEMORY``, else ``CRAWL_DB_MEMORY``).
    """
    db_memory = db_memory or os.environ.get(CRAWL_DB_MEMORY_ENV) or CRAWL_DB_MEMORY
    if not _DUCKDB_SIZE.match(db_memory):
        raise ValueError(f"DuckDB memory limit {db_memory!r} (${CRAWL_DB_MEMORY_ENV} or db_memory) is not a size:"
                         " write it like 128MB or 1GB")
    with store.memory_budget(db_memory, CRAWL_DB_THREADS):
        return _run_crawl(store, sources, classifier, kind, settings, keywords, echo, worker_log,
                          clean_during_crawl, progress_seconds)


def _run_crawl(store, sources: list[Source], classifier, kind: str, settings: dict[str, Any] | None,
               keywords: tuple[str, ...] | None, echo: Callable[[str], None], worker_log: Path | None,
               clean_during_crawl: bool, progress_seconds: float) -> CrawlReport:
    if isinstance(classifier, str):
        classifier = resolve_kind(classifier)  # a missing model is an error before the run starts
    run_id = store.start_run(kind)
    by_name = {s.name: s for s in sources}
    sink = CrawlSink(store, classifier, run_id, by_name,
                     on_error=lambda source, url, message: log.info("%s: %s: %s", source, url, message))
    status, exit_code = "failed", -1
    previous = store.recent_runs(HEALTH_KINDS, limit=HEALTH_LOOKBACK)
    resumed: dict[str, dict] = {}
    try:
        leftover = store.inbox_count()
        if leftover:
            echo(f"processing {leftover} captures left by an interrupted run …")
            sink.process_all()
            # What the killed run fetched is its work, not this run's: counted apart, so that
            # this run's fetched + skipped_known still add up to what it listed.
            resumed = {name: c.as_dict() for name, c in sink.counts.items() if c.fetched or c.errors}
            sink.counts = {name: type(c)() for name, c in sink.counts.items() if name in by_name}
        capture_migrate.migrate(store, sink.captures, echo)  # bytes an older version kept in pages
        with store.transaction():
            for source in sources:
                store.save_source(source.name, source.kind, source.as_config())
        if clean_during_crawl:
            sink.start_workers()  # they load the model while the crawl starts
        exit_code = _crawl_child(store, sink, sources, settings or {}, keywords, echo, worker_log,
                                 clean_during_crawl, progress_seconds)
        sink.crawl_seconds = time.monotonic() - sink.started
        sink.capture()
        sink.process_all()
        sink.close()  # the workers are done: their memory (a third of the run's) goes before clustering
        dedup.cluster_store(store)  # this run's articles against the whole corpus
        status = "finished" if exit_code == 0 and sink.crawl_completed else "failed"
    finally:
        sink.close()
        flags = _judge_health(store, sink, run_id, previous, sources) if status == "finished" else []
        per_source = {name: c.as_dict() for name, c in sink.counts.items()}
        counts = {"sources": per_source, "totals": _totals(per_source), "flags": flags,
                  "resumed": resumed,
                  "worker_exit_code": exit_code,
                  "crawl_seconds": round(sink.crawl_seconds, 3) if sink.crawl_seconds is not None else None,
                  "seconds": round(time.monotonic() - sink.started, 3),
                  "stage_seconds": {k: round(v, 3) for k, v in sink.seconds.items()}}
        store.finish_run(run_id, status, counts)
    return CrawlReport(run_id, status, counts, exit_code)


#: Runs whose per-source counts make a source's history (crawler/health.py).
HEALTH_KINDS = ("crawl", "run", "demo")
HEALTH_LOOKBACK = 200


def _judge_health(store, sink: CrawlSink, run_id: int, previous, sources: list[Source]) -> list[str]:
    """Flag each source against its own earlier runs; the flags go to its counts and the errors table."""
    earlier = health.history(previous, [s.name for s in sources])
    stored = store.last_new_by_source()
    flags = []
    for source in sources:
        counts = sink.count(source.name)
        now = health.run_of_source(run_id, None, counts.as_dict())
        for flag in health.judge(earlier[source.name].runs, now, ever_stored=source.name in stored):
            message = f"source {source.name!r} {flag}"
            counts.flags.append(message)
            flags.append(message)
            store.record_error(run_id, source.name, "health", f"[{source.name}] {flag}")
    return flags


def _crawl_child(store, sink: CrawlSink, sources: list[Source], settings: dict[str, Any],
                 keywords: tuple[str, ...] | None, echo, worker_log: Path | None,
                 clean_during_crawl: bool = True, progress_seconds: float = PROGRESS_SECONDS) -> int:
    with tempfile.TemporaryDirectory(prefix="edualliance-crawl-") as tmp:
        known_file = Path(tmp) / "known.jsonl"
        with known_file.open("w", encoding="utf-8") as handle:
            for url, source, role, verdict, etag, lm, lastmod, checked, links in store.crawl_state():
                handle.write(json.dumps({
                    "url": url, "source": source, "role": role, "verdict": verdict, "etag": etag,
                    "last_modified": lm, "lastmod": lastmod.isoformat() if lastmod else None,
                    "last_checked": checked.isoformat() if checked else None,
                    "links": json.loads(links) if links else None,
                }, ensure_ascii=False) + "\n")
        plan = {
            "sources": [s.as_config() for s in sources],
            "known_file": str(known_file),
            "keywords": list(keywords or taxonomy_keywords()),
            "settings": {"LOG_LEVEL": "WARNING", **settings},
            "parent_pid": os.getpid(),
            "captures": str(sink.captures),  # the crawl writes its pages there as WARC records
            "progress_seconds": progress_seconds,
        }
        plan_file = Path(tmp) / "plan.json"
        plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        stderr = open(worker_log, "ab") if worker_log else None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "edualliance.crawler.worker", str(plan_file)],
                stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
            )
            return _receive(proc, sink, echo, clean_during_crawl, progress_seconds)
        finally:
            if stderr:
                stderr.close()


class _MessageQueue:
    """The crawl's messages between the reader thread and this process's loop, holding at most
    ``limit`` page bytes (and always at least one message): ``put`` waits while it is full, so
    a crawl faster than the storing leaves its pages in the pipe, and then waits to write."""

    def __init__(self, limit: int) -> None:
        self._items: deque[tuple[Any, int]] = deque()
        self._bytes = 0
        self._limit = limit
        self._closed = False
        self._changed = threading.Condition()

    def put(self, message) -> None:
        # a page's size, whether its bytes come along or wait in its WARC file
        size = len(message[1]) + message[0].get("body_bytes", 0) if message is not _EOF else 0
        with self._changed:
            self._changed.wait_for(lambda: self._closed or not self._items or self._bytes + size <= self._limit)
            if not self._closed:
                self._items.append((message, size))
                self._bytes += size
                self._changed.notify_all()

    def get(self, timeout: float | None = None):
        """The oldest message; ``queue.Empty`` if none came within ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._items, timeout):
                raise queue.Empty
            message, size = self._items.popleft()
            self._bytes -= size
            self._changed.notify_all()
            return message

    def get_nowait(self):
        return self.get(timeout=0)

    def close(self) -> None:
        """Nobody reads any more: drop what is queued and release a waiting ``put``."""
        with self._changed:
            self._closed = True
            self._items.clear()
            self._bytes = 0
            self._changed.notify_all()


def _receive(proc: subprocess.Popen, sink: CrawlSink, echo, clean_during_crawl: bool = True,
             progress_seconds: float = PROGRESS_SECONDS) -> int:
    messages = _MessageQueue(RECEIVE_BYTES)
    broken = threading.Event()  # the channel failed: nobody reads the child's output any more

    def reader() -> None:
        try:
            for message in read_messages(proc.stdout):
                messages.put(message)
        except (ChannelError, ValueError) as exc:  # ValueError: bad JSON or UTF-8 in a header
            broken.set()
            messages.put(({"type": "error", "source": "?", "url": "", "stage": "crawl",
                           "message": f"crawl channel broken: {exc}"}, b""))
        finally:
            messages.put(_EOF)

    thread = threading.Thread(target=reader, name="crawl-reader", daemon=True)
    thread.start()
    last_report = last_capture = time.monotonic()
    done = False
    try:
        while not done:
            if not clean_during_crawl or not sink.inbox:
                timeout = 0.1
            elif sink.workers >= 2:  # the pool cleans: wake up for its results or new pages
                timeout = 0.0 if sink.ready else 0.01
            else:
                timeout = 0.0  # this process cleans between messages
            try:
                message = messages.get(timeout=timeout)
            except queue.Empty:
                message = None
            while message is not None:
                if message is _EOF:
                    done = True
                    break
                sink.receive(*message)
                if sink.waiting_bytes >= CAPTURE_BYTES:
                    break  # write these first
                try:
                    message = messages.get_nowait()
                except queue.Empty:
                    message = None
            if (sink.waiting >= CAPTURE_BATCH or sink.waiting_bytes >= CAPTURE_BYTES or done
                    or time.monotonic() - last_capture >= CAPTURE_SECONDS):
                sink.capture()  # one transaction per batch: a commit costs milliseconds
                last_capture = time.monotonic()
            if sink.inbox and clean_during_crawl:
                sink.pump()
            if time.monotonic() - last_report > progress_seconds:
                echo(progress_line(sink))
                last_report = time.monotonic()
    finally:
        if proc.poll() is None and (not done or broken.is_set()):
            proc.kill()  # else it could block for ever writing to a pipe no one reads
        code = proc.wait()
        if not done:
            messages.close()  # the reader may wait to queue a message nobody will take
        thread.join(timeout=5)
    return code


def progress_line(sink: CrawlSink) -> str:
    """"… moe-gedi: 120 requests, 35 stored, 14 queued | gmw-edu: … | 40 waiting to be cleaned"."""
    parts = []
    for name in sorted(set(sink.progress) | set(sink.counts)):
        crawled = sink.progress.get(name, {})
        counts = sink.count(name)
        parts.append(f"{name}: {crawled.get('requests', 0)} requests, {counts.new + counts.updated} stored, "
                     f"{crawled.get('queued', 0)} queued")
    return "… " + " | ".join(parts + [f"{sink.inbox} waiting to be cleaned"])
