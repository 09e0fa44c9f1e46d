"""One spider for every source in the registry, whatever its kind.

Discovery by kind: listing pages with pagination (``listing``), sitemaps
(``sitemap``: index, urlset, news sitemaps, robots.txt Sitemap lines), feeds
(``feed``: RSS/Atom) and site search (``search``: URL templates with
{keyword} and {page}). From every HTML page the spider follows in-scope links
(the source's hosts, ``allow``/``deny``, ``max_depth``, ``max_pages``) and
tells articles from listing pages by URL shape and page shape.

Incremental: an article or attachment URL fetched before is requested again
only when a sitemap/feed date says it changed, or, after ``revalidate_days``,
as a conditional request (If-None-Match / If-Modified-Since) that a 304 can
answer. Listing pages are read every run.

The spider yields items (see ``items.py``); it never writes the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Request, Response

from edualliance.crawler import discovery
from edualliance.crawler.docfiles import kind_of
from edualliance.crawler.items import ErrorItem, NotModifiedItem, PageItem
from edualliance.crawler.registry import Source, load_registry, select, taxonomy_keywords
from edualliance.pipeline.decode import DecodeError, decode, looks_like_html
from edualliance.pipeline.store import utcnow


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knew about a URL when this run started."""

    role: str
    verdict: str
    etag: str | None
    last_modified: str | None
    lastmod: datetime | None
    last_checked: datetime | None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def load_known_file(path: str | Path) -> dict[str, Known]:
    known = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            known[row["url"]] = Known(row["role"], row["verdict"], row["etag"], row["last_modified"],
                                      _when(row["lastmod"]), _when(row["last_checked"]))
    return known


def known_from_rows(rows) -> dict[str, Known]:
    """From Store.crawl_state() rows."""
    return {url: Known(role, verdict, etag, lm, lastmod, checked)
            for url, _source, role, verdict, etag, lm, lastmod, checked in rows}


@dataclass
class SourceRun:
    source: Source
    allow: tuple[re.Pattern, ...]
    deny: tuple[re.Pattern, ...]
    article: tuple[re.Pattern, ...]
    listing: tuple[re.Pattern, ...]
    requested: int = 0
    listed: set[str] = field(default_factory=set)
    skipped_known: int = 0
    listing_pages: int = 0
    capped: bool = False

    @classmethod
    def of(cls, source: Source) -> SourceRun:
        def comp(patterns):
            return tuple(re.compile(p) for p in patterns)

        return cls(source, comp(source.allow), comp(source.deny), comp(source.article_urls),
                   comp(source.listing_urls))

    def in_scope(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if host not in self.source.hosts:
            return False
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)

    def stats(self) -> dict:
        return {"listed": len(self.listed), "skipped_known": self.skipped_known,
                "listing_pages": self.listing_pages, "requested": self.requested, "capped": self.capped}


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(self, plan: dict | str | None = None, sources: str | None = None, names: str = "",
                 base: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(plan, str):
            plan = json.loads(Path(plan).read_text(encoding="utf-8"))
        if plan is not None:
            from edualliance.crawler.registry import parse_source

            chosen = [parse_source(cfg, f"plan source {cfg.get('name')}") for cfg in plan["sources"]]
            self.keywords = tuple(plan.get("keywords") or taxonomy_keywords())
            self.known: dict[str, Known] = load_known_file(plan["known_file"]) if plan.get("known_file") else {}
        else:  # `scrapy crawl sources -a sources=FILE -a names=a,b`: the StorePipeline fills self.known
            chosen = select(load_registry(sources, base_url=base), tuple(n for n in names.split(",") if n))
            self.keywords = taxonomy_keywords()
            self.known = {}
        self.runs = {s.name: SourceRun.of(s) for s in chosen}
        self.now = utcnow()
        self.seen: set[str] = set()

    # -- start ---------------------------------------------------------------------------

    async def start(self):
        for run in self.runs.values():
            for request in self.start_requests_for(run):
                yield request

    def start_requests_for(self, run: SourceRun):
        source = run.source
        if source.kind == "search":
            for template in source.start_urls:
                pages = range(1, source.search_pages + 1) if "{page}" in template else (1,)
                for keyword in source.keywords or self.keywords:
                    for page in pages:
                        url = template.replace("{keyword}", quote(keyword)).replace("{page}", str(page))
                        request = self._request(run, url, "listing", depth=0, force=True)
                        if request:
                            yield request
            return
        callback = {"listing": self.parse_page, "sitemap": self.parse_sitemap, "feed": self.parse_feed}[source.kind]
        for url in source.start_urls:
            if source.kind == "sitemap" and urlsplit(url).path.endswith("robots.txt"):
                callback = self.parse_robots
            request = self._request(run, url, "listing", depth=0, callback=callback, force=True)
            if request:
                yield request

    # -- requests ------------------------------------------------------------------------

    def _request(self, run: SourceRun, url: str, role: str, *, depth: int, callback=None,
                 lastmod: datetime | None = None, anchor: str | None = None, force: bool = False,
                 headers: dict | None = None) -> Request | None:
        if url in self.seen:
            return None
        if run.requested >= run.source.max_pages:
            run.capped = True
            return None
        self.seen.add(url)
        run.requested += 1
        meta = {"source": run.source.name, "role": role, "hops": depth, "anchor": anchor,
                "lastmod": lastmod.isoformat() if lastmod else None,
                "handle_httpstatus_list": [304]}
        return Request(url, callback=callback or self.parse_page, errback=self.on_error, meta=meta,
                       headers=headers, priority=10 if role == "listing" else 0, dont_filter=force)

    def _article(self, run: SourceRun, url: str, role: str, *, depth: int, lastmod: datetime | None = None,
                 anchor: str | None = None) -> Request | None:
        """Request an article or attachment unless it is known and unchanged."""
        if url in self.seen:
            return None
        run.listed.add(url)
        known = self.known.get(url)
        if known is not None and known.role == "listing":
            return self._request(run, url, "listing", depth=depth, anchor=anchor)
        headers = {}
        if known is not None:
            changed = lastmod is not None and (known.lastmod is None or lastmod > known.lastmod)
            due = (known.last_checked is None
                   or self.now - known.last_checked >= timedelta(days=run.source.revalidate_days))
            validators = known.etag or known.last_modified
            if not changed and not (due and validators):
                self.seen.add(url)
                run.skipped_known += 1
                return None
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return self._request(run, url, role, depth=depth, lastmod=lastmod, anchor=anchor, headers=headers or None)

    # -- callbacks ------------------------------------------------------------------------

    def parse_page(self, response: Response):
        meta = response.meta
        run = self.runs[meta["source"]]
        if response.status == 304:
            yield NotModifiedItem(run.source.name, response.request.url, meta.get("lastmod"), utcnow().isoformat())
            return
        content_type = _header(response, "Content-Type")
        attachment = kind_of(response.url, content_type, response.body[:8])
        if attachment or meta["role"] == "attachment":
            if attachment:
                yield self._page_item(response, run, "attachment")
            else:
                yield ErrorItem(run.source.name, response.url, "parse",
                                f"linked as an attachment but received {content_type or 'no content type'}")
            return
        if not (content_type and "html" in content_type.lower()) and not looks_like_html(response.body):
            return  # an image, a script, a download we do not read
        try:
            text = decode(response.body, content_type).text
        except DecodeError as exc:
            yield ErrorItem(run.source.name, response.url, "parse", str(exc))
            return
        shape = discovery.page_shape(text, response.url)
        if shape.too_deep:
            from edualliance.pipeline.htmltext import TOO_DEEP_MESSAGE

            yield ErrorItem(run.source.name, response.url, "parse", TOO_DEEP_MESSAGE)
            return
        role = meta["role"]
        if role == "article":  # the URL says article: only a page without prose is not one
            role = "listing" if shape.prose_han < discovery.MIN_ARTICLE_HAN // 2 else "article"
        elif role == "page":  # the URL says nothing: the page's shape decides
            role = "listing" if shape.looks_like_listing else "article"
        if role == "listing":
            run.listing_pages += 1
        yield self._page_item(response, run, role)
        yield from self._follow(run, shape, meta["hops"])

    def _follow(self, run: SourceRun, shape: discovery.PageShape, depth: int):
        source = run.source
        for url, anchor in shape.links:
            if not run.in_scope(url):
                continue
            role = discovery.url_role(url, run.article, run.listing)
            if role == "skip" or (role == "attachment" and not source.attachments):
                continue
            paging = bool(discovery.PAGINATION_TEXT.match(anchor)) and role == "listing"
            next_depth = depth if paging else depth + 1
            if next_depth > source.max_depth:
                continue
            if role in ("article", "attachment"):
                request = self._article(run, url, role, depth=next_depth, anchor=anchor or None)
            else:
                request = self._request(run, url, role, depth=next_depth, anchor=anchor or None)
            if request is not None:
                yield request

    def parse_robots(self, response: Response):
        run = self.runs[response.meta["source"]]
        for url in discovery.robots_sitemaps(response.body, response.url):
            request = self._request(run, url, "listing", depth=0, callback=self.parse_sitemap)
            if request:
                yield request

    def parse_sitemap(self, response: Response):
        run = self.runs[response.meta["source"]]
        try:
            kind, entries = discovery.parse_sitemap(response.body, response.url)
        except discovery.XmlRefused as exc:
            yield ErrorItem(run.source.name, response.url, "sitemap", str(exc))
            return
        for entry in sorted(entries, key=lambda e: e.lastmod or datetime.min, reverse=True):
            if kind == "index":
                request = self._request(run, entry.url, "listing", depth=0, callback=self.parse_sitemap)
            elif run.in_scope(entry.url):
                role = discovery.url_role(entry.url, run.article, run.listing)
                if role == "skip":
                    continue
                role = role if role in ("attachment", "listing") else "article"
                request = (self._request(run, entry.url, "listing", depth=1) if role == "listing"
                           else self._article(run, entry.url, role, depth=1, lastmod=entry.lastmod,
                                              anchor=entry.title))
            else:
                continue
            if request is not None:
                yield request

    def parse_feed(self, response: Response):
        run = self.runs[response.meta["source"]]
        try:
            entries = discovery.parse_feed(response.body, response.url)
        except discovery.XmlRefused as exc:
            yield ErrorItem(run.source.name, response.url, "feed", str(exc))
            return
        for entry in entries:
            if not run.in_scope(entry.url):
                continue
            role = discovery.url_role(entry.url, run.article, run.listing)
            role = "attachment" if role == "attachment" else "article"
            request = self._article(run, entry.url, role, depth=1, lastmod=entry.lastmod, anchor=entry.title)
            if request is not None:
                yield request

    def on_error(self, failure):
        request = failure.request
        source = request.meta.get("source", "?")
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        if failure.check(HttpError):
            message = f"HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            text = str(failure.value) or "request ignored"
            if "robots.txt" in text or "Forbidden by robots.txt" in text:
                message = "forbidden by robots.txt"
            else:
                message = text
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]
        yield ErrorItem(source, request.url, "fetch", message)

    # -- items ------------------------------------------------------------------------------

    def _page_item(self, response: Response, run: SourceRun, role: str) -> PageItem:
        return PageItem(
            source=run.source.name,
            role=role,
            url=response.request.meta.get("redirect_urls", [response.request.url])[0],
            final_url=response.url,
            status=response.status,
            content_type=_header(response, "Content-Type"),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            lastmod=response.meta.get("lastmod"),
            anchor=response.meta.get("anchor"),
            fetched_at=utcnow().isoformat(),
            body=response.body,
        )

    def source_stats(self) -> dict[str, dict]:
        return {name: run.stats() for name, run in self.runs.items()}


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
