"""Finding articles without per-site selectors.

* URL shape: what a link's address says it is (article, listing page,
  attachment, or unknown), with a source's own patterns first.
* Page shape: link density and the amount of prose outside links, for pages
  whose address says nothing (the cleaning stage's listing verdict has the
  last word after the fetch).

Sitemaps and feeds are read by ``feeds.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from edualliance.pipeline import metadata

from .docfiles import ATTACHMENT_TYPES

_ARTICLE_URL = re.compile(
    r"(?:^|[/_-])(?:content|article|art|detail|details|show|view|news|info|doc|post|p|a|abstract)[_/-]?\d{2,}"
    r"|/t(?:19|20)\d{6}_\d+"
    r"|/\d{5,}\.(?:s?html?|aspx?|php|jsp)$"
    r"|/\d{4,}/\d+\.(?:s?html?)$"
    r"|/abstract/",
    re.I,
)
_LISTING_URL = re.compile(
    r"(?:^|/)(?:index|list|lists|node|channel|column|category|more|default)(?:[_-]\w+)?\.(?:s?html?|aspx?|php|jsp)$"
    r"|/$"
    r"|[?&](?:page|p|pn|pageno|pageindex|start)=\d+",
    re.I,
)
_SKIP_SUFFIX = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|json|mp[34]|avi|mov|flv|wmv|swf|zip|rar|7z|gz|tar|exe|apk"
    r"|xls|xlsx|ppt|pptx|wps|txt|xml|woff2?|ttf)$",
    re.I,
)
#: Anchor texts of pagination: words that say "page" (页) or next/previous, and bare page numbers.
#: 上一篇/下一篇 (previous/next *article*) are not pagination: they are links between articles.
PAGINATION_TEXT = re.compile(
    r"^\s*[<«‹\[]*\s*(?:下一?页|上一?页|下页|后页|前页|首页|尾页|末页|最后一?页|第一页|\d{1,4}|第\s*\d{1,4}\s*页"
    r"|next(?:\s*page)?|prev(?:ious)?(?:\s*page)?|first|last|>{1,2}|<{1,2}|»|«|›|‹)\s*[>»›\]]*\s*$",
    re.I,
)
#: Pagination anchor texts that need no neighbours to be believed. 首页 (also "home page"), 尾页,
#: first/last and bare numbers or arrows need other pager anchors beside them.
_PAGING_WORD = re.compile(r"[上下前后]一?页|第\s*\d+\s*页|next|prev", re.I)
#: Class or id of an element that holds a pager ("page", "pages", "pager", "pagination", "fenye", "fy").
_PAGER_BLOCK = re.compile(r"pag(?:e|es|er|ing|ination|inate)(?:\b|_|-|\d|$)|fenye|\bfy\b|turnpage|pagenav", re.I)
#: Inline elements: a pager's anchors are grouped by the nearest block around them.
_INLINE = frozenset({"span", "b", "strong", "em", "i", "font", "li", "u", "label"})
#: Script pagination: TRS createPageHTML(…) and the variables some templates set for it.
_TRS_CALL = re.compile(r"createPage(?:HTML|Html)\s*\(([^()]*)\)")
_PAGE_VARS = {
    "count": re.compile(r"\b(?:countPage|pageCount|totalPages?|page_count|maxPage)\s*[=:]\s*[\"']?(\d{1,5})"),
    "current": re.compile(r"\b(?:currentPage|curPage|pageIndex|current_page|nowPage)\s*[=:]\s*[\"']?(\d{1,5})"),
    "prefix": re.compile(r"\b(?:prefixName|prefix|pageName)\s*[=:]\s*[\"']([\w.-]{1,40})[\"']"),
    "suffix": re.compile(r"\b(?:suffixName|suffix|pageExt)\s*[=:]\s*[\"']\.?(s?html?|jsp|php|aspx?)[\"']"),
}
#: A page number of an ``index_N.html`` sequence, and the total a pager states ("共 12 页").
_SEQUENCE_NAME = re.compile(r"^(?P<stem>[\w-]+?)(?:_(?P<n>\d{1,5}))?\.(?P<ext>s?html?|jsp|php|aspx?)$", re.I)
_TOTAL_PAGES = re.compile(r"共\s*(\d{1,5})\s*页|(?:/|of)\s*(\d{1,5})\s*页|totalpage\w*\s*[=:]\s*(\d{1,5})", re.I)
#: Script pagination larger than this is cut (a broken counter must not queue a million URLs).
MAX_SCRIPT_PAGES = 2000
_PAGING_SCRIPT_WORDS = ("createpage", "countpage", "pagecount", "totalpage", "gotopage", "gopage", "turnpage", "fenye")
_PAGING_SCRIPT_HINT = re.compile("|".join(_PAGING_SCRIPT_WORDS), re.I)


def _total_pages(text: str) -> re.Match | None:
    """``_TOTAL_PAGES`` in ``text``; the regex (three alternatives, any case, over the whole page)
    runs only where one of its literal parts is there."""
    if "页" in text or "totalpage" in text.lower():
        return _TOTAL_PAGES.search(text)
    return None


#: Prose outside links that makes a page an article rather than a list (Han characters).
MIN_ARTICLE_HAN = 120
LISTING_LINK_DENSITY = 0.6

_HAN = re.compile(r"[\u3400-\u9fff]")
_ATTACHMENT_SUFFIXES = tuple(ATTACHMENT_TYPES)


def url_date(url: str) -> str | None:
    """A date in the URL's path (/2023-03/15/, t20230315_123.html, /20230315/), as YYYY-MM-DD;
    the host is left out (digits in host names are not dates)."""
    return metadata.url_date(urlsplit(url).path)


def url_role(url: str, article_patterns=(), listing_patterns=()) -> str:
    """'attachment', 'article', 'listing', 'page' (unknown: decided after fetching) or 'skip'."""
    parts = urlsplit(url)
    path = parts.path
    lowered = path.lower()
    if lowered.endswith(_ATTACHMENT_SUFFIXES):
        return "attachment"
    if any(p.search(url) for p in article_patterns):
        return "article"
    if any(p.search(url) for p in listing_patterns):
        return "listing"
    if _SKIP_SUFFIX.search(lowered):
        return "skip"
    if _LISTING_URL.search(path + ("?" + parts.query if parts.query else "")):
        return "listing"
    if metadata.url_date(path) or _ARTICLE_URL.search(path):
        return "article"
    return "page"


#: Links resolved per process, remembered (a portal's pages repeat the same navigation links,
#: and resolving a URL costs more than parsing the page it is on) ...
LINK_CACHE_SIZE = 50_000
#: ... unless longer than this (a hostile page's megabyte-long hrefs are not kept).
LINK_CACHE_MAX_CHARS = 500


def normalize_link(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``, without its fragment; None unless http(s) with a host."""
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    if len(href) > LINK_CACHE_MAX_CHARS or len(base) > LINK_CACHE_MAX_CHARS:
        return _resolved.__wrapped__(base, href)
    # What the result depends on: an absolute URL's (with a host) only on the base's scheme
    # (urljoin returns a URL of another scheme untouched), a root-relative one's on the base's
    # scheme and host.
    # Keyed on that, one navigation link is resolved once per site, not once per page.
    if href.startswith(("http://", "https://")) and href[href.find("//") + 2:][:1] not in ("", "/", "?", "#"):
        base = base[:base.find(":") + 1]
    elif href.startswith("/") and not href.startswith("//"):
        slash = base.find("/", base.find("//") + 2)
        base = base if slash < 0 else base[:slash]
    return _resolved(base, href)


@lru_cache(maxsize=LINK_CACHE_SIZE)
def _resolved(base: str, href: str) -> str | None:
    url = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass(frozen=True, slots=True)
class PageShape:
    prose_han: int  # Han characters outside links
    link_density: float  # share of the text inside <a>
    links: tuple[tuple[str, str], ...]  # (absolute URL, anchor text)
    too_deep: bool = False  # nested past what the parser keeps: an error, not a listing
    pagination: tuple[str, ...] = ()  # the page's other pages (pager anchors and script pagers)
    unread_pager: str | None = None  # a pager script that was seen but not understood: say so

    @property
    def looks_like_listing(self) -> bool:
        return self.prose_han < MIN_ARTICLE_HAN or self.link_density >= LISTING_LINK_DENSITY


def page_shape(text: str, base_url: str) -> PageShape:
    """Parse once: links with their text, how much of the page is prose, and its pagination."""
    import lxml.html
    from lxml.etree import ParserError

    from edualliance.pipeline.htmltree import too_deep

    try:
        tree = lxml.html.document_fromstring(text)
    except (ParserError, ValueError):
        return PageShape(0, 0.0, ())
    if too_deep(tree):
        return PageShape(0, 0.0, (), too_deep=True)
    scripts = [s.text or "" for s in tree.iter("script")]
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    body = tree.find("body")
    root = body if body is not None else tree
    page_text = root.text_content()
    total = len(_HAN.findall(page_text))
    links: list[tuple[str, str]] = []
    anchors: list[tuple[object, str, str]] = []  # (element, URL, text) of the links with a URL
    in_links = 0
    for a in root.iter("a"):
        anchor = " ".join(a.text_content().split())
        in_links += len(_HAN.findall(anchor))
        url = normalize_link(base_url, a.get("href"))
        if url:
            links.append((url, anchor))
            anchors.append((a, url, anchor))
    density = in_links / total if total else 0.0
    pages = pager_links(anchors, base_url)
    scripted, unread = script_pagination(scripts, base_url, page_text)
    pagination = tuple(dict.fromkeys(u for u in pages + scripted if urldefrag(u)[0] != urldefrag(base_url)[0]))
    if pagination and unread:
        unread = None  # the anchors were enough
    return PageShape(total - in_links, round(density, 3), tuple(links), pagination=pagination, unread_pager=unread)


def _block_of(element):
    """The nearest ancestor that is not an inline element: the pager's container."""
    parent = element.getparent()
    while parent is not None and isinstance(parent.tag, str) and parent.tag.lower() in _INLINE:
        parent = parent.getparent()
    return parent


def _in_pager_block(element, levels: int = 4) -> bool:
    node = element.getparent()
    for _ in range(levels):
        if node is None:
            return False
        if _PAGER_BLOCK.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
        node = node.getparent()
    return False


def pager_links(anchors, base_url: str) -> list[str]:
    """Pagination by anchor text and position, whatever the URLs look like.

    An anchor whose text says page (下一页, 尾页, 第3页, next) is believed alone; a bare number
    or arrow only beside other pager anchors in the same block (a row "1 2 3 下一页"), or
    inside an element whose class or id says pager. Links between articles (上一篇/下一篇)
    are not pagination.
    """
    groups: dict[int, list[tuple[object, str, str]]] = {}
    blocks: dict[int, object] = {}
    for element, url, text in anchors:
        if not text or not PAGINATION_TEXT.match(text):
            continue
        block = _block_of(element)
        groups.setdefault(id(block), []).append((element, url, text))
        blocks[id(block)] = block
    found: list[str] = []
    for key, members in groups.items():
        worded = [m for m in members if _PAGING_WORD.search(m[2])]
        numbers = {int(m[2].strip("[] ")): m[1] for m in members if m[2].strip("[] ").isdigit()}
        # A run of page numbers: two consecutive numbers leading to two different pages
        # (not "6 comments, 106 shares", nor two counters linking the same comment page).
        run = any(n + 1 in numbers and numbers[n] != numbers[n + 1] for n in numbers)
        companions = len(members) >= 2 and (run or len({m[1] for m in members}) >= 3)
        if worded or run or (companions and numbers) or (len(members) >= 2 and _in_pager_block(members[0][0])):
            found.extend(url for _, url, _ in members)
    order = {url: _pager_rank(text) for _, url, text in anchors}
    return sorted(dict.fromkeys(found), key=lambda url: order.get(url, (3, 0)))


_NEXT = re.compile(r"下一?页|下页|后页|next|^\s*(?:>|›|»)\s*$", re.I)


def _pager_rank(text: str) -> tuple[int, int]:
    """The next page first, then numbered pages in order, then the rest (first, last, previous):
    when only a few result pages may be read, they are the next ones."""
    if _NEXT.search(text):
        return (0, 0)
    digits = text.strip("[] 第页")
    if digits.isdigit():
        return (1, int(digits))
    return (2, 0)


def _script_args(text: str) -> tuple[list[int], list[str]]:
    numbers, strings = [], []
    for arg in text.split(","):
        arg = arg.strip()
        if re.fullmatch(r"\d{1,6}", arg):
            numbers.append(int(arg))
        elif re.fullmatch(r"[\"'][^\"']*[\"']", arg):
            strings.append(arg[1:-1])
    return numbers, strings


def _sequence(base_url: str, prefix: str, suffix: str, count: int) -> list[str]:
    """Pages 0 … count-1 of a TRS sequence: prefix.suffix, prefix_1.suffix, prefix_2.suffix …"""
    count = min(count, MAX_SCRIPT_PAGES)
    names = [f"{prefix}.{suffix}"] + [f"{prefix}_{n}.{suffix}" for n in range(1, count)]
    return [urljoin(base_url, name) for name in names]


def script_pagination(scripts: list[str], base_url: str, page_text: str = "") -> tuple[list[str], str | None]:
    """Pages a pager script writes: TRS ``createPageHTML(count, current, "index", "html")``
    (also the div-id form and the countPage/prefixName variables), or an ``index_N.html``
    sequence whose total the page states (共 N 页). Returns (URLs, a note when a pager
    script was seen but not understood)."""
    joined = "\n".join(scripts)
    for match in _TRS_CALL.finditer(joined):
        numbers, strings = _script_args(match[1])
        names = [s for s in strings if re.fullmatch(r"[\w-]{1,40}", s)]
        suffix = next((s.lstrip(".") for s in reversed(strings) if re.fullmatch(r"\.?(?:s?html?|jsp|php|aspx?)", s, re.I)),
                      None)
        prefix = next((s for s in reversed(names) if s != suffix), None)
        if not numbers:  # createPageHTML(countPage, currentPage, prefixName, suffixName): variables
            values = {k: p.search(joined) for k, p in _PAGE_VARS.items()}
            if values["count"]:
                numbers = [int(values["count"][1])]
            prefix = prefix or (values["prefix"][1] if values["prefix"] else None)
            suffix = suffix or (values["suffix"][1] if values["suffix"] else None)
        if numbers:
            return _sequence(base_url, prefix or "index", suffix or "html", numbers[0]), None
    name = urlsplit(base_url).path.rsplit("/", 1)[-1] or "index.html"
    shaped = _SEQUENCE_NAME.match(name)
    total = shaped and (_total_pages(page_text or "") or _total_pages(joined))
    if total and re.search(r"index_\d|_\d+\.s?html?", joined + page_text):
        count = int(next(g for g in total.groups() if g))
        return _sequence(base_url, shaped["stem"], shaped["ext"], count), None
    lowered = joined.lower()
    hint = _PAGING_SCRIPT_HINT.search(joined) if any(w in lowered for w in _PAGING_SCRIPT_WORDS) else None
    if hint:
        return [], f"pager script ({hint[0]}…) not understood: its pages are not followed"
    return [], None
