"""Where crawled responses become corpus rows, in two steps.

1. ``capture``: raw responses go to ``crawl_inbox`` as received, in one quick
   transaction per batch (nothing is parsed: this keeps pace with the crawl).
2. ``process``: batches of the inbox are cleaned (pipeline.clean), attachments
   turned into text, classified (models.loader), and stored — page, articles,
   labels, crawl state and the inbox deletion in one transaction, so a crash
   leaves each capture either still in the inbox or fully stored.

Focused crawling: an article the classifier gives no label is recorded in
``crawl_state`` as ``off_topic`` (so it is not fetched again) but its page
and text are not stored, unless its source says ``focused = false``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
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


class CrawlSink:
    def __init__(self, store: Store, classifier, run_id: int | None, sources: dict[str, Source],
                 on_error: Callable[[str, str, str], None] = lambda source, url, message: None) -> None:
        self.store = store
        self.classifier = classifier
        self.run_id = run_id
        self.sources = sources
        self.on_error = on_error
        self.counts: dict[str, SourceCounts] = {name: SourceCounts() for name in sources}
        self._captures: list[list[Any]] = []
        self._touches: list[tuple[str, str, datetime | None, datetime]] = []
        self._errors: list[tuple[str, str, str, str]] = []
        self.captured_bytes = 0
        self.inbox = store.inbox_count()
        self.crawl_completed = False  # the crawler sent its closing stats
        self.started = time.monotonic()
        self.crawl_seconds: float | None = None  # until the crawler exited and its pages were received
        self.seconds = {"capture": 0.0, "clean": 0.0, "classify": 0.0, "store": 0.0}  # where time went

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
        started = time.monotonic()
        rows = self.store.inbox_take(limit)
        if not rows:
            self.inbox = 0
            return 0
        prepared = [self._prepare(row) for row in rows]
        articles = [a for p in prepared for a in p.articles]
        cleaned = time.monotonic()
        verdicts = self.classifier.classify([(a.title, a.text_normalized) for a in articles]) if articles else []
        classified = time.monotonic()
        self.seconds["clean"] += cleaned - started
        self.seconds["classify"] += classified - cleaned
        it = iter(verdicts)
        for p in prepared:
            p.verdicts = [next(it) for _ in p.articles]
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
        return len(rows)

    def process_all(self, on_progress: Callable[[int], None] = lambda n: None) -> int:
        done = 0
        while True:
            n = self.process()
            if not n:
                return done
            done += n
            on_progress(done)

    def _prepare(self, row) -> Prepared:
        (capture_id, source, role, url, final_url, status, content_type, etag, last_modified, lastmod,
         anchor, fetched_at, body, _run_id) = row
        raw = RawPage(body=bytes(body), source=source, fetched_at=fetched_at.replace(tzinfo=timezone.utc),
                      url=url, final_url=final_url, status=status, content_type=content_type, etag=etag,
                      last_modified=last_modified)
        p = Prepared(capture_id, raw, role, lastmod)
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
        return p

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
