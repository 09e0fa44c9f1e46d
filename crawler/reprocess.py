"""Re-clean and reclassify stored captures without crawling (``edualliance reprocess``).

Every page in ``pages`` keeps its bytes as received, so when the cleaning
rules or the classifier improve, the corpus is rebuilt from the archive:
the newest capture of each page is cleaned again (attachments turned into
text again), and its articles and labels are updated in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone

from edualliance.pipeline import dedup
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError
from edualliance.pipeline.facts import extract
from edualliance.pipeline.ingest import Counts
from edualliance.pipeline.records import RawPage

from . import docfiles
from .sink.attachments import attachment_articles

BATCH = 100


def reprocess(store, classifier, *, on_progress: Callable[[Counts], None] = lambda c: None,
              ) -> tuple[int, Counts]:
    run_id = store.start_run("reprocess")
    counts = Counts()
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
        dedup.cluster_store(store)
        status = "finished"
    finally:
        store.finish_run(run_id, status, counts.as_dict())
    return run_id, counts


def _batch(store, classifier, rows, run_id, counts: Counts) -> None:
    work = []
    errors = []
    for page_id, url, final_url, path, source, fetched_at, status, content_type, etag, lm, body in rows:
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
