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

#: Bytes read from each answer: enough to see it is a page, not a whole download.
READ_BYTES = 65536


def check_targets(source: Source) -> list[str]:
    """The URLs to request for ``source``: each start URL, search templates with the first keyword, page 1."""
    keyword = (source.keywords or taxonomy_keywords())[0]
    return [template.replace("{keyword}", quote(keyword)).replace("{page}", "1")
            for template in source.start_urls]


def check_url(url: str, user_agent: str = settings.USER_AGENT, timeout: float = 15.0) -> tuple[bool, str]:
    """(answered, what happened): HTTP status, content type and time, or why it failed."""
    import urllib.error
    import urllib.request  # here, not at start-up: it pulls in http, email and ssl

    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - registry URLs
            response.read(READ_BYTES)
            took = time.monotonic() - started
            return True, f"HTTP {response.status} {response.headers.get('Content-Type', '?')} in {took:.1f} s"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unreachable: {reason}"
