"""What the spider yields: typed items, one class per kind of event."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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

    def header(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("body")
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
