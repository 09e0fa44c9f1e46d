"""What one inbox row becomes: a cleaned page and its articles, a listing, or an error.

Pure functions on one row each, run in a worker process (``pool``) or, on
one core, in the storing process itself. An inbox row is
(capture_id, source, role, url, final_url, status, content_type, etag,
last_modified, lastmod, anchor, fetched_at, body, run_id), as
``Store.inbox_take`` returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from edualliance.crawler import docfiles
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.decode import DecodeError, decode
from edualliance.pipeline.records import Article, Classification, CleanResult, Decoded, RawPage

if TYPE_CHECKING:  # the facts extractor imports scipy, which the storing process does without
    from edualliance.pipeline.facts.records import Extraction

from .attachments import attachment_articles

#: Index of the page bytes in an inbox row.
BODY = 12


@dataclass
class Prepared:
    capture_id: int
    raw: RawPage
    role: str
    lastmod: datetime | None
    result: CleanResult | None = None
    articles: tuple[Article, ...] = ()
    verdicts: list[Classification] = field(default_factory=list)
    extractions: list[Extraction] = field(default_factory=list)  # facts, alliances, documents per article
    error: str | None = None
    stage: str = "clean"
    anchor: str | None = None
    links: str | None = None  # article pages: their in-scope links (JSON), for crawl_state


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What a worker made of one capture (the page bytes stay with the writer)."""

    capture_id: int
    role: str
    result: CleanResult | None
    articles: tuple[Article, ...]
    verdicts: tuple[Classification, ...] | None  # None: the writer classifies
    error: str | None
    extractions: tuple[Extraction, ...] | None = None  # None: the writer extracts


def row_bytes(row) -> int:
    """The size of a row's page bytes (what batches are bounded by)."""
    return len(row[BODY])


def as_sent(row) -> tuple:
    """An inbox row with its body as ``bytes`` (DuckDB may hand it out as a memoryview, which
    does not pickle); the same row object when it already is, so no page is held twice."""
    body = row[BODY]
    return row if type(body) is bytes and type(row) is tuple else (*row[:BODY], bytes(body), *row[BODY + 1:])


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
     anchor, fetched_at, body, _run_id, *rest) = row
    warc = tuple(rest[1:4]) if len(rest) >= 4 and rest[1] is not None else None
    raw = RawPage(body=bytes(body), source=source, fetched_at=fetched_at.replace(tzinfo=timezone.utc),
                  url=url, final_url=final_url, status=status, content_type=content_type, etag=etag,
                  last_modified=last_modified, warc=warc)
    return Prepared(capture_id, raw, role, lastmod, anchor=anchor, links=rest[0] if rest else None)


def without_text(result: CleanResult | None) -> CleanResult | None:
    """A clean result without its decoded text, which is not stored: not sent back by a worker."""
    if result is None:
        return None
    return CleanResult(result.articles, result.is_listing,
                       Decoded("", result.decoded.declared_encoding, result.decoded.used_encoding))
