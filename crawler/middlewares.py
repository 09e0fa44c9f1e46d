"""Downloader middlewares of the edualliance crawler."""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest


class RedirectLoopMiddleware:
    """Stop a redirect that leads back to a URL of its own chain, and say so.

    Scrapy's duplicate filter would drop the looping request silently; raising
    here sends it to the request's errback, so the loop is logged for its source.
    Placed after RedirectMiddleware (it sees responses first).
    """

    def process_response(self, request, response, spider=None):
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if target in chain:
                raise IgnoreRequest(f"redirect loop: {' → '.join(chain + [target])}")
        return response
