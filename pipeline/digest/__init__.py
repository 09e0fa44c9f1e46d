"""The weekly policy-trend digest: what changed in one ISO week, in Chinese and English.

Weeks are ISO weeks in Asia/Shanghai, Monday to Sunday: an article counts in
the week it was published (Beijing time, as pages print it), or, without a
date, the week it was collected. Counts are per story (a story and its
reposts count once) next to raw article counts, and as a share of all
stories collected that week.

Modules, one job each:

- ``weeks``: ISO week names and the default week;
- ``build``: the ``Digest`` record of a week (counts, first reports, top
  stories, source health from the week's runs, collection start), read
  through the store (``pipeline/store/weekly.py``);
- ``terms``: emerging terms;
- ``i18n``: the prose in Chinese and English, region glosses;
- ``markdown``, ``html``: the two renderings (inline SVG charts in the file,
  ``cid:`` PNG images in the e-mail); ``images``: the PNG charts (matplotlib);
- ``feed``: the Atom feed; ``write``: ``write_digest``, the entry point.
"""

from .build import ROWS, TRAILING_WEEKS, Digest, FirstReport, SourceHealth, TopStory, build_digest
from .feed import write_feed
from .html import render_html
from .markdown import render_markdown
from .weeks import DigestError, parse_week, resolve_week, week_name
from .write import digest_stem, parse_langs, write_digest

__all__ = [
    "ROWS", "TRAILING_WEEKS", "Digest", "DigestError", "FirstReport", "SourceHealth", "TopStory", "build_digest",
    "digest_stem", "parse_langs", "parse_week", "render_html", "render_markdown", "resolve_week", "week_name",
    "write_digest", "write_feed",
]
