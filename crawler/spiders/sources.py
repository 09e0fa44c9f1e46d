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
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Request, Response

from edualliance.crawler import discovery, feeds
from edualliance.crawler.docfiles import kind_of
from edualliance.crawler.items import ErrorItem, NotModifiedItem, PageItem, ProgressItem, response_header
from edualliance.crawler.registry import load_registry, select, taxonomy_keywords
from edualliance.crawler.spiders.source_run import Known, SourceRun, load_known_file, page_role
from edualliance.pipeline.decode import DecodeError, decode
from edualliance.pipeline.sniff import looks_like_html
from edualliance.pipeline.store import utcnow


#: Seconds between progress messages (requests, stored articles and queue per source).
PROGRESS_SECONDS = 5.0

#: Links kept per article page in crawl_state, to be followed again when the page is not refetched.
MAX_KEPT_LINKS = 300

#: Request priority: shallower first (breadth-first), and at one depth listing pages before
#: articles. A page is then first reached by its shortest path from a start URL, so what
#: ``max_depth`` cuts does not depend on which response happened to arrive first (a node of a
#: shared frontier takes requests in priority order, not last-in-first-out).
LISTING_PRIORITY = 1
DEPTH_PRIORITY_STEP = -2


def request_priority(role: str, depth: int) -> int:
    return depth * DEPTH_PRIORITY_STEP + (LISTING_PRIORITY if role == "listing" else 0)


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
        # Article, attachment and unknown-page URLs are fetched once per run, whichever source lists
        # them first (each source that lists one counts it); listing pages are per source, so two
        # sources sharing a start page both read it and both see what it lists.
        self.seen: set[str] = set()
        self.last_progress = time.monotonic()
        self.progress_seconds = float((plan or {}).get("progress_seconds", PROGRESS_SECONDS))
        # known URLs skipped so far: who counted them, and at what depth their links were followed
        self.unchanged: dict[str, tuple[SourceRun, int]] = {}
        self.judged: dict[str, str] = {}  # the role each fetched HTML page was given by its shape

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
                        # With {page} the template enumerates the result pages; without, the result
                        # page's pager is followed, search_pages pages per query in all.
                        request = self._request(run, url, "listing", depth=0, start=True,
                                                query=None if "{page}" in template else url)
                        if request:
                            yield request
            return
        default = {"listing": self.parse_page, "sitemap": self.parse_sitemap, "feed": self.parse_feed}[source.kind]
        for url in source.start_urls:
            callback = default  # decided per URL: a sitemap listed after a robots.txt is still a sitemap
            if source.kind == "sitemap" and urlsplit(url).path.endswith("robots.txt"):
                callback = self.parse_robots
            request = self._request(run, url, "listing", depth=0, callback=callback, start=True)
            if request:
                yield request

    # -- requests ------------------------------------------------------------------------

    def _request(self, run: SourceRun, url: str, role: str, *, depth: int, callback=None,
                 lastmod: datetime | None = None, anchor: str | None = None, start: bool = False,
                 headers: dict | None = None, query: str | None = None) -> Request | None:
        per_source = role == "listing"
        if url in (run.seen if per_source else self.seen):
            return None
        if run.requested >= run.source.max_pages:
            run.capped = True
            return None
        (run.seen if per_source else self.seen).add(url)
        run.requested += 1
        run.starts += start
        was = self.known.get(url)
        meta = {"source": run.source.name, "role": role, "hops": depth, "anchor": anchor, "query": query,
                "was": was.verdict if was is not None else None,
                "start": start, "lastmod": lastmod.isoformat() if lastmod else None,
                "handle_httpstatus_list": [304]}
        if run.source.delay is not None:
            # The source's delay is what its operator asked for: AutoThrottle may not lower it.
            meta["autothrottle_dont_adjust_delay"] = True
        # The spider keeps its own seen-sets (per source for listing pages): Scrapy's global
        # duplicate filter would let one source's listing page starve another's.
        return Request(url, callback=callback or self.parse_page, errback=self.on_error, meta=meta,
                       headers=headers, priority=request_priority(role, depth), dont_filter=per_source)

    def _article(self, run: SourceRun, url: str, role: str, *, depth: int, lastmod: datetime | None = None,
                 anchor: str | None = None) -> list[Request]:
        """Request an article or attachment unless it is known and unchanged; a known one that is
        not fetched again still has its links followed (from crawl_state)."""
        known = self.known.get(url)
        if known is not None and known.verdict == "listing":
            request = self._request(run, url, "listing", depth=depth, anchor=anchor)
            return [request] if request else []
        run.listed.add(url)
        if url in self.seen:
            return []
        if url in self.unchanged and lastmod is None:
            first_run, first_depth = self.unchanged[url]
            if depth >= first_depth or known is None:
                return []
            # reached again by a shorter path: its links may now be within max_depth
            self.unchanged[url] = (first_run, depth)
            return list(self._follow_links(run, known.links, depth))
        headers = {}
        if known is not None and known.verdict == "missing":
            if self._still_missing(run, url, known):
                return []
            known = None
        if known is not None:
            changed = lastmod is not None and (known.lastmod is None or lastmod > known.lastmod)
            due = (known.last_checked is None
                   or self.now - known.last_checked >= timedelta(days=run.source.revalidate_days))
            validators = known.etag or known.last_modified
            if not changed and not (due and validators):
                if url in self.unchanged:
                    return []
                # not in self.seen: a sitemap or feed read later may still give a newer date
                self.unchanged[url] = (run, depth)
                run.skipped_known += 1
                return list(self._follow_links(run, known.links, depth))
            if url in self.unchanged:  # skipped earlier in this run, changed after all
                self.unchanged.pop(url)[0].skipped_known -= 1
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            if known.role in ("article", "attachment") and role == "page":
                role = known.role  # decided by the page when it was fetched
        request = self._request(run, url, role, depth=depth, lastmod=lastmod, anchor=anchor,
                                headers=headers or None)
        return [request] if request else []

    def _still_missing(self, run: SourceRun, url: str, known: Known) -> bool:
        """A URL that answered 404/410 before is tried again when revalidate_days have passed,
        not every run."""
        due = (known.last_checked is None
               or self.now - known.last_checked >= timedelta(days=run.source.revalidate_days))
        if due:
            return False
        if url in self.seen or url in run.seen:
            return True  # counted once
        self.seen.add(url)
        run.seen.add(url)
        run.skipped_missing += 1
        return True

    # -- callbacks ------------------------------------------------------------------------

    def _answered(self, run: SourceRun):
        """Count a response and, every few seconds, say how far each source has got."""
        run.answered += 1
        now = time.monotonic()
        if now - self.last_progress >= self.progress_seconds:
            self.last_progress = now
            yield ProgressItem({name: r.progress() for name, r in self.runs.items()})

    def parse_page(self, response: Response):
        meta = response.meta
        run = self.runs[meta["source"]]
        yield from self._answered(run)
        if response.status == 304:
            yield NotModifiedItem(run.source.name, response.request.url, meta.get("lastmod"), utcnow().isoformat())
            return
        content_type = response_header(response, "Content-Type")
        attachment = kind_of(response.url, content_type, response.body[:8])
        if attachment or meta["role"] == "attachment":
            if attachment:
                yield PageItem.of(response, run.source.name, "attachment", utcnow().isoformat())
            else:
                yield ErrorItem(run.source.name, response.url, "parse",
                                f"linked as an attachment but received {content_type or 'no content type'}")
            return
        if not (content_type and "html" in content_type.lower()) and not looks_like_html(response.body):
            yield ErrorItem(run.source.name, response.url, "parse",
                            f"not read: neither HTML nor an attachment ({content_type or 'no content type'})")
            return
        try:
            text = decode(response.body, content_type).text
        except DecodeError as exc:
            yield ErrorItem(run.source.name, response.url, "parse", str(exc))
            return
        shape = discovery.page_shape(text, response.url)
        if shape.too_deep:
            from edualliance.pipeline.htmltree import TOO_DEEP_MESSAGE

            yield ErrorItem(run.source.name, response.url, "parse", TOO_DEEP_MESSAGE)
            return
        role = page_role(meta["role"], shape)
        self.judged[response.request.url] = role
        if role == "listing":
            run.listing_pages += 1
        if shape.unread_pager:
            run.note(shape.unread_pager, response.url)
        kept: list[tuple[str, str]] = []
        requests = list(self._follow(run, shape, meta["hops"], role, kept, meta.get("query")))
        yield PageItem.of(response, run.source.name, role, utcnow().isoformat(),
                          kept if role == "article" else None)
        yield from self._notes(run)
        yield from requests

    def _notes(self, run: SourceRun):
        while run.unreported:
            url, message = run.unreported.pop(0)
            yield ErrorItem(run.source.name, url, "discovery", message)

    def _candidates(self, run: SourceRun, links):
        """In-scope links worth following, with their role by URL shape."""
        source = run.source
        for url, anchor in links:
            role = discovery.url_role(url, run.article, run.listing)
            if role == "skip":
                continue
            if not run.in_scope(url, role):
                if role == "attachment" and source.attachments and url not in run.attachments_off_site:
                    run.attachments_off_site.add(url)
                    run.note(f"attachments on other hosts are not fetched (first: {url}); "
                             "add their host to `domains` to read them", url)
                continue
            if role == "attachment" and not source.attachments:
                continue
            yield url, anchor, role

    def _follow(self, run: SourceRun, shape: discovery.PageShape, depth: int, page_role_: str = "listing",
                kept: list | None = None, query: str | None = None):
        source = run.source
        pager = set(shape.pagination)
        # Pagination: the same listing (or a long article) continued, not a hop. Search sources
        # read search_pages result pages per query, whatever their result pages link to.
        if pager:
            for url in shape.pagination:
                if source.kind == "search":
                    if query is None or run.query_pages.get(query, 1) >= source.search_pages:
                        break
                if not run.in_scope(url):
                    continue
                if page_role_ == "listing":
                    requests = [self._request(run, url, "listing", depth=depth, query=query)]
                else:  # the next page of an article, or of a list with teasers: judged when fetched
                    requests = self._article(run, url, "page", depth=depth)
                for request in requests:
                    if request is not None:
                        if query is not None:
                            run.query_pages[query] = run.query_pages.get(query, 1) + 1
                        yield request
        for url, anchor, role in self._candidates(run, shape.links):
            if url in pager:
                continue
            if kept is not None and len(kept) < MAX_KEPT_LINKS:
                kept.append((url, anchor))
            yield from self._link(run, url, anchor, role, depth + 1)

    def _follow_links(self, run: SourceRun, links, depth: int):
        """The links a known article had when it was fetched: found again without fetching it."""
        for url, anchor, role in self._candidates(run, links):
            yield from self._link(run, url, anchor, role, depth + 1)

    def _link(self, run: SourceRun, url: str, anchor: str, role: str, depth: int):
        # An attachment belongs to the page that links it (a notice and its PDF): it is read with
        # any page read, even one at max_depth; it leads nowhere further.
        if depth > run.source.max_depth and role != "attachment":
            return
        known = self.known.get(url)
        if known is not None and known.verdict == "missing" and self._still_missing(run, url, known):
            return
        if role == "listing" and known is not None and known.verdict not in ("listing", "missing"):
            role = known.role  # a URL shaped like a list that was an article when fetched
        if role in ("article", "attachment", "page"):  # a page is judged when fetched (and remembered)
            yield from self._article(run, url, role, depth=depth, anchor=anchor or None)
        else:
            request = self._request(run, url, role, depth=depth, anchor=anchor or None)
            if request is not None:
                yield request

    def parse_robots(self, response: Response):
        run = self.runs[response.meta["source"]]
        yield from self._answered(run)
        for url in feeds.robots_sitemaps(response.body, response.url):
            request = self._request(run, url, "listing", depth=0, callback=self.parse_sitemap)
            if request:
                yield request

    def parse_sitemap(self, response: Response):
        run = self.runs[response.meta["source"]]
        yield from self._answered(run)
        try:
            kind, entries = feeds.parse_sitemap(response.body, response.url)
        except feeds.XmlRefused as exc:
            yield ErrorItem(run.source.name, response.url, "sitemap", str(exc))
            return
        for entry in sorted(entries, key=lambda e: e.lastmod or datetime.min, reverse=True):
            if kind == "index":
                request = self._request(run, entry.url, "listing", depth=0, callback=self.parse_sitemap)
                if request is not None:
                    yield request
            elif run.in_scope(entry.url):
                role = discovery.url_role(entry.url, run.article, run.listing)
                if role == "skip":
                    continue
                role = role if role in ("attachment", "listing") else "article"
                if role == "listing":
                    request = self._request(run, entry.url, "listing", depth=1)
                    if request is not None:
                        yield request
                else:
                    yield from self._article(run, entry.url, role, depth=1, lastmod=entry.lastmod,
                                             anchor=entry.title)

    def parse_feed(self, response: Response):
        run = self.runs[response.meta["source"]]
        yield from self._answered(run)
        try:
            entries = feeds.parse_feed(response.body, response.url)
        except feeds.XmlRefused as exc:
            yield ErrorItem(run.source.name, response.url, "feed", str(exc))
            return
        for entry in entries:
            if not run.in_scope(entry.url):
                continue
            role = discovery.url_role(entry.url, run.article, run.listing)
            role = "attachment" if role == "attachment" else "article"
            yield from self._article(run, entry.url, role, depth=1, lastmod=entry.lastmod, anchor=entry.title)

    def on_error(self, failure):
        request = failure.request
        source = request.meta.get("source", "?")
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        run = self.runs.get(source)
        if run is not None:
            yield from self._answered(run)
            if request.meta.get("start"):
                run.start_failures += 1
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
        elif failure.check(IgnoreRequest):
            text = str(failure.value) or "request ignored"
            if "robots.txt" in text or "Forbidden by robots.txt" in text:
                message = "forbidden by robots.txt"
            else:
                message = text
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]
        # The role goes with the error only for a URL that is new or was missing before: a dead link is
        # remembered as such, a stored article that disappears keeps its state (and its page).
        role = (request.meta.get("role") if request.meta.get("was") in (None, "missing")
                and not request.meta.get("start") else None)
        yield ErrorItem(source, request.url, "fetch", message, status, role)

    def source_stats(self) -> dict[str, dict]:
        stats = {}
        for name, run in self.runs.items():
            stats[name] = run.stats()
            # URLs whose shape said nothing and whose page was a list are not listed articles
            stats[name]["listed"] = sum(1 for url in run.listed if self.judged.get(url) != "listing")
        return stats
