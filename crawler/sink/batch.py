"""What one cleaned and classified batch of captures becomes in the database.

``plan_batch`` decides, capture by capture, the rows it makes: a listing page, a
page with its articles, labels and facts, an off-topic page kept out of the corpus
(``crawl_archive``, so that ``reprocess`` with a retrained classifier can recover it),
or an error; and the crawl state of each URL. ``write_batch`` writes them all,
with the batch's inbox deletion, in one transaction: a crash leaves each capture
either still in the inbox or fully stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edualliance.pipeline.records import NONE_LABEL, Article, Classification, CleanResult, RawPage
from edualliance.pipeline.store import Store

from ..registry import Source, SourceCounts
from .rows import Prepared


@dataclass
class BatchWrites:
    """The rows of one batch, written together by ``write_batch``."""

    capture_ids: list[int] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    pages: list[tuple[RawPage, CleanResult]] = field(default_factory=list)
    articles: list[tuple[str, Article, Classification]] = field(default_factory=list)  # (page_id, article, labels)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (URL or file, message): error rows
    archive: list[dict[str, Any]] = field(default_factory=list)  # off-topic pages, kept out of the corpus
    unarchive: list[str] = field(default_factory=list)  # URLs archived before, on topic now


def plan_batch(prepared: list[Prepared], sources: dict[str, Source], run_id: int | None,
               count: Callable[[str], SourceCounts],
               on_error: Callable[[str, str, str], None]) -> BatchWrites:
    """The rows ``prepared`` makes (the per-source counts are updated as each is decided)."""
    writes = BatchWrites(capture_ids=[p.capture_id for p in prepared])
    for p in prepared:
        _plan(p, writes, sources, run_id, count(p.raw.source), on_error)
    return writes


def _plan(p: Prepared, writes: BatchWrites, sources: dict[str, Source], run_id: int | None,
          counts: SourceCounts, on_error: Callable[[str, str, str], None]) -> None:
    raw = p.raw
    if p.role in ("article", "attachment"):
        counts.fetched += 1
    if p.error is not None:
        counts.errors += 1
        writes.failed.append((raw.url or raw.name, f"[{raw.source}] {p.error}"))
        on_error(raw.source, raw.url or "", p.error)
        return
    source = sources.get(raw.source)
    focused = source.focused if source else True
    state = dict(url=raw.url, source=raw.source, role=p.role, status=raw.status, etag=raw.etag,
                 last_modified=raw.last_modified, lastmod=p.lastmod, content_hash=raw.content_hash,
                 fetched_at=raw.fetched_at, run_id=run_id,
                 links=p.links if p.role == "article" else None)
    if p.role == "listing":
        writes.pages.append((raw, p.result))
        writes.states.append({**state, "verdict": "listing", "page_id": raw.page_id})
        return
    if focused and all(v.primary == NONE_LABEL and not v.labels for v in p.verdicts):
        counts.off_topic += 1
        counts.archived += 1
        writes.states.append({**state, "verdict": "off_topic", "page_id": None})
        writes.archive.append(dict(url=raw.url, source=raw.source, role=p.role, final_url=raw.final_url,
                                   status=raw.status, content_type=raw.content_type, etag=raw.etag,
                                   last_modified=raw.last_modified, anchor=p.anchor,
                                   fetched_at=raw.fetched_at, content_hash=raw.content_hash,
                                   body=raw.body, run_id=run_id, warc=raw.warc))
        return
    writes.unarchive.append(raw.url)
    writes.pages.append((raw, p.result))
    writes.articles.extend((raw.page_id, a, v) for a, v in zip(p.articles, p.verdicts))
    if p.role == "attachment":
        counts.attachments += 1
    writes.states.append({**state, "verdict": "stored", "page_id": raw.page_id})


def write_batch(store: Store, writes: BatchWrites, extractions: dict, run_id: int | None) -> list[str]:
    """Write the batch and delete its captures from the inbox, in one transaction; return each
    article's outcome (``save_articles``: new, updated, unchanged …), in order."""
    with store.transaction():
        for target, message in writes.failed:
            store.record_error(run_id, target, "clean", message)
        store.archive_add(writes.archive)
        store.archive_delete(writes.unarchive)
        store.save_pages(writes.pages, run_id)
        outcomes = store.save_articles([(page_id, a) for page_id, a, _ in writes.articles])
        store.save_classifications([(a.article_id, v) for _, a, v in writes.articles])
        store.save_extractions([extractions[a.article_id] for _, a, _ in writes.articles])
        store.save_crawl_states(writes.states)
        store.inbox_delete(writes.capture_ids)
    return outcomes
