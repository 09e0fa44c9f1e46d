"""Sitemaps (index, urlset, news sitemaps, gzipped), RSS/Atom feeds and robots.txt
Sitemap lines, parsed with defusedxml: DTDs with entities (XXE, billion
laughs) are refused, and gzipped files are inflated only up to a limit.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .discovery import normalize_link

#: Inflated sitemaps and feeds larger than this are refused (a gzip bomb is tiny on the wire).
MAX_XML_BYTES = 50 * 2**20


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
