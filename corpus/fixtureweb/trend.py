"""The demo's trend: half a year of local education news (corpus/web/trend.toml)
as two more sites of the fixture web.

- ``difang``: a national education portal's local channel (地方教育), where
  each story first appears with its outlet's 来源 line; listing pages of ten
  headlines with numbered pagination.
- ``huibao``: a regional repost portal (教育汇报网) that carries stories a day
  or two later under its partners' names (their own 来源, the same text with
  the portal's editor's note), read through its RSS feed.

Story dates are weeks after ``start`` (a Monday); a repost comes one day and
two hours later per place in the ``reposts`` list. Paths are opaque ids, as
such portals have them. This module reads trend.toml; trend_sites.py renders
the two sites.
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import datetime, timedelta
from pathlib import Path


def load_trend(root: Path, page_type) -> list:
    """The trend's stories and reposts as ``Page`` records (``page_type``: content.Page)."""
    path = root / "trend.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    start = datetime.fromisoformat(data["start"])
    pages = []
    for story in data["story"]:
        day = start + timedelta(weeks=story["week"], days=story["day"])
        hour, minute = (int(x) for x in story["time"].split(":"))
        when = day.replace(hour=hour, minute=minute)
        key = hashlib.sha1(f"{story['title']}".encode()).hexdigest()
        pages.append(page_type(
            site="difang", path=f"/difang/{when:%Y%m}/t{when:%Y%m%d}_{int(key[:7], 16) % 9000000 + 1000000}.html",
            title=story["title"], date=f"{when:%Y-%m-%d %H:%M}", outlet=story["outlet"], label=story["label"],
            paragraphs=list(story["paragraphs"])))
        for k, outlet in enumerate(story.get("reposts", ()), start=1):
            later = when + timedelta(days=k, hours=2 * k)
            pages.append(page_type(
                site="huibao", path=f"/huibao/a/{key[8:20]}{k}.shtml", title=story["title"],
                date=f"{later:%Y-%m-%d %H:%M}", outlet=outlet, label=story["label"],
                paragraphs=list(story["paragraphs"])))
    return pages
