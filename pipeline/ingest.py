"""Clean, classify and store pages in batches: the edge where records meet the database.

Cleaning, classification and extraction (facts, alliances, documents) are pure
and run before the batch's transaction; the batch's pages, articles, labels and
extracted records are then written in one transaction,
so a crash leaves either the whole batch or none of it, and a rerun skips
the pages already stored.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import dedup
from .clean import MAX_PAGE_BYTES, CleaningError, clean_page
from .facts import extract
from .sniff import looks_like_html
from .records import CleanResult, RawPage
from .store import Store

log = logging.getLogger(__name__)

#: Pages per transaction: large enough to amortise the commit, small enough
#: that a crash loses little work.
BATCH_SIZE = 50


#: Files read by their name: pages saved by browsers and crawlers, and text.
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt")
#: Server-side script names (pages saved under their URL's name) and names without an
#: extension: read when their first bytes sniff as HTML, reported otherwise.
SNIFFED_SUFFIXES = (".php", ".asp", ".aspx", ".jsp", ".jspx", ".do", ".action", ".cgi", ".shtm", ".htmls", "")

#: How many bytes of a file are read to sniff whether it is HTML.
SNIFF_BYTES = 4096


@dataclass
class Counts:
    """What a run did, stored in runs.counts."""

    pages: int = 0
    pages_ok: int = 0  # read and cleaned (or already stored)
    pages_new: int = 0
    pages_seen: int = 0  # already stored: skipped
    listing: int = 0
    no_article: int = 0  # cleaned, stored as a page, but no record came of it (a page of links)
    skipped: int = 0  # files of the walk that are not pages (FIFOs, broken links, images)
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    errors: int = 0  # every input that yielded no record: one line and one `errors` row each
    labels: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def processed(self) -> int:
        """Pages that yielded records (or were stored with records before)."""
        return self.pages_ok - self.no_article


@dataclass(frozen=True, slots=True)
class InputError:
    target: str
    stage: str  # read | skip | clean | no-article | classify | store
    message: str


def display_path(path: str | Path) -> str:
    """A file name as valid UTF-8 text: bytes that are not UTF-8 (a GBK name on a
    Linux disk) become ``\\xNN`` escapes, so the name can be stored, printed and
    written to JSON; the real file is still read through the original ``Path``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _kind_of_special(path: Path) -> str | None:
    """What a directory entry is when it is not a regular file (None for a file or folder)."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(mode):
        if not path.exists():
            return "a broken symbolic link"
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            return f"a symbolic link that cannot be followed ({exc.strerror or exc})"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return None


def sniffs_as_html(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return looks_like_html(fh.read(SNIFF_BYTES))
    except OSError:
        return False


def _page_or_skip(path: Path, named: bool) -> Path | InputError:
    """A file to read, or why it is skipped. ``named``: given on the command line (read it anyway)."""
    special = _kind_of_special(path)
    if special:
        return InputError(display_path(path), "skip", f"skipped: {special}")
    if path.is_dir():
        link = "a symbolic link to a folder (not followed: links can loop)" if path.is_symlink() else "a folder"
        return InputError(display_path(path), "skip", f"skipped: {link}")
    suffix = path.suffix.lower()
    if named or suffix in PAGE_SUFFIXES:
        return path
    if suffix in SNIFFED_SUFFIXES or not path.suffix:
        if sniffs_as_html(path):
            return path
        what = f"a {suffix} file" if suffix else "a file without an extension"
        return InputError(display_path(path), "skip", f"skipped: {what} that does not start like HTML")
    return InputError(display_path(path), "skip",
                      f"skipped: {suffix} is not a page extension (.html, .htm, .shtml, .xhtml, .txt)")


def iter_page_files(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Files to ingest, folders walked in name order; everything else named with the reason.

    Missing paths, FIFOs, sockets, broken symbolic links and files that are not pages
    come out as ``InputError`` (stage ``read`` or ``skip``), never silently dropped.
    Symbolic links to folders are not followed (a link loop would never end).
    """
    for given in paths:
        path = Path(given)
        if path.is_dir() and not path.is_symlink():
            unreadable: list[OSError] = []
            for folder, dirs, files in os.walk(path, onerror=unreadable.append, followlinks=False):
                dirs.sort()
                for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
                    yield _page_or_skip(Path(folder) / name, named=False)
                while unreadable:
                    exc = unreadable.pop()
                    yield InputError(display_path(exc.filename or folder), "read",
                                     f"folder cannot be read ({exc.strerror or exc})")
        elif path.is_dir():
            yield InputError(display_path(path), "skip", "skipped: a symbolic link to a folder (give the folder itself)")
        elif path.exists() or path.is_symlink():
            yield _page_or_skip(path, named=True)
        else:
            yield InputError(display_path(path), "read", "no such file or folder")


def read_page_file(path: Path, source: str = "local") -> RawPage:
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:  # refuse before reading it into memory
        raise CleaningError(f"file is {size / 2**20:.1f} MB, over the {MAX_PAGE_BYTES // 2**20} MB page limit")
    return RawPage(
        body=path.read_bytes(),
        source=source,
        fetched_at=datetime.fromtimestamp(path.stat().st_mtime, timezone.utc),
        path=display_path(path.resolve()),
    )


#: Exit codes of ingest, extract and classify (documented in the README).
EXIT_ALL_PROCESSED, EXIT_SOME_FAILED, EXIT_NOTHING_PROCESSED = 0, 1, 2


def exit_code(processed: int, failed: int) -> int:
    """0: every input yielded records; 1: some inputs failed (each named); 2: none yielded any."""
    if not processed:
        return EXIT_NOTHING_PROCESSED
    return EXIT_SOME_FAILED if failed else EXIT_ALL_PROCESSED


NO_ARTICLE_MESSAGE = "no article: a page of links (stored as a listing page; its links are not followed here)"


def clean_one(raw: RawPage) -> CleanResult | InputError:
    """``clean_page`` that never raises: an unexpected error is an error line, not a crash."""
    try:
        return clean_page(raw)
    except CleaningError as exc:
        return InputError(raw.name, "clean", str(exc))
    except RecursionError:
        return InputError(raw.name, "clean", "page nested too deeply to parse")
    except MemoryError:
        return InputError(raw.name, "clean", "out of memory while cleaning this page")
    except Exception as exc:  # noqa: BLE001 - one page's bug must not stop a run
        log.exception("unexpected error cleaning %s", raw.name)
        return InputError(raw.name, "clean", f"unexpected error ({type(exc).__name__}: {exc}); "
                          "please report it with the file")


def _classify(classifier, pairs, errors: list[InputError]) -> list:
    """Verdicts for every pair; a text the classifier fails on gets none (and an error line)."""
    texts = [(a.title, a.text_normalized) for _, a in pairs]
    try:
        return list(classifier.classify(texts)) if texts else []
    except Exception:  # noqa: BLE001 - find the text that fails, keep the others
        verdicts = []
        for (_, article), text in zip(pairs, texts):
            try:
                verdicts.extend(classifier.classify([text]))
            except Exception as exc:  # noqa: BLE001
                verdicts.append(None)
                errors.append(InputError(article.path or article.url or article.article_id, "classify",
                                         f"not classified ({type(exc).__name__}: {exc}); stored without labels"))
        return verdicts


def _store(store: Store, cleaned, pairs, verdicts, errors: list[InputError], run_id: int | None,
           counts: Counts) -> None:
    extractions = [extract(a, v) for (_, a), v in zip(pairs, verdicts)]  # pure: before the transaction
    with store.transaction():
        counts.pages_new += len(store.save_pages(cleaned, run_id))
        for outcome in store.save_articles(pairs):
            setattr(counts, f"articles_{outcome}", getattr(counts, f"articles_{outcome}") + 1)
        store.save_classifications([(a.article_id, v) for (_, a), v in zip(pairs, verdicts) if v is not None])
        store.save_extractions(extractions)
        for error in errors:
            store.record_error(run_id, error.target, error.stage, error.message)


def process_batch(store: Store, raws: Sequence[RawPage], classifier, run_id: int | None,
                  counts: Counts) -> list[InputError]:
    """Clean, classify and store a batch of pages in one transaction.

    Every page ends as stored records, or as one ``InputError`` naming it (also
    written to ``errors``). If the batch cannot be written (one page the database
    refuses), each page is written in a transaction of its own, so the good pages
    of the batch are kept and the bad one is named.
    """
    errors: list[InputError] = []
    cleaned: list[tuple[RawPage, CleanResult]] = []
    for raw in raws:
        counts.pages += 1
        if store.has_page(raw.page_id):
            counts.pages_seen += 1
            counts.pages_ok += 1
            if not store.conn.execute("SELECT 1 FROM articles WHERE page_id = ? LIMIT 1", [raw.page_id]).fetchone():
                counts.no_article += 1
                errors.append(InputError(raw.name, "no-article", "no article: already stored as a page without one"))
            continue
        result = clean_one(raw)
        if isinstance(result, InputError):
            errors.append(result)
            continue
        cleaned.append((raw, result))
        counts.pages_ok += 1
        if not result.articles:
            counts.no_article += 1
            errors.append(InputError(raw.name, "no-article", NO_ARTICLE_MESSAGE))
    pairs = [(raw.page_id, a) for raw, result in cleaned for a in result.articles]
    verdicts = _classify(classifier, pairs, errors)
    try:
        _store(store, cleaned, pairs, verdicts, errors, run_id, counts)
    except Exception as exc:  # noqa: BLE001 - keep the batch's good pages: one page at a time
        log.warning("batch not stored (%s); storing its pages one by one", exc)
        for raw, result in cleaned:
            own = [(pid, a) for pid, a in pairs if pid == raw.page_id]
            own_verdicts = [v for (pid, _), v in zip(pairs, verdicts) if pid == raw.page_id]
            own_errors = [e for e in errors if e.target == raw.name]
            try:
                _store(store, [(raw, result)], own, own_verdicts, own_errors, run_id, counts)
            except Exception as page_exc:  # noqa: BLE001
                counts.pages_ok -= 1
                error = InputError(raw.name, "store", f"not stored ({type(page_exc).__name__}: {page_exc})")
                errors.append(error)
                store.record_error(run_id, error.target, error.stage, error.message)
        stored_names = {raw.name for raw, _ in cleaned}
        for error in errors:
            if error.target not in stored_names:
                store.record_error(run_id, error.target, error.stage, error.message)
    counts.listing += sum(result.is_listing for _, result in cleaned)
    for verdict in verdicts:
        if verdict is not None:
            counts.labels[verdict.primary] = counts.labels.get(verdict.primary, 0) + 1
    counts.errors += len({e.target for e in errors if e.stage != "classify"})
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
                counts.skipped += item.stage == "skip"
                on_error(item)
                continue
            try:
                batch.append(read_page_file(item, source))
            except Exception as exc:  # noqa: BLE001 - OSError, the size limit, anything: name the file
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                error = InputError(display_path(item), "read", message)
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
