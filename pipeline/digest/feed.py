"""feed.xml: an Atom feed with an entry per digest file (week and language) in a folder."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ..charts import esc

#: Digests kept in the Atom feed (per language).
FEED_ENTRIES = 52

_FEED_FILE = re.compile(r"^digest-(\d{4}-W\d{2})\.(zh|en)\.html$")
_TITLE = {"zh": "教育政策动态周报 {week}", "en": "Policy-trend digest {week}"}


def _summary_of(md_path: Path) -> str:
    try:
        lines = md_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return lines[2] if len(lines) > 2 else ""


def _stamp(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_feed(out_dir: Path, base_url: str | None = None) -> Path:
    """feed.xml in ``out_dir``: an entry per digest-<week>.<lang>.html, newest week first."""
    entries = []
    for path in Path(out_dir).iterdir():
        match = _FEED_FILE.match(path.name)
        if match:
            entries.append((match[1], match[2] == "zh", match[2], path))
    entries.sort(reverse=True)
    entries = entries[: FEED_ENTRIES * 2]
    updated = max((_stamp(p) for *_, p in entries), default=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    base = (base_url.rstrip("/") + "/") if base_url else ""
    xml = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           "<title>edualliance weekly policy-trend digests</title>",
           "<id>urn:edualliance:digests</id>", f"<updated>{updated}</updated>",
           "<author><name>edualliance</name></author>",
           f'<link rel="self" href="{esc(base + "feed.xml")}"/>']
    for week, _, lang, path in entries:
        xml += [
            f'<entry xml:lang="{"zh-Hans" if lang == "zh" else "en"}">',
            f"<title>{esc(_TITLE[lang].format(week=week))}</title>",
            f"<id>urn:edualliance:digest:{esc(week)}:{lang}</id>",
            f"<updated>{_stamp(path)}</updated>",
            f'<link rel="alternate" type="text/html" hreflang="{lang}" href="{esc(base + path.name)}"/>',
            f"<summary>{esc(_summary_of(path.with_suffix('.md')))}</summary>",
            "</entry>",
        ]
    xml.append("</feed>")
    feed = Path(out_dir) / "feed.xml"
    feed.write_text("\n".join(xml) + "\n", encoding="utf-8")
    return feed
