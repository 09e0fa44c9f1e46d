"""Line-level cleaning of already-extracted text (pages saved as text, or
trafilatura's output): find the headline, the metadata lines and the body,
and drop link lists, related-article blocks, share prompts and footers.

Pure functions on strings; the patterns are named constants below with the
kind of site that needed each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- line kinds --------------------------------------------------------------------

#: A line that ends the article: what follows is another block of the page.
#: 相关/推荐 blocks (news portals, essay sites), 责编 lines (光明网-style
#: portals put them right after the body), snapshot disclaimers (aggregators),
#: 上一篇/下一篇 (essay sites), "更多…资讯" (aggregators).
END_OF_ARTICLE = re.compile(
    r"^(?:[-•·*\s]*)(?:"
    r"相关(?:阅读|文章|新闻|推荐|链接|报道)|推荐(?:阅读|文章|新闻)|热点推荐|热门(?:推荐|文章|新闻)"
    r"|延伸阅读|猜你喜欢|精彩推荐|视觉焦点|独家策划|您此时的心情|新闻表情排行"
    r"|\[?\s*责编|责任编辑|编辑[:：]|上一篇|下一篇|阅读剩余全文"
    r"|以上内容为资讯信息快照|更多关于.{0,12}的资讯|网友评论|我要评论|发表评论"
    r")"
)

#: Lines that are page furniture wherever they stand.
BOILERPLATE = re.compile(
    r"^(?:"
    r"点击右上角|朋友圈$|请使用浏览器分享功能|分享到[:：]?|打印本页|关闭窗口|【?字号|字体[:：]"
    r"|正在阅读[:：]|首页\s*[>|›»]|当前位置[:：]|您的位置[:：]|我的订阅$|扫一扫|微信扫"
    r"|版权所有|Copyright|©|.{0,40}ICP备|举报电话|违法和不良信息"
    r"|本站信息快照|快照生成时间|信息原文地址|本文转自[:：]"
    r"|《.{1,80}》\s*[,，]\s*由互联网用户分享整理"
    r")",
    re.I,
)

_LIST_ITEM = re.compile(r"^(?:[-•·*]\s*)+")
_SENTENCE_END = re.compile(r"[。！？!?；;…”\"）)』」]$")
_HAN = re.compile(r"[\u3400-\u9fff]")

#: A body paragraph is prose: long enough and mostly Han characters. Headline
#: list items are shorter than this and end without sentence punctuation.
MIN_PARAGRAPH_HAN = 25

# -- metadata patterns ---------------------------------------------------------------

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?)?"
)
_OUTLET = re.compile(r"来源[:：]\s*(?P<outlet>[^\s\d|｜/]{2,30}?)(?=\s|\d|$|[|｜/])")
_REPOST = re.compile(r"(?:本文转自|转载自|转自)[:：]?\s*(?P<outlet>[^\s,，。|｜]{2,30})")
_AUTHOR = re.compile(
    r"(?:(?:全媒体|融媒体|特约|首席)?记者|作者|文\s*/|通讯员)[:：\s]*"
    r"(?P<author>[\u3400-\u9fff·]{2,4}(?:[、，,][\u3400-\u9fff·]{2,4})*)"
)
_META_LINE = re.compile(r"(?:来源|发布时间|发布日期|时间|日期|作者|类别|浏览|点击)[:：]")


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
    return line.replace("\ufffd", "").replace("\u00a0", " ").replace("\u3000", " ").strip()


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line))


def is_paragraph(line: str) -> bool:
    """Prose: enough Han characters, or a shorter line that ends a sentence."""
    han = len(_HAN.findall(line))
    return han >= MIN_PARAGRAPH_HAN or (han >= 8 and bool(_SENTENCE_END.search(line)))


def find_date(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    if match["H"] is None:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}T{int(match['H']):02d}:{match['M']}:{match['S'] or '00'}"


def _outlet(line: str) -> str | None:
    match = _OUTLET.search(line)
    return match["outlet"].strip() if match else None


def clean_text_page(raw_text: str) -> TextPage:
    """Split a text page into title, metadata and body paragraphs."""
    lines = [clean_line(x) for x in raw_text.splitlines()]
    lines = [x for x in lines if x]
    # The body begins at the first prose paragraph that is not furniture.
    start = next(
        (i for i, x in enumerate(lines) if is_paragraph(x) and not BOILERPLATE.match(x)
         and not END_OF_ARTICLE.match(x) and not is_list_item(x) and not _META_LINE.search(x[:12])),
        None,
    )
    if start is None:
        return TextPage(None, (), None, None, None, None)
    header = lines[:start]
    title = _title(header)

    body: list[str] = []
    for line in lines[start:]:
        if END_OF_ARTICLE.match(line):
            break
        if is_list_item(line) and body:
            break  # a link list after the body: the article is over
        if BOILERPLATE.match(line) or is_list_item(line) or line == title:
            continue
        body.append(line)
    # Short lines right before the body that are not metadata or the title are
    # subheadings (e.g. a 副题), which belong to the body.
    lead: list[str] = []
    for line in reversed(header):
        if line == title or BOILERPLATE.match(line) or _META_LINE.search(line) or find_date(line) == line \
                or is_list_item(line) or len(_HAN.findall(line)) < 6:
            break
        lead.insert(0, line)
    body = lead + body

    header_text = "\n".join(header)
    published = None
    for line in header:
        if find_date(line):
            published = find_date(line)
            break
    repost = _REPOST.search(header_text)
    outlet = None
    for line in header:
        outlet = outlet or _outlet(line)
    if outlet is None:
        outlet = _site_name_line(header, title)
    author = None
    for line in [*header, *body[:3], *body[-2:]]:
        match = _AUTHOR.search(line)
        if match:
            author = match["author"]
            break
    return TextPage(
        title=title,
        body=tuple(body),
        published=published,
        outlet=(repost["outlet"] if repost else outlet),
        reposted_from=repost["outlet"] if repost else None,
        author=author,
    )


def _title(header: list[str]) -> str | None:
    """The headline: 正在阅读：X if the page says so, else the first plausible header line."""
    for line in header:
        match = re.match(r"正在阅读[:：]\s*(.+)", line)
        if match:
            return match[1].strip()
    for line in header:
        if BOILERPLATE.match(line) or is_list_item(line) or _META_LINE.search(line) or END_OF_ARTICLE.match(line):
            continue
        if find_date(line) and len(_HAN.findall(line)) < 4:
            continue
        if 6 <= len(_HAN.findall(line)) and len(line) <= 80:
            return line
    return None


def _site_name_line(header: list[str], title: str | None) -> str | None:
    """A short line right between the headline and a date line is the site's name (essay sites)."""
    for before, line, after in zip(header, header[1:], header[2:]):
        if before == title and find_date(after) and 2 <= len(line) <= 20 and not find_date(line) \
                and not _SENTENCE_END.search(line):
            return line
    return None
