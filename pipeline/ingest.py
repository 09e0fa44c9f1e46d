"""Clean, classify and store pages in batches: the edge where records meet the database.

Cleaning, classification and extraction (facts, alliances, documents) are pure
and run before the batch's transaction; the batch's pages, articles, labels and
extracted records are then written in one transaction,
so a crash leaves either the whole batch or none of it, and a rerun skips
the pages already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import dedup
from .clean import MAX_PAGE_BYTES, CleaningError, clean_page
from .facts import extract
from .records import CleanResult, RawPage
from .store import Store

log = logging.getLogger(__name__)

#: Pages per transaction: large enough to amortise the commit, small enough
#: that a crash loses little work.
BATCH_SIZE = 50


PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".txt")


@dataclass
class Counts:
    """What a run did, stored in runs.counts."""

    pages: int = 0
    pages_ok: int = 0  # read and cleaned (or already stored)
    pages_new: int = 0
    pages_seen: int = 0  # already stored: skipped
    listing: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    errors: int = 0
    labels: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, slots=True)
class InputError:
    target: str
    stage: str
    message: str


def iter_page_files(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Files to ingest, folders walked in name order; missing paths as errors."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in PAGE_SUFFIXES:
                    yield child
        elif path.is_file():
            yield path
        else:
            yield InputError(str(path), "read", "no such file or folder")


def read_page_file(path: Path, source: str = "local") -> RawPage:
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:  # refuse before reading it into memory
        raise CleaningError(f"file is {size / 2**20:.1f} MB, over the {MAX_PAGE_BYTES // 2**20} MB page limit")
    return RawPage(
        body=path.read_bytes(),
        source=source,
        fetched_at=datetime.fromtimestamp(path.stat().st_mtime, timezone.utc),
        path=str(path.resolve()),
    )


def process_batch(store: Store, raws: Sequence[RawPage], classifier, run_id: int | None,
                  counts: Counts) -> list[InputError]:
    """Clean, classify and store a batch of pages in one transaction."""
    errors: list[InputError] = []
    cleaned: list[tuple[RawPage, CleanResult]] = []
    for raw in raws:
        counts.pages += 1
        if store.has_page(raw.page_id):
            counts.pages_seen += 1
            counts.pages_ok += 1
            continue
        try:
            cleaned.append((raw, clean_page(raw)))
            counts.pages_ok += 1
        except CleaningError as exc:
            errors.append(InputError(raw.name, "clean", str(exc)))
        except RecursionError:
            errors.append(InputError(raw.name, "clean", "page nested too deeply to parse"))
    pairs = [(raw.page_id, a) for raw, result in cleaned for a in result.articles]
    verdicts = classifier.classify([(a.title, a.text_normalized) for _, a in pairs]) if pairs else []
    extractions = [extract(a, v) for (_, a), v in zip(pairs, verdicts)]
    with store.transaction():
        counts.pages_new += len(store.save_pages(cleaned, run_id))
        for outcome in store.save_articles(pairs):
            setattr(counts, f"articles_{outcome}", getattr(counts, f"articles_{outcome}") + 1)
        store.save_classifications([(a.article_id, v) for (_, a), v in zip(pairs, verdicts)])
        store.save_extractions(extractions)
        for error in errors:
            store.record_error(run_id, error.target, error.stage, error.message)
    counts.listing += sum(result.is_listing for _, result in cleaned)
    for verdict in verdicts:
        counts.labels[verdict.primary] = counts.labels.get(verdict.primary, 0) + 1
    counts.errors += len(errors)
    return errors


def ingest_paths(store: Store, paths: Iterable[str | Path], classifier, *, source: str = "local",
                 on_error: Callable[[InputError], None] = lambda e: None,
                 on_progress: Callable[[Counts], None] = lambda c: None) -> tuple[int, Counts]:
    """Ingest files and folders; return (run id, counts). Bad inputs are recorded, not raised."""
    run_id = store.start_run("ingest")
    store.ensure_source(source, "local")
    counts = Counts()
    batch: list[RawPage] = []

    def flush() -> None:
        for error in process_batch(store, batch, classifier, run_id, counts):
            log.warning("%s: %s (%s)", error.target, error.message, error.stage)
            on_error(error)
        batch.clear()
        on_progress(counts)

    status = "failed"
    try:
        for item in iter_page_files(paths):
            if isinstance(item, InputError):
                store.record_error(run_id, item.target, item.stage, item.message)
                counts.errors += 1
                on_error(item)
                continue
            try:
                batch.append(read_page_file(item, source))
            except (OSError, CleaningError) as exc:
                error = InputError(str(item), "read", str(exc))
                store.record_error(run_id, error.target, error.stage, error.message)
                counts.errors += 1
                on_error(error)
                continue
            if len(batch) >= BATCH_SIZE:
                flush()
        if batch:
            flush()
        dedup.cluster_store(store)  # the new articles against the whole corpus
        status = "finished"
    finally:
        store.finish_run(run_id, status, counts.as_dict())
    return run_id, counts
