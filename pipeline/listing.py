"""Listing pages: a page that lists separate items (a journal platform's
相似文献 list, search results, 各地动态) yields one record per item.

Recognised shape (journal platforms, search results): numbered items
``1.`` ``2.`` … each followed by an optional author/journal line and a
summary. Fewer than ``MIN_ITEMS`` numbered items in sequence is not a listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import textlines

#: Three numbered items in a row are a list; two can be a numbered argument.
MIN_ITEMS = 3

_NUMBER_LINE = re.compile(r"^(\d{1,3})[.、．]\s*(.*)$")
# 李丽  张苗妙 《人民教育》2023,(18):51-53  |  《教育文汇》2010,(7):F0002-F0002
_JOURNAL_LINE = re.compile(
    r"^(?P<authors>(?:[\u3400-\u9fff·]{2,4}\s*){0,8})\s*《(?P<journal>[^》]{2,30})》\s*"
    r"(?P<year>(?:19|20)\d{2})\s*[,，]?\s*(?:\((?P<issue>[^)]*)\))?"
)
_MARKERS = re.compile(r"^<正>|\s*相似文献\s*$")


@dataclass(frozen=True, slots=True)
class Item:
    title: str | None
    body: tuple[str, ...]
    author: str | None
    outlet: str | None  # the journal
    published: str | None  # year of the journal issue


def split_items(text: str) -> list[Item]:
    lines = [textlines.clean_line(x) for x in text.splitlines()]
    lines = [x for x in lines if x]
    starts: list[int] = []
    expected = 1
    for i, line in enumerate(lines):
        match = _NUMBER_LINE.match(line)
        if match and int(match[1]) == expected:
            starts.append(i)
            expected += 1
    if len(starts) < MIN_ITEMS:
        return []
    items = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        inline = _NUMBER_LINE.match(lines[start])[2].strip()
        chunk = ([inline] if inline else []) + lines[start + 1:end]
        items.append(_item(chunk, last=n + 1 == len(starts)))
    return [item for item in items if item.body]


def _item(chunk: list[str], last: bool) -> Item:
    author = journal = year = title = None
    body: list[str] = []
    for line in chunk:
        if last and (textlines.BOILERPLATE.search(line) or "设为首页" in line or "免责声明" in line):
            break
        match = _JOURNAL_LINE.match(line)
        if match and not body:
            author = re.sub(r"\s+", "、", match["authors"].strip()) or None
            journal, year = match["journal"], match["year"]
            continue
        if not body and not textlines.is_paragraph(line) and len(line) <= 60 and title is None:
            title = line
            continue
        body.append(_MARKERS.sub("", line).strip())
    return Item(title=title, body=tuple(x for x in body if x), author=author, outlet=journal,
                published=year and f"{year}-01-01")
