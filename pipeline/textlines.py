"""Line-level cleaning of already-extracted text (pages saved as text, or the
HTML extractor's output): find the headline, the metadata lines and the body,
and drop link lists, related-article blocks, share prompts and footers.

Pure functions on strings. The patterns are data in ``rules.toml``; what is
here is how lines are walked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import metadata
from .rules import BOILERPLATE, END_OF_ARTICLE, META_LINE, TOP_BLOCK

_LIST_ITEM = re.compile(r"^(?:[-•·*▪◆■●]\s*)+")
_SENTENCE_END = re.compile(r"[。！？!?；;…”\"’）)』」：:]$")
_HAN = re.compile(r"[\u3400-\u9fff]")
#: Teaser snippets of other articles on aggregators begin mid-sentence with an ellipsis.
_TEASER = re.compile(r"^(?:\.{3}|…|。。。)")
_DATE_ONLY = re.compile(r"^[\d\s:：/年月日.\-]+$")
#: A summary cut short by a list page: 加速教育发展从基本均衡迈向…
#: A closing 来源：新华网 line is metadata (read from the byline), not a reporter's credit.
_SOURCE_LINE = re.compile(r"^[(（【\[]?\s*(?:[来來]源|稿源|出[处處])\s*[:：][^。！？]{0,30}$")
_CLAUSE = re.compile(r"[，。；,;]")
#: A sentence really ends here (a headline may end in a closing quote: 有了“结对校”).
_FULL_STOP = re.compile(r"[。！？!?；;…](?:[”\"’）)』」]*)$")
_TRUNCATED = re.compile(r"(?:…|\.{3}|。。。)$")
#: A policy document's number on a line of its own (黔教发〔2024〕7号, 文号：教基[2023]5号): part of
#: the document, not page furniture, though it is short and stands above the body.
_DOC_NUMBER_LINE = re.compile(r"^(?:文\s*号\s*[:：]\s*)?[\u4e00-\u9fff]{1,10}\s*[〔［\[【（(]\s*(?:19|20)\d{2}\s*"
                              r"[〕］\]】）)]\s*\d{1,4}\s*[号號]$")
#: The issuing body's line that signs a document (教育厅, 人民政府办公室, 某某小学), above its date.
_SIGNATURE = re.compile(r"(?:厅|局|委员会|教委|人民政府|政府|办公厅|办公室|部|学校|小学|中学|幼儿园)\s*$")
_READING = re.compile(r"正在阅读\s*[:：]\s*(.+)")

#: A body paragraph is prose: this many Han characters, or a shorter line that
#: ends a sentence. Headline-list items are shorter and end without punctuation.
MIN_PARAGRAPH_HAN = 25

#: Shorter sentence-ending lines still count as prose from this many Han characters.
MIN_SENTENCE_HAN = 8

#: An end marker (相关新闻) with less prose than this above it opens a block at
#: the top of the article: what stood above it (promos, video titles) is dropped.
MIN_HAN_ABOVE_END = 150

#: ... and only when the prose below it is this many times the prose above.
TOP_BLOCK_RATIO = 3

#: This many headline-like lines in a row after the body are a list of other
#: articles (one or two short lines are subheadings).
HEADLINE_RUN = 4


@dataclass(frozen=True, slots=True)
class TextPage:
    """What the line cleaner found on a text page."""

    title: str | None
    body: tuple[str, ...]
    published: str | None  # ISO 8601
    outlet: str | None
    reposted_from: str | None
    author: str | None


def clean_line(line: str) -> str:
    line = line.replace("\ufffd", "").replace("\u00a0", " ").replace("\u3000", " ")
    line = line.replace("\u200b", "").replace("\ufeff", "")
    return " ".join(line.split())


def han_count(line: str) -> int:
    return len(_HAN.findall(line))


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line))


def is_paragraph(line: str) -> bool:
    """Prose: enough Han characters, or a shorter line that ends a sentence."""
    han = han_count(line)
    return han >= MIN_PARAGRAPH_HAN or (han >= MIN_SENTENCE_HAN and bool(_SENTENCE_END.search(line)))


def is_headline_like(line: str) -> bool:
    """Short, no sentence punctuation at the end: a link or list entry."""
    return not _SENTENCE_END.search(line) and len(line) <= 60 and not is_paragraph(line)


def is_teaser(line: str) -> bool:
    """A summary of another page, cut short (list pages, aggregators)."""
    return bool(_TEASER.match(line) or _TRUNCATED.search(line))


def has_prose(lines: list[str]) -> bool:
    """At least one paragraph of an article, not an entry of a list of articles.

    List entries are headlines, possibly long (with a date on the next line) and
    teasers cut short; an article's paragraph ends a sentence or runs over clauses.
    """
    for line, after in zip(lines, [*lines[1:], ""]):
        if not is_paragraph(line) or is_teaser(line) or _DATE_ONLY.match(after):
            continue
        if _FULL_STOP.search(line) or len(_CLAUSE.findall(line)) >= 2:
            return True
    return False


def is_boilerplate(line: str) -> bool:
    return bool(BOILERPLATE.match(line))


def ends_article(line: str) -> bool:
    return bool(END_OF_ARTICLE.match(line)) or bool(_TEASER.match(line))


def is_meta(line: str) -> bool:
    """A byline/date/source line: a label near its start, or a date with little else."""
    if len(line) > 120:
        return False
    if META_LINE.search(line[:16]) or (META_LINE.search(line) and not _SENTENCE_END.search(line)
                                       and len(line) <= 80):
        return True
    return bool(metadata.find_date(line)) and han_count(line) <= 8 and not _SENTENCE_END.search(line)


def filter_body(lines: list[str], title: str | None = None) -> list[str]:
    """Body lines of an extracted main text: furniture dropped, the tail cut at the first end marker.

    An end marker (相关阅读, 责编, 上一篇, …) before any prose starts a block that
    is skipped until the next prose paragraph: portals put 相关新闻 links at the
    top of the article too.
    """
    body: list[str] = []
    skipping = False
    lines = [clean_line(x) for x in lines]
    for i, line in enumerate(lines):
        if not line or line == title:
            continue
        if ends_article(line):
            above = sum(han_count(x) for x in body if is_paragraph(x))
            below = sum(han_count(x) for x in lines[i + 1:]
                        if is_paragraph(x) and not ends_article(x) and not is_boilerplate(x))
            if above and (above >= MIN_HAN_ABOVE_END or below < TOP_BLOCK_RATIO * above
                          or not TOP_BLOCK.match(line)):
                break
            body.clear()
            skipping = True
            continue
        if skipping and not is_paragraph(line):
            continue
        skipping = False
        if is_boilerplate(line):
            continue
        if not body and is_meta(line):
            continue
        body.append(line)
    # Headline-like list entries after the last paragraph are a list of other articles.
    while body and (is_boilerplate(body[-1]) or (_DATE_ONLY.match(body[-1]) and not _signed(body))
                    or _SOURCE_LINE.match(body[-1])
                    or (is_list_item(body[-1]) and is_headline_like(_LIST_ITEM.sub("", body[-1])))):
        body.pop()
    return body


def _signed(body: list[str]) -> bool:
    """The last line is the date under a document's signature (贵州省教育厅 / 2024年3月12日): part of it."""
    return len(body) >= 2 and han_count(body[-2]) <= 40 and _SIGNATURE.search(body[-2]) is not None


def _cut_headline_runs(body: list[str]) -> list[str]:
    """Cut the body at a run of headline-like lines (a list of other articles)."""
    for i in range(len(body)):
        run = body[i:i + HEADLINE_RUN]
        if len(run) == HEADLINE_RUN and all(is_headline_like(x) for x in run) \
                and any(is_paragraph(x) for x in body[:i]):
            return body[:i]
    return body


def clean_text_page(raw_text: str) -> TextPage:
    """Split a text page into title, metadata and body paragraphs."""
    lines = [clean_line(x) for x in raw_text.splitlines()]
    lines = [x for x in lines if x]
    # The body begins at the first prose paragraph that is not furniture.
    start = next(
        (i for i, x in enumerate(lines) if is_paragraph(x) and not is_boilerplate(x)
         and not ends_article(x) and not is_list_item(x) and not is_meta(x)),
        None,
    )
    if start is None:
        return TextPage(None, (), None, None, None, None)
    header = lines[:start]
    title = _title(header)

    body: list[str] = []
    for line in lines[start:]:
        if ends_article(line):
            break
        if is_list_item(line) and body:
            break  # a link list after the body: the article is over
        if is_boilerplate(line) or is_list_item(line) or line == title:
            continue
        body.append(line)
    body = _cut_headline_runs(body)
    # Short lines right before the body that are not metadata or the title are
    # subheadings (e.g. a 副题), which belong to the body.
    lead: list[str] = []
    for line in reversed(header):
        if _DOC_NUMBER_LINE.match(line):
            lead.insert(0, line)
            continue
        if line == title or is_boilerplate(line) or is_meta(line) or is_list_item(line) \
                or han_count(line) < 6:
            break
        lead.insert(0, line)
    body = lead + body

    header_text = "\n".join(header)
    published = metadata.labelled_date(header_text) or metadata.find_date(header_text)
    repost = metadata.reposted_from(header_text)
    outlet = metadata.outlet(header_text) or _site_name_line(header, title)
    author = metadata.author("\n".join([*header, *body[:3], *body[-2:]]))
    return TextPage(
        title=title,
        body=tuple(body),
        published=published,
        outlet=repost or outlet,
        reposted_from=repost,
        author=author,
    )


def _title(header: list[str]) -> str | None:
    """The headline: 正在阅读：X if the page says so, else the first plausible header line."""
    for line in header:
        match = _READING.match(line)
        if match:
            return match[1].strip()
    for line in header:
        if is_boilerplate(line) or is_list_item(line) or is_meta(line) or ends_article(line):
            continue
        if metadata.find_date(line) and han_count(line) < 4:
            continue
        if 6 <= han_count(line) and len(line) <= 80:
            return line
    return None


def _site_name_line(header: list[str], title: str | None) -> str | None:
    """A short line right between the headline and a date line is the site's name (essay sites)."""
    for before, line, after in zip(header, header[1:], header[2:]):
        if before == title and metadata.find_date(after) and 2 <= len(line) <= 20 \
                and not metadata.find_date(line) and not _SENTENCE_END.search(line):
            return line
    return None
