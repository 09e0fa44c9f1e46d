"""What the spider yields: typed items, one class per kind of event."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


#: PageItem fields that travel apart from its header (the bytes) or only into its WARC record.
_NOT_IN_HEADER = frozenset({"body", "method", "request_headers", "response_headers"})


@dataclass
class PageItem:
    """A response as received (HTML page or attachment): the raw capture."""

    source: str
    role: str  # article | listing | attachment
    url: str
    final_url: str
    status: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    lastmod: str | None  # ISO 8601 (UTC) from the sitemap or feed that listed it
    anchor: str | None  # text of the link that led here
    fetched_at: str  # ISO 8601, UTC
    body: bytes
    links: list[tuple[str, str]] | None = None  # article pages: in-scope links (URL, anchor), kept in crawl_state
    # What the WARC capture keeps beside the body (crawler/warc.py), not sent to the storing process:
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, response, source: str, role: str, fetched_at: str,
           links: list[tuple[str, str]] | None = None) -> PageItem:
        """The capture of a Scrapy response; its URL is the one first requested (before redirects)."""
        return cls(
            source=source,
            role=role,
            url=response.request.meta.get("redirect_urls", [response.request.url])[0],
            final_url=response.url,
            status=response.status,
            content_type=response_header(response, "Content-Type"),
            etag=response_header(response, "ETag"),
            last_modified=response_header(response, "Last-Modified"),
            lastmod=response.meta.get("lastmod"),
            anchor=response.meta.get("anchor"),
            fetched_at=fetched_at,
            body=response.body,
            links=links,
            method=response.request.method,
            request_headers=_headers(response.request.headers),
            response_headers=_headers(response.headers),
        )

    def header(self) -> dict[str, Any]:
        # Not asdict: it deep-copies every field, the body and the kept links included.
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_IN_HEADER}
        return {"type": "page", **data}


@dataclass
class NotModifiedItem:
    """A conditional request answered 304."""

    source: str
    url: str
    lastmod: str | None
    checked_at: str

    def header(self) -> dict[str, Any]:
        return {"type": "not_modified", **asdict(self)}


@dataclass
class ErrorItem:
    """A request or response that failed: logged for the source, never raised."""

    source: str
    url: str
    stage: str  # fetch | sitemap | feed | parse | discovery
    message: str
    status: int | None = None  # the HTTP status of a failed fetch
    role: str | None = None  # what the URL was requested as (article, attachment, page, listing)

    def header(self) -> dict[str, Any]:
        return {"type": "error", **asdict(self)}


@dataclass
class ProgressItem:
    """How far each source has got: requests made, answers outstanding (its queue), URLs listed."""

    sources: dict[str, dict[str, int]]

    def header(self) -> dict[str, Any]:
        return {"type": "progress", **asdict(self)}


def _headers(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def response_header(response, name: str) -> str | None:
    """A response header as text (headers are bytes; latin-1 maps every byte)."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
