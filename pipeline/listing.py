"""Listing pages: a page that lists separate items (a journal platform's
相似文献 list, search results, 各地动态) yields one record per item.

Recognised shape (journal platforms, search results): numbered items
``1.`` ``2.`` … in sequence, each an optional author/journal line and a
summary, with no prose before the first item (numbered paragraphs inside an
article follow prose: they are the article's points, not separate items).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import govdoc, textlines

#: Two numbered items in a row, with no prose before the first and mostly
#: prose summaries, are a list of records (an article's numbered points follow
#: prose; a journal's 相似文献 list can hold two entries).
MIN_ITEMS = 2

#: Most items must be prose summaries: a numbered list of short names is a table of contents.
MIN_PROSE_ITEMS = 0.6

_NUMBER_LINE = re.compile(r"^(\d{1,3})\s*[.、．]\s*(.*)$")
# 李丽  张苗妙 《人民教育》2023,(18):51-53  |  《教育文汇》2010,(7):F0002-F0002
_JOURNAL_LINE = re.compile(
    r"^(?P<authors>(?:[\u3400-\u9fff·]{2,4}\s*){0,8})\s*《(?P<journal>[^》]{2,30})》\s*"
    r"(?P<year>(?:19|20)\d{2})\s*[,，]?\s*(?:\((?P<issue>[^)]*)\))?"
)
#: Journal platforms mark abstracts with <正> and end each with a 相似文献 link.
_MARKERS = re.compile(r"^<正>|\s*相似文献\s*$")
_PAGE_FOOTER = re.compile(r"设为首页|免责声明|关于我们|联系我们")


@dataclass(frozen=True, slots=True)
class Item:
    title: str | None
    body: tuple[str, ...]
    author: str | None
    outlet: str | None  # the journal


def split_items(text: str, title: str | None = None) -> list[Item]:
    """The items of a listing page, or [] when the text is not one (an official
    document's numbered points are one document, whatever precedes them)."""
    lines = [textlines.clean_line(x) for x in text.splitlines()]
    lines = [x for x in lines if x]
    if govdoc.is_official_document(lines, title):
        return []
    starts: list[int] = []
    expected = 1
    for i, line in enumerate(lines):
        match = _NUMBER_LINE.match(line)
        if match and int(match[1]) == expected:
            if expected == 1 and any(textlines.is_paragraph(x) for x in lines[:i]):
                return []  # prose before the first number: an article with numbered points
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
    items = [item for item in items if item.body]
    prose = sum(1 for item in items if any(textlines.is_paragraph(x) for x in item.body))
    if len(items) < MIN_ITEMS or prose < MIN_PROSE_ITEMS * len(items):
        return []
    return items


def _item(chunk: list[str], last: bool) -> Item:
    author = journal = title = None
    body: list[str] = []
    for line in chunk:
        if last and (textlines.is_boilerplate(line) or _PAGE_FOOTER.search(line)):
            break
        match = _JOURNAL_LINE.match(line)
        if match and not body:
            author = re.sub(r"\s+", "、", match["authors"].strip()) or None
            journal = match["journal"]
            continue
        if not body and not textlines.is_paragraph(line) and len(line) <= 60 and title is None:
            title = line
            continue
        cleaned = _MARKERS.sub("", line).strip()
        if cleaned:
            body.append(cleaned)
    return Item(title=title, body=tuple(body), author=author, outlet=journal)
