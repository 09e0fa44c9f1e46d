"""The worker processes that clean and classify batches of inbox rows for the storing process.

One worker per core (``default_workers``), started by a fork server: nothing
of the storing process (its database, its threads) is inherited, and what
the fork server imported or loaded before forking is shared copy-on-write by
all workers. When the run uses the shipped model, the fork server loads it
(``shared_model``), so the workers share one copy of its arrays and the
storing process holds none. The workers touch no database: the storing
process sends them inbox rows and stores what they send back, oldest batch
first. They exit when the storing process does, ``kill -9`` included.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from importlib import resources
from pathlib import Path

from .rows import Cleaned, prepare, row_bytes, without_text

#: Batches handed to the workers at once, per worker (one being cleaned, one
#: waiting, so that no worker idles while results are stored) ...
INFLIGHT_PER_WORKER = 2

#: ... and at most this many page bytes in flight in all: each batch is held by
#: the storing process until its results are stored, and by a worker (with its
#: parse trees, several times the page) while it is cleaned.
INFLIGHT_BYTES = 12 * 2**20

#: Workers run at this lower priority, so that the crawl and the writer (one
#: process each, which the workers cannot replace) never wait for a core.
WORKER_NICENESS = 10

#: Module the fork server imports first: the cleaning stage, loaded once for all workers, and no
#: pandas or pyarrow in them.
PRELOAD = "edualliance.crawler.sink.preload"

#: Module the fork server imports when the run uses the shipped model.
SHARED_MODEL = "edualliance.crawler.sink.shared_model"

#: Where ``models.artifact`` keeps the shipped model (``artifacts_dir() / ARTIFACT_NAME``; a test
#: keeps the two equal). Not imported from there: that module imports scipy, which this process
#: does not need.
SHIPPED_ARTIFACT = ("edualliance.models", "artifacts", "classifier.skops")


def default_workers() -> int:
    """Clean and classify in one process per core (none beside the writer on one core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores >= 2 else 0


#: Environment variable that tells the fork server (shared_model) which model folder to share
#: when a run uses another model than the shipped one.
SHARED_MODEL_DIR_ENV = "EDUALLIANCE_SHARED_MODEL_DIR"


def model_spec(selected: str | None = None, kind: str = "auto") -> str:
    """'keywords', 'model' (the shipped model) or a model folder: the classifier a run's workers load.

    Without a folder, as ``models.loader.load_classifier`` decides: the ``selected`` version
    (``edualliance models use``) if installed, else the newest trained, else the shipped one,
    else the keyword rules (``kind`` 'auto'). Nothing is loaded here.
    """
    from edualliance.models import registry

    if kind == "keywords" or (selected in registry.KEYWORDS and kind == "auto"):
        return "keywords"
    entry = registry.default_entry(selected)
    if entry is None:
        if kind == "model":
            raise FileNotFoundError("no trained model is installed: run `edualliance train`")
        return "keywords"
    return "model" if entry.origin == registry.SHIPPED else str(entry.path)


def resolve_kind(kind: str) -> str:
    """'auto', 'model', 'keywords' or a model folder → what the workers load ('model' = the shipped
    model, 'keywords', or a folder), decided as ``models.loader.load_classifier`` decides, without
    loading the model here."""
    if kind not in ("auto", "model", "keywords"):
        if Path(kind).is_dir():
            return kind
        raise ValueError(f"unknown classifier kind {kind!r}: use auto, model, keywords or a model folder")
    return model_spec(None, kind)


def shipped_artifact() -> Path:
    package, folder, name = SHIPPED_ARTIFACT
    return Path(str(resources.files(package).joinpath(folder, name)))


def classifier_kind(classifier) -> str | None:
    """How a worker loads the same classifier as a loaded one: 'model' (the shipped artifact,
    through skops with its trusted types) or 'keywords'; None when it cannot (any other
    classifier then runs in the storing process). The model is never sent between processes."""
    from edualliance.models import registry
    from edualliance.models.keywords import KeywordClassifier

    if isinstance(classifier, KeywordClassifier):
        return "keywords"
    source = getattr(classifier, "source", None)  # the folder the loader read it from
    if source is None:
        return None
    return "model" if Path(source) == registry.shipped_dir().resolve() else source


# -- in a worker ------------------------------------------------------------------------------

_worker_classifier = None


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

        # The shipped model is cached per process: a worker forked from a fork server that
        # loaded it (shared_model) gets that shared copy, not a load of its own.
        _worker_classifier = (load_classifier("keywords") if kind == "keywords"
                              else load_classifier("model", model="shipped" if kind == "model" else kind))


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
    out = [Cleaned(p.capture_id, p.role, without_text(p.result), p.articles, None, p.error) for p in prepared]
    if _worker_classifier is not None:
        # Classified here, the articles are also mined for facts here: the writer then loads neither.
        from edualliance.pipeline.facts import extract

        items = [(a.title, a.text_normalized) for p in prepared for a in p.articles]
        verdicts = iter(_worker_classifier.classify(items) if items else [])
        out = []
        for p in prepared:
            mine = tuple(next(verdicts) for _ in p.articles)
            out.append(Cleaned(p.capture_id, p.role, without_text(p.result), p.articles, mine, p.error,
                               tuple(extract(a, v) for a, v in zip(p.articles, mine))))
    return out, cleaned - started, time.process_time() - cleaned


# -- in the storing process ---------------------------------------------------------------------


def _pool_context(kind: str | None):
    import multiprocessing

    if sys.platform.startswith("linux"):
        # A fresh server process forks the workers: nothing of the writer (its
        # database, its threads) is inherited, and the imports (and the model)
        # are loaded once, in the server, and shared by the workers. The preload
        # list counts only when the server starts (once per process).
        context = multiprocessing.get_context("forkserver")
        if kind not in (None, "keywords", "model"):  # another model folder: the fork server shares it
            os.environ[SHARED_MODEL_DIR_ENV] = kind
        context.set_forkserver_preload([__name__, PRELOAD] + ([SHARED_MODEL] if kind not in (None, "keywords") else []))
        return context
    return multiprocessing.get_context("spawn")


def _started() -> None:
    """A task that does nothing: submitting one per worker starts them all."""


class CleaningPool:
    """Batches of inbox rows in flight to the workers, oldest first (results are stored in order).

    The workers start in the background: their fork server loads the model before it forks
    them (seconds), and meanwhile the storing process goes on capturing the crawl. Until they
    are up the pool is ``full``; ``wait_started`` waits for them.
    """

    def __init__(self, workers: int, kind: str | None) -> None:
        self.workers = workers
        self.kind = kind  # what the workers classify with (None: the storing process classifies)
        self._executor: ProcessPoolExecutor | None = None  # set once every worker is up
        self._start_error: BaseException | None = None
        self._starting = threading.Thread(target=self._start, name="start-cleaning-workers", daemon=True)
        self._starting.start()
        self._inflight: deque[tuple[list, int, Future]] = deque()  # (rows, their bytes, their results)
        self.rows = 0  # rows in flight
        self.bytes = 0  # page bytes in flight

    def _start(self) -> None:
        try:
            executor = ProcessPoolExecutor(self.workers, mp_context=_pool_context(self.kind),
                                           initializer=_worker_start, initargs=(os.getpid(), self.kind))
            for future in [executor.submit(_started) for _ in range(self.workers)]:  # one process each
                future.result()
            self._executor = executor
        except BaseException as exc:  # noqa: BLE001 - raised again in the storing process's thread
            self._start_error = exc

    def wait_started(self) -> None:
        self._starting.join()
        if self._start_error is not None:
            raise self._start_error

    @property
    def started(self) -> bool:
        if self._start_error is not None:
            raise self._start_error
        return self._executor is not None

    @property
    def full(self) -> bool:
        if not self.started:
            return True
        return len(self._inflight) >= self.workers * INFLIGHT_PER_WORKER or self.bytes >= INFLIGHT_BYTES

    @property
    def busy(self) -> bool:
        return bool(self._inflight)

    @property
    def oldest_done(self) -> bool:
        return bool(self._inflight) and self._inflight[0][2].done()

    def submit(self, rows: list) -> None:
        """Hand one batch (rows with ``bytes`` bodies, see ``rows.as_sent``) to the workers."""
        size = sum(row_bytes(row) for row in rows)
        self.wait_started()
        self._inflight.append((rows, size, self._executor.submit(_worker_batch, rows)))
        self.rows += len(rows)
        self.bytes += size

    def next_done(self, block: bool) -> tuple[list, list[Cleaned], float, float] | None:
        """The oldest batch and its results (waiting for them if ``block``), or None if not done:
        (rows, results, clean CPU seconds, classify CPU seconds)."""
        rows, size, future = self._inflight[0]
        if not block and not future.done():
            return None
        results, clean_seconds, classify_seconds = future.result()
        self._inflight.popleft()
        self.rows -= len(rows)
        self.bytes -= size
        return rows, results, clean_seconds, classify_seconds

    def close(self) -> None:
        """Stop the workers (batches in flight stay in the inbox for the next run)."""
        self._starting.join()
        executor, self._executor = self._executor, None
        self._inflight.clear()
        self.rows = self.bytes = 0
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
