"""Finding articles without per-site selectors.

* URL shape: what a link's address says it is (article, listing page,
  attachment, or unknown), with a source's own patterns first.
* Page shape: link density and the amount of prose outside links, for pages
  whose address says nothing (the cleaning stage's listing verdict has the
  last word after the fetch).
* Sitemaps (index, urlset, news sitemaps, gzipped) and RSS/Atom feeds, parsed
  with defusedxml: DTDs with entities (XXE, billion laughs) are refused, and
  gzipped files are inflated only up to a limit.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from edualliance.pipeline import metadata

from .docfiles import ATTACHMENT_TYPES

#: Inflated sitemaps and feeds larger than this are refused (a gzip bomb is tiny on the wire).
MAX_XML_BYTES = 50 * 2**20

_ARTICLE_URL = re.compile(
    r"(?:^|[/_-])(?:content|article|art|detail|details|show|view|news|info|doc|post|p|a|abstract)[_/-]?\d{2,}"
    r"|/t(?:19|20)\d{6}_\d+"
    r"|/\d{5,}\.(?:s?html?|aspx?|php|jsp)$"
    r"|/\d{4,}/\d+\.(?:s?html?)$"
    r"|/abstract/",
    re.I,
)
_LISTING_URL = re.compile(
    r"(?:^|/)(?:index|list|lists|node|channel|column|category|more|default)(?:[_-]\w+)?\.(?:s?html?|aspx?|php|jsp)$"
    r"|/$"
    r"|[?&](?:page|p|pn|pageno|pageindex|start)=\d+",
    re.I,
)
_SKIP_SUFFIX = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|json|mp[34]|avi|mov|flv|wmv|swf|zip|rar|7z|gz|tar|exe|apk"
    r"|xls|xlsx|ppt|pptx|wps|txt|xml|woff2?|ttf)$",
    re.I,
)
PAGINATION_TEXT = re.compile(r"^\s*(?:下一?页|上一?页|尾页|末页|首页|后页|前页|更多|>>?|»|›|\d{1,3}|next|prev(?:ious)?)\s*$", re.I)

#: Prose outside links that makes a page an article rather than a list (Han characters).
MIN_ARTICLE_HAN = 120
LISTING_LINK_DENSITY = 0.6

_HAN = re.compile(r"[\u3400-\u9fff]")
def url_date(url: str) -> str | None:
    """A date in the URL's path (/2023-03/15/, t20230315_123.html, /20230315/), as YYYY-MM-DD;
    the host is left out (digits in host names are not dates)."""
    return metadata.url_date(urlsplit(url).path)


def url_role(url: str, article_patterns=(), listing_patterns=()) -> str:
    """'attachment', 'article', 'listing', 'page' (unknown: decided after fetching) or 'skip'."""
    path = urlsplit(url).path
    lowered = path.lower()
    for suffix in ATTACHMENT_TYPES:
        if lowered.endswith(suffix):
            return "attachment"
    if any(p.search(url) for p in article_patterns):
        return "article"
    if any(p.search(url) for p in listing_patterns):
        return "listing"
    if _SKIP_SUFFIX.search(lowered):
        return "skip"
    if _LISTING_URL.search(path + ("?" + urlsplit(url).query if urlsplit(url).query else "")):
        return "listing"
    if url_date(url) or _ARTICLE_URL.search(path):
        return "article"
    return "page"


def normalize_link(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    url = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass(frozen=True, slots=True)
class PageShape:
    prose_han: int  # Han characters outside links
    link_density: float  # share of the text inside <a>
    links: tuple[tuple[str, str], ...]  # (absolute URL, anchor text)
    too_deep: bool = False  # nested past what the parser keeps: an error, not a listing

    @property
    def looks_like_listing(self) -> bool:
        return self.prose_han < MIN_ARTICLE_HAN or self.link_density >= LISTING_LINK_DENSITY


def page_shape(text: str, base_url: str) -> PageShape:
    """Parse once: links with their text, and how much of the page is prose."""
    import lxml.html
    from lxml.etree import ParserError

    from edualliance.pipeline.htmltext import too_deep

    try:
        tree = lxml.html.document_fromstring(text)
    except (ParserError, ValueError):
        return PageShape(0, 0.0, ())
    if too_deep(tree):
        return PageShape(0, 0.0, (), too_deep=True)
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    body = tree.find("body")
    root = body if body is not None else tree
    total = len(_HAN.findall(root.text_content()))
    links: list[tuple[str, str]] = []
    in_links = 0
    for a in root.iter("a"):
        anchor = " ".join(a.text_content().split())
        in_links += len(_HAN.findall(anchor))
        url = normalize_link(base_url, a.get("href"))
        if url:
            links.append((url, anchor))
    density = in_links / total if total else 0.0
    return PageShape(total - in_links, round(density, 3), tuple(links))


# -- sitemaps and feeds -------------------------------------------------------------------


class XmlRefused(ValueError):
    """A sitemap or feed that is not parsed: entities, too large, not XML."""


def _inflate(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        if len(body) > MAX_XML_BYTES:
            raise XmlRefused(f"XML of {len(body) // 2**20} MB refused (limit {MAX_XML_BYTES // 2**20} MB)")
        return body
    inflater = zlib.decompressobj(31)
    out = inflater.decompress(body, MAX_XML_BYTES + 1)
    if len(out) > MAX_XML_BYTES or inflater.unconsumed_tail:
        raise XmlRefused(f"gzipped XML inflates past {MAX_XML_BYTES // 2**20} MB: refused (gzip bomb?)")
    return out


def _parse_xml(body: bytes):
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    data = _inflate(body)
    try:
        return DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlRefused(f"XML with entity declarations or external references refused ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_when(value: str | None) -> datetime | None:
    """ISO 8601 (sitemaps, Atom) or RFC 822 (RSS) → naive UTC."""
    if not value:
        return None
    value = value.strip()
    moment = None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


@dataclass(frozen=True, slots=True)
class Entry:
    url: str
    lastmod: datetime | None
    title: str | None = None


def parse_sitemap(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """('index', child sitemaps) or ('urlset', pages). Raises XmlRefused."""
    root = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise XmlRefused(f"not a sitemap (root element <{kind}>)")
    entries = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = lastmod = title = None
        for child in node.iter():
            name = _local(child.tag)
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name in ("lastmod", "publication_date") and child.text:
                lastmod = max(filter(None, [lastmod, parse_when(child.text)]), default=None)
            elif name == "title" and child.text:
                title = child.text.strip()
        url = normalize_link(base_url, loc)
        if url:
            entries.append(Entry(url, lastmod, title))
    return ("index" if kind == "sitemapindex" else "urlset"), entries


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """Items of an RSS 2.0 / RSS 1.0 / Atom feed. Raises XmlRefused."""
    root = _parse_xml(body)
    entries = []
    for node in root.iter():
        if _local(node.tag) not in ("item", "entry"):
            continue
        link = when = title = None
        for child in node:
            name = _local(child.tag)
            if name == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    link = href
                elif child.text and child.text.strip():
                    link = child.text.strip()
            elif name == "guid" and not link and child.text and child.text.startswith("http"):
                link = child.text.strip()
            elif name in ("pubdate", "updated", "published", "date") and child.text:
                when = max(filter(None, [when, parse_when(child.text)]), default=None)
            elif name == "title" and child.text:
                title = child.text.strip()
        url = normalize_link(base_url, link)
        if url:
            entries.append(Entry(url, when, title))
    if not entries and _local(root.tag) not in ("rss", "feed", "rdf"):
        raise XmlRefused(f"not a feed (root element <{_local(root.tag)}>)")
    return entries


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    text = body.decode("utf-8", "replace")
    found = []
    for line in text.splitlines():
        match = re.match(r"\s*sitemap\s*:\s*(\S+)", line, re.I)
        if match:
            url = normalize_link(base_url, match[1])
            if url:
                found.append(url)
    return found
