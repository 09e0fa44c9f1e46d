"""Check that a source's start URLs answer: one plain request each, no Scrapy.

What `edualliance sources check` does before a source is trusted to a weekly
run: a registry entry with a typo'd host or a moved section shows up here, not
as a silent source in the next run's report.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from . import settings
from .registry import Source, taxonomy_keywords

#: Bytes read from each answer: a list page whole, not a whole download.
READ_BYTES = 2 * 2**20


def check_targets(source: Source) -> list[str]:
    """The URLs to request for ``source``: each start URL, search templates with the first keyword, page 1."""
    keyword = (source.keywords or taxonomy_keywords())[0]
    return [template.replace("{keyword}", quote(keyword)).replace("{page}", "1")
            for template in source.start_urls]


def fetch(url: str, user_agent: str = settings.USER_AGENT, timeout: float = 15.0
          ) -> tuple[bool, str, bytes, str | None]:
    """(answered, what happened, the first READ_BYTES of the body, Content-Type)."""
    import urllib.error
    import urllib.request  # here, not at start-up: it pulls in http, email and ssl

    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - registry URLs
            body = response.read(READ_BYTES)
            took = time.monotonic() - started
            content_type = response.headers.get("Content-Type")
            return (True, f"HTTP {response.status} {content_type or '?'} in {took:.1f} s", body, content_type)
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}", b"", None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unreachable: {reason}", b"", None


def describe_layout(source: Source, url: str, body: bytes, content_type: str | None) -> str:
    """What the crawler would make of a start page: links in scope (and how many look like
    articles by their URL), and the pager it recognises. A listing source whose start page has
    no link in scope will never yield: this is how to see it before the first run."""
    from edualliance.pipeline.decode import DecodeError, decode
    from edualliance.pipeline.sniff import looks_like_html

    from . import discovery
    from .spiders.source_run import SourceRun

    if source.kind in ("sitemap", "feed"):
        return ""
    if not (content_type and "html" in content_type.lower()) and not looks_like_html(body):
        return "layout: not an HTML page"
    try:
        text = decode(body, content_type).text
    except DecodeError as exc:
        return f"layout: cannot decode ({exc})"
    shape = discovery.page_shape(text, url)
    run = SourceRun.of(source)
    roles = [discovery.url_role(u, run.article, run.listing) for u, _ in shape.links if run.in_scope(u)]
    in_scope = [r for r in roles if r != "skip"]
    pager = (f"{len(shape.pagination)} other page(s)" if shape.pagination
             else (shape.unread_pager or "none (a single page, or pages the crawler cannot see)"))
    return (f"layout: {len(in_scope)} link(s) in scope ({in_scope.count('article')} article-shaped, "
            f"{in_scope.count('page')} to be judged by their page, {in_scope.count('attachment')} attachments);"
            f" pager: {pager}")
