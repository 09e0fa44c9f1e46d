"""The cleaning stage: RawPage → CleanResult (articles plus the listing verdict).

Pure: bytes and metadata in, records out. I/O (reading files, fetching,
storing) happens in the callers (``ingest``, the crawler's pipelines).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from . import govdoc, htmltext, htmltree, listing, textlines
from .decode import DecodeError, decode
from .sniff import looks_like_html
from .normalize import normalize
from .records import Article, CleanResult, Decoded, RawPage
from .region import find_region

#: Bumped whenever a change here can change what is extracted: stored with
#: every article so that researchers can tell which rules made a text.
EXTRACTOR_VERSION = "clean-3"

#: Pages larger than this are not article pages: parsing tens of MB of HTML
#: takes seconds and a lot of memory, and the largest real article pages are ~2 MB.
MAX_PAGE_BYTES = 10 * 1024 * 1024

#: A page without a line of prose whose text is this much link text is a
#: listing (or navigation) page; dates and counters beside the links are the rest.
LISTING_LINK_DENSITY = 0.4

#: ... or whose extracted lines hold at least this many headlines and teasers
#: (a list page whose dates and summaries dilute the link text).
LISTING_MIN_ENTRIES = 2

class CleaningError(ValueError):
    """A page that cannot be cleaned; the message says why."""


def is_html(raw: RawPage, text: str) -> bool:
    if raw.content_type and "html" in raw.content_type.lower():
        return True
    if raw.path and raw.path.lower().endswith((".html", ".htm", ".shtml", ".xhtml")):
        return True
    if raw.path and raw.path.lower().endswith(".txt"):
        return False
    return looks_like_html(raw.body)


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _article(raw: RawPage, part: int, *, title, body, published, outlet, reposted_from, author,
             url, carrier=None) -> Article:
    text = "\n".join(body)
    normalized, script = normalize(text)
    norm_title = normalize(title)[0] if title else None
    region = find_region(norm_title, normalized)
    page_url = url or raw.final_url or raw.url
    return Article(
        article_id=Article.make_id(raw.page_key, part),
        page_key=raw.page_key,
        part=part,
        source=raw.source,
        title=title,
        text=text,
        text_normalized=normalized,
        url=page_url,
        site=urlsplit(page_url).hostname if page_url else None,
        path=raw.path,
        published=_parse_iso(published),
        outlet=outlet,
        reposted_from=reposted_from,
        author=author,
        script=script,
        region_province=region.province if region else None,
        region_city=region.city if region else None,
        region_county=region.county if region else None,
        extractor_version=EXTRACTOR_VERSION,
        region_level=region.level if region else None,
        carrier=carrier or (urlsplit(page_url).hostname if page_url else None),
    )


def clean_page(raw: RawPage) -> CleanResult:
    """Clean one page; raise CleaningError if it holds nothing we can read."""
    if not raw.body.strip():
        raise CleaningError("empty file")
    if len(raw.body) > MAX_PAGE_BYTES:
        raise CleaningError(
            f"page is {len(raw.body) / 2**20:.1f} MB, over the {MAX_PAGE_BYTES // 2**20} MB page limit"
        )
    try:
        decoded: Decoded = decode(raw.body, raw.content_type)
    except DecodeError as exc:
        raise CleaningError(str(exc)) from exc

    if is_html(raw, decoded.text):
        try:
            page = htmltext.extract_html(decoded.text, raw.final_url or raw.url)
        except htmltree.HtmlError as exc:
            raise CleaningError(str(exc)) from exc
        except RecursionError as exc:
            raise CleaningError("page nested too deeply to parse") from exc
        text_for_listing = "\n".join(page.body)
        meta = page
    else:
        meta = textlines.clean_text_page(decoded.text)
        text_for_listing = decoded.text

    items = listing.split_items(text_for_listing, meta.title)
    if items:
        articles = tuple(
            _article(raw, i, title=item.title, body=item.body, published=None,
                     outlet=item.outlet, reposted_from=None, author=item.author,
                     url=getattr(meta, "url", None), carrier=getattr(meta, "site_name", None))
            for i, item in enumerate(items)
        )
        return CleanResult(articles, True, decoded)

    if not textlines.has_prose(meta.body) and not govdoc.is_official_document(list(meta.body), meta.title):
        if is_html(raw, decoded.text) and (
                meta.link_density >= LISTING_LINK_DENSITY
                or sum(textlines.is_headline_like(x) or textlines.is_teaser(x) or textlines.is_paragraph(x)
                       for x in meta.body) >= LISTING_MIN_ENTRIES):
            return CleanResult((), True, decoded)
        raise CleaningError("no article text found: no line of the page reads as prose")
    article = _article(
        raw, 0, title=meta.title, body=meta.body, published=meta.published, outlet=meta.outlet,
        reposted_from=meta.reposted_from, author=meta.author, url=getattr(meta, "url", None),
        carrier=getattr(meta, "site_name", None),
    )
    return CleanResult((article,), False, decoded)
