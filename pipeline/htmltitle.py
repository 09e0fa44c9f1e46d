"""The headline and the carrying site's name: <title>, og:title, headings, the line above the byline."""

from __future__ import annotations

import re

from . import textlines
from .htmltree import meta

#: The byline below an unmarked headline stands within this many lines above the body.
HEADLINE_WINDOW = 10

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–·»«<>〖〗]+|\s{2,})\s*")
#: A government body as a <title> segment (某县教育局, 某省人民政府): a bureau's site, not a story.
#: Narrower than an issuer (govdoc.ISSUER also takes schools, and headlines end in 学校 too).
_BUREAU_SITE = re.compile(r"^[\u4e00-\u9fff]{2,16}(?:人民政府|政府|教育局|教育厅|教育部|教育委员会|教委|局|厅)$")
#: Site and channel names in <title>: 新闻网, 博客, 在线, 频道, 首页, greetings.
_SITE_NAME = re.compile(r"(?:网|网站|在线|博客|频道|首页|门户|blog|\.com|\.cn)$|欢迎(?:您|光临|访问)|谢谢您?访问", re.I)


def _site_like(segment: str) -> bool:
    """A <title> segment that names the site or channel, not the story."""
    return bool(_SITE_NAME.search(segment)) or textlines.han_count(segment) < 4 and len(segment) < 12 \
        or bool(_BUREAU_SITE.match(segment))  # 某县教育局: a bureau's site


SITE_META_NAMES = ("og:site_name", "sitename", "site_name", "application-name", "apple-mobile-web-app-title")


def site_name_of(title_tag: str | None, meta_name: str | None = None) -> str | None:
    """The carrying site's name: its <meta> name, else the site-like last segment of <title>
    (关于…的通知_国务院文件_中国政府网 → 中国政府网)."""
    if meta_name and 2 <= len(meta_name.strip()) <= 30:
        return meta_name.strip()
    segments = [s for s in _TITLE_SPLIT.split(textlines.clean_line(title_tag or "")) if s]
    if len(segments) >= 2 and _site_like(segments[-1]) and 2 <= len(segments[-1]) <= 30:
        return segments[-1]
    return None


def title_tag_headline(title_tag: str) -> str | None:
    """The longer of the first two <title> segments that do not name the site or channel."""
    segments = [s for s in _TITLE_SPLIT.split(title_tag) if s and not _site_like(s)]
    return max(segments[:2], key=len) if segments else None


def headline(tree) -> str | None:
    """The article's headline, not the site name: the heading that <title> or og:title contains.

    None when the page names only its site (old portals print the headline in a
    <b> or <font>): ``headline_in_page`` then looks above the byline.
    """
    title_tag = textlines.clean_line(tree.findtext(".//title") or "")
    og = textlines.clean_line(meta(tree, "og:title") or "")
    candidates = []
    for el in tree.iter("h1", "h2", "h3"):
        text = textlines.clean_line(el.text_content() or "")
        if 4 <= len(text) <= 100:
            candidates.append(text)
    for text in candidates:
        if ((title_tag and text in title_tag) or (og and text in og)) and not _site_like(text):
            return text
    if og and not _site_like(og):
        return og
    from_title = title_tag_headline(title_tag)
    if from_title:
        return from_title
    return next((c for c in candidates if textlines.han_count(c) >= 6 and not _site_like(c)), None)


def headline_in_page(page: list[str], body: list[str]) -> str | None:
    """The line right above the byline that stands above the first body line."""
    first = body[0][:20] if body else None
    end = next((i for i, x in enumerate(page) if first and x.startswith(first)), None)
    if end is None:
        return None
    window = page[max(0, end - HEADLINE_WINDOW):end]
    for j, line in enumerate(window):
        if textlines.is_meta(line):
            above = window[j - 1] if j else None
            if above and textlines.han_count(above) >= 6 and len(above) <= 80 \
                    and not textlines.is_boilerplate(above) and not textlines.is_meta(above):
                return above
            return None
    return None


def meta_zone(page: list[str], title: str | None, body: list[str]) -> list[str]:
    """Lines between the headline and the first body line: where bylines stand."""
    start = 0
    if title:
        start = next((i for i, x in enumerate(page) if title in x), 0)
    first = body[0][:20] if body else None
    end = next((i for i in range(start + 1, len(page)) if first and page[i].startswith(first)), start + 12)
    return page[start:min(end, start + 15)]
