"""What a crawl run knows and counts per source: the store's state of each URL when the run
started (``Known``), each source's compiled patterns and counters (``SourceRun``), and the
role a fetched page is given by its shape (``page_role``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from edualliance.crawler import discovery
from edualliance.crawler.registry import Source


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knew about a URL when this run started."""

    role: str
    verdict: str
    etag: str | None
    last_modified: str | None
    lastmod: datetime | None
    last_checked: datetime | None
    links: tuple[tuple[str, str], ...] = ()  # in-scope links the page had when it was fetched


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def load_known_file(path: str | Path) -> dict[str, Known]:
    known = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            known[row["url"]] = Known(row["role"], row["verdict"], row["etag"], row["last_modified"],
                                      _when(row["lastmod"]), _when(row["last_checked"]),
                                      tuple(tuple(link) for link in row.get("links") or ()))
    return known


def known_from_rows(rows) -> dict[str, Known]:
    """From Store.crawl_state() rows (with or without their stored links)."""
    known = {}
    for url, _source, role, verdict, etag, lm, lastmod, checked, *rest in rows:
        links = tuple(tuple(link) for link in (json.loads(rest[0]) if rest and rest[0] else ()))
        known[url] = Known(role, verdict, etag, lm, lastmod, checked, links)
    return known


@dataclass
class SourceRun:
    source: Source
    allow: tuple[re.Pattern, ...]
    deny: tuple[re.Pattern, ...]
    article: tuple[re.Pattern, ...]
    listing: tuple[re.Pattern, ...]
    requested: int = 0
    answered: int = 0  # responses and failures received for this source's requests
    listed: set[str] = field(default_factory=set)
    skipped_known: int = 0
    skipped_missing: int = 0  # answered 404/410 on an earlier run, not due again
    listing_pages: int = 0
    capped: bool = False
    seen: set[str] = field(default_factory=set)  # listing pages this source has requested this run
    starts: int = 0  # start requests made (search: one per template, keyword and page)
    start_failures: int = 0  # … and how many did not answer
    attachments_off_site: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # what the crawl could not do, one line each
    query_pages: dict[str, int] = field(default_factory=dict)  # search: result pages requested per query
    unreported: list[tuple[str, str]] = field(default_factory=list)  # notes not yet sent as items
    hosts: frozenset[str] = frozenset()  # the source's hosts (read once: asked for every link)

    @classmethod
    def of(cls, source: Source) -> SourceRun:
        def comp(patterns):
            return tuple(re.compile(p) for p in patterns)

        return cls(source, comp(source.allow), comp(source.deny), comp(source.article_urls),
                   comp(source.listing_urls), hosts=frozenset(source.hosts))

    def on_host(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in self.hosts

    def in_scope(self, url: str, role: str = "") -> bool:
        """On the source's hosts, matching ``allow`` (attachments need not: a page in scope that links
        a PDF wants it read, whatever its folder) and no ``deny``."""
        if not self.on_host(url):
            return False
        if role != "attachment" and self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)

    def note(self, message: str, url: str = "") -> bool:
        """Record a note once per run (logged as an error line of the source); True the first time."""
        if message in self.notes:
            return False
        self.notes.append(message)
        self.unreported.append((url, message))
        return True

    def stats(self) -> dict:
        return {"listed": len(self.listed), "skipped_known": self.skipped_known,
                "skipped_missing": self.skipped_missing,
                "listing_pages": self.listing_pages, "requested": self.requested, "capped": self.capped,
                "start_failures": self.start_failures, "start_urls": self.starts,
                "attachments_off_site": len(self.attachments_off_site), "notes": list(self.notes)}

    def progress(self) -> dict:
        return {"requests": self.requested, "queued": max(0, self.requested - self.answered),
                "listed": len(self.listed), "listing_pages": self.listing_pages}


def page_role(linked_as: str, shape: discovery.PageShape) -> str:
    """Article or listing, decided by the page itself.

    A URL that says article stays one unless the page has next to no prose. A page whose URL
    says nothing is a listing when it has almost no prose, or a pager and less prose than an
    article has; anything else goes to the cleaning stage as an article, which has the last
    word (it calls a list with teasers a list, and keeps a real article whose navigation
    outweighs its text: link density alone misjudges those).
    """
    if linked_as == "article":
        return "listing" if shape.prose_han < discovery.MIN_ARTICLE_HAN // 2 else "article"
    if linked_as == "page":
        if shape.prose_han < discovery.MIN_ARTICLE_HAN // 4:
            return "listing"
        if shape.pagination and shape.prose_han < discovery.MIN_ARTICLE_HAN:
            return "listing"
        return "article"
    return linked_as
