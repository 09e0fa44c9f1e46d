"""Re-clean and reclassify stored captures without crawling (``edualliance reprocess``).

Every page in ``pages`` keeps its bytes as received (in its WARC record, or for
an ingested file in the database), so when the cleaning rules or the
classifier improve, the corpus is rebuilt from the archive:
the newest capture of each page is cleaned again (attachments turned into
text again), and its articles and labels are updated in place.

Pages a focused source judged off-topic wait in ``crawl_archive`` (a WARC pointer;
older ones compressed):
each is cleaned and classified again, and one the classifier now labels is
recovered — its page, articles and labels stored, its crawl state ``stored`` —
so a retrained model gets back its predecessor's false negatives. The run's
``runs.counts`` say what changed: articles new/updated/unchanged, pages
recovered from the archive, and the primary-label counts before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timezone

from edualliance.pipeline import dedup
from edualliance.pipeline.captures import CaptureError, captures_path, read_capture
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError
from edualliance.pipeline.facts import extract
from edualliance.pipeline.ingest import Counts
from edualliance.pipeline.records import NONE_LABEL, RawPage

from . import docfiles
from .sink.attachments import attachment_articles

BATCH = 100


@dataclass
class ArchiveCounts:
    """What reprocessing did with the pages judged off-topic before."""

    examined: int = 0
    recovered: int = 0  # labelled now: stored in the corpus
    still_off_topic: int = 0
    errors: int = 0
    recovered_urls: list[str] = field(default_factory=list)  # the first few, for the report


def reprocess(store, classifier, *, on_progress: Callable[[Counts], None] = lambda c: None,
              ) -> tuple[int, Counts]:
    run_id = store.start_run("reprocess")
    counts = Counts()
    counts.archive = ArchiveCounts()
    before = store.latest_model_version()
    counts.labels_before = dict(store.primary_label_counts(before)) if before else {}
    latest = store.latest_page_ids()
    status = "failed"
    try:
        after = None
        while True:
            rows = store.stored_pages(after, BATCH)
            if not rows:
                break
            after = rows[-1][0]
            _batch(store, classifier, [r for r in rows if r[0] in latest], run_id, counts)
            on_progress(counts)
        after_url = ""
        while True:
            archived = store.archive_take(after_url, BATCH)
            if not archived:
                break
            after_url = archived[-1][0]
            _recover(store, classifier, archived, run_id, counts)
            on_progress(counts)
        dedup.cluster_store(store)
        status = "finished"
    finally:
        summary = {k: v for k, v in counts.as_dict().items() if k != "archive"}
        summary["archive"] = {k: v for k, v in asdict(counts.archive).items() if k != "recovered_urls"}
        summary["archive"]["recovered_urls"] = counts.archive.recovered_urls[:20]
        store.finish_run(run_id, status, summary)
    return run_id, counts


def _recover(store, classifier, rows, run_id, counts: Counts) -> None:
    """Clean and classify archived off-topic captures; store those the classifier labels now."""
    archive = counts.archive
    work = []
    for url, source, role, final_url, status, content_type, etag, lm, anchor, fetched_at, body, warc in rows:
        archive.examined += 1
        if body is None:  # its WARC capture cannot be read: warc says why
            archive.errors += 1
            store.record_error(run_id, url, "capture", f"[{source}] archived page: {warc}")
            continue
        raw = RawPage(body=body, source=source, fetched_at=fetched_at.replace(tzinfo=timezone.utc), url=url,
                      final_url=final_url, status=status, content_type=content_type, etag=etag, last_modified=lm,
                      warc=warc)  # a recovered page keeps its pointer, not its bytes
        try:
            if role == "attachment" or docfiles.kind_of(url, content_type, body[:8]):
                result, articles = attachment_articles(raw, anchor)
            else:
                result = clean_page(raw)
                articles = () if result.is_listing else result.articles
        except (CleaningError, DecodeError, docfiles.AttachmentError, RecursionError) as exc:
            archive.errors += 1
            store.record_error(run_id, url, "clean", f"[{source}] archived page: {exc}")
            continue
        if articles:
            work.append((raw, role, result, articles))
        else:
            archive.still_off_topic += 1
    verdicts = classifier.classify([(a.title, a.text_normalized) for _, _, _, arts in work for a in arts]) \
        if work else []
    it = iter(verdicts)
    recovered = []
    for raw, role, result, articles in work:
        mine = [next(it) for _ in articles]
        if all(v.primary == NONE_LABEL and not v.labels for v in mine):
            archive.still_off_topic += 1
        else:
            recovered.append((raw, role, result, articles, mine))
    if not recovered:
        return
    with store.transaction():
        store.save_pages([(raw, result) for raw, _, result, _, _ in recovered], run_id)
        pairs = [(raw.page_id, a) for raw, _, _, articles, _ in recovered for a in articles]
        for outcome in store.save_articles(pairs):
            key = f"articles_{outcome}"
            setattr(counts, key, getattr(counts, key) + 1)
        store.save_classifications([(a.article_id, v) for _, _, _, articles, mine in recovered
                                    for a, v in zip(articles, mine)])
        store.save_crawl_states([dict(url=raw.url, source=raw.source, role=role, verdict="stored",
                                      status=raw.status, etag=raw.etag, last_modified=raw.last_modified,
                                      lastmod=None, content_hash=raw.content_hash, page_id=raw.page_id,
                                      fetched_at=raw.fetched_at, run_id=run_id)
                                 for raw, role, _, _, _ in recovered])
        store.archive_delete([raw.url for raw, *_ in recovered])
    for raw, _, _, articles, mine in recovered:
        archive.recovered += 1
        archive.recovered_urls.append(raw.url)
        for verdict in mine:
            counts.labels[verdict.primary] = counts.labels.get(verdict.primary, 0) + 1


def _batch(store, classifier, rows, run_id, counts: Counts) -> None:
    work = []
    errors = []
    for page_id, url, final_url, path, source, fetched_at, status, content_type, etag, lm, body, *warc in rows:
        if body is None:  # kept in a WARC file
            try:
                body = read_capture(captures_path(store.path), *warc)
            except CaptureError as exc:
                errors.append((url or page_id, str(exc)))
                continue
        raw = RawPage(body=bytes(body), source=source, fetched_at=fetched_at.replace(tzinfo=timezone.utc),
                      url=url, final_url=final_url, path=path, status=status, content_type=content_type,
                      etag=etag, last_modified=lm)
        role = store.crawl_role_of(url) if url else None
        counts.pages += 1
        if role == "listing":
            counts.listing += 1
            continue
        try:
            if role == "attachment" or docfiles.kind_of(url, content_type, raw.body[:8]):
                _, articles = attachment_articles(raw, None)
            else:
                result = clean_page(raw)
                if role == "article" and result.is_listing:
                    counts.listing += 1
                    continue
                articles = result.articles
        except (CleaningError, DecodeError, docfiles.AttachmentError, RecursionError) as exc:
            errors.append((raw.name, str(exc) or type(exc).__name__))
            continue
        work.append((page_id, articles))
    articles = [a for _, batch in work for a in batch]
    verdicts = classifier.classify([(a.title, a.text_normalized) for a in articles]) if articles else []
    by_id = dict(zip((a.article_id for a in articles), verdicts))
    extractions = [extract(a, by_id[a.article_id]) for a in articles]
    with store.transaction():
        pairs = [(page_id, article) for page_id, batch in work for article in batch]
        for outcome in store.save_articles(pairs):
            key = f"articles_{outcome}"
            setattr(counts, key, getattr(counts, key) + 1)
        store.save_classifications([(a.article_id, by_id[a.article_id]) for _, a in pairs])
        store.save_extractions(extractions)
        for _, article in pairs:
            primary = by_id[article.article_id].primary
            counts.labels[primary] = counts.labels.get(primary, 0) + 1
        for target, message in errors:
            store.record_error(run_id, target, "clean", message)
    counts.errors += len(errors)
