"""HTML → title, metadata and main text: trafilatura as the core, readability-lxml as a vote.

The page is parsed with lxml first: trafilatura returns nothing for pages
whose ``<script>`` comes before ``<html>``, and lxml's parser recovers them.
Before extraction the tree is prepared for Chinese pages: layout tables are
turned into blocks (trafilatura otherwise dumps a whole 2005 portal as
``| … |`` rows), comment sections, share bars, related lists, breadcrumbs and
footers are dropped by their pinyin/English class names (rules.toml), and
link lists inside the article are removed. Comments are off.

trafilatura keeps nearly all of an article (recall ≈ 1.0 on the dev splits)
but also page furniture; readability-lxml is more precise but sometimes
returns a fragment. When readability's text lies inside trafilatura's and is
not a fragment, readability's is used; otherwise trafilatura's (measured on
both dev splits, see docs/cleaning.md). Either way the lines then go through
the Chinese line rules of ``textlines``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from . import govdoc, markuptext, metadata, textlines
from .rules import DROP_ID_CLASS

#: libxml2's HTML parser stops nesting at 256 levels and silently drops what lies
#: deeper; a tree that reaches this depth has lost text, so it is refused with a
#: message instead of yielding a wrong article.
MAX_DEPTH = 255

#: A table is data (kept as rows) only if no cell holds more text than this;
#: layout tables hold whole paragraphs in one cell.
DATA_TABLE_MAX_CELL = 150

#: An element with at least this many links whose text is mostly link text is
#: a link list (headline lists, 相关报道 lists inside the article div).
LINK_LIST_MIN_LINKS = 3
LINK_LIST_DENSITY = 0.6

#: Never drop (by class name) an element holding more than this share of the
#: page's text: a template that calls its article "comment-wrap" still has an article.
DROP_MAX_SHARE = 0.5

#: The byline below an unmarked headline stands within this many lines above the body.
HEADLINE_WINDOW = 10

#: Body lines up to this long are credit lines (（记者 X 通讯员 Y）) where authors are named.
CREDIT_LINE_CHARS = 60

#: readability's text is used when at least this share of its tokens is also
#: in trafilatura's text (it chose the same region) ...
VOTE_INSIDE = 0.85
#: ... and it is at least this large relative to trafilatura's (not a fragment).
VOTE_MIN_SIZE = 0.3

_BLOCK_TAGS = frozenset("p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table br section article "
                        "blockquote pre header footer form center td th".split())
_LIST_CANDIDATES = frozenset("ul ol dl div p span td table section font".split())
_REMOVE_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "select", "textarea",
                "button", "input", "svg", "canvas", "video", "audio", "template")
_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–·»«<>〖〗]+|\s{2,})\s*")
#: A government body as a <title> segment (某县教育局, 某省人民政府): a bureau's site, not a story.
#: Narrower than an issuer (govdoc.ISSUER also takes schools, and headlines end in 学校 too).
_BUREAU_SITE = re.compile(r"^[\u4e00-\u9fff]{2,16}(?:人民政府|政府|教育局|教育厅|教育部|教育委员会|教委|局|厅)$")
#: Site and channel names in <title>: 新闻网, 博客, 在线, 频道, 首页, greetings.
_SITE_NAME = re.compile(r"(?:网|网站|在线|博客|频道|首页|门户|blog|\.com|\.cn)$|欢迎(?:您|光临|访问)|谢谢您?访问", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"[\u3400-\u9fff]|[A-Za-z0-9]+")
_SPACES = re.compile(r"\s+")
_RULE_CELL = re.compile(r":?-+:?")  # a Markdown table rule: | --- | :-: |
_META_DATE_NAMES = ("article:published_time", "pubdate", "publishdate", "publish_date", "ptime",
                    "weibo:article:create_at", "og:release_date", "datePublished", "firstpublishedtime")


@dataclass(frozen=True, slots=True)
class HtmlPage:
    title: str | None
    body: tuple[str, ...]
    published: str | None
    outlet: str | None
    reposted_from: str | None
    author: str | None
    url: str | None
    link_density: float  # share of the page's text inside <a>: high on listing pages
    site_name: str | None = None  # the site that carries the page (og:site_name, <title>'s site part)


class HtmlError(ValueError):
    """The HTML cannot be parsed into a document."""


def parse(html: str):
    """lxml tree of the page; HtmlError for what is not an HTML document."""
    import lxml.etree
    import lxml.html

    # C0 control characters (a stray byte in a legacy page) are not allowed in
    # lxml's text nodes; they carry no text, so they go before parsing.
    html = _XML_DECLARATION.sub("", _CONTROL.sub("", html), count=1)
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise HtmlError(f"not parseable as HTML: {exc}") from exc
    if too_deep(tree):
        raise HtmlError(TOO_DEEP_MESSAGE)
    return tree


#: XHTML pages start with ``<?xml … encoding="gb2312"?>``; lxml refuses a str that
#: declares an encoding (the text is already decoded), so the declaration goes.
_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*>")


TOO_DEEP_MESSAGE = (f"HTML nested {MAX_DEPTH} or more levels deep: not an article page "
                    "(the parser drops text below that depth)")


def too_deep(tree, depth: int = MAX_DEPTH - 1) -> bool:
    """Whether any element has ``depth`` or more element ancestors (evaluated by libxml2,
    without making a Python object per element); by default: nested MAX_DEPTH deep."""
    global _DEPTH_XPATH
    if _DEPTH_XPATH is None:
        import lxml.etree

        _DEPTH_XPATH = lxml.etree.XPath("boolean(//*[count(ancestor::*) >= $depth])")
    return bool(_DEPTH_XPATH(tree, depth=depth))


_DEPTH_XPATH = None


def _text(el) -> str:
    return _SPACES.sub("", el.text_content() or "")


def _canonical_url(tree) -> str | None:
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = tree.xpath(xpath)
        if found and str(found[0]).startswith("http"):
            return str(found[0]).strip()
    return None


def _meta(tree, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for el in tree.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "").lower()
        if key in wanted and (el.get("content") or "").strip():
            return el.get("content").strip()
    return None


# -- preparing the tree ----------------------------------------------------------------


def _is_data_table(table) -> bool:
    if table.find(".//table") is not None:
        return False
    cells = table.xpath(".//td|.//th")
    rows = table.xpath(".//tr")
    if len(rows) < 2 or len(cells) < 4:
        return False
    return all(len(_text(c)) <= DATA_TABLE_MAX_CELL for c in cells) and not table.xpath(".//p|.//div")


def _unwrap_layout_tables(root) -> None:
    """Layout tables become nested blocks, so that extractors see paragraphs, not rows."""
    for table in reversed(list(root.iter("table"))):
        if _is_data_table(table):
            continue
        for el in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th", "caption")]:
            el.tag = "div"
            for attr in ("width", "height", "colspan", "rowspan", "align", "valign"):
                el.attrib.pop(attr, None)


@dataclass(slots=True)
class _Size:
    """Text measures of an element, its descendants included (characters without spaces)."""

    text: int = 0
    links: int = 0  # inside <a>
    n_links: int = 0
    prose: bool = False  # holds a run of paragraph length that is not link text

    @property
    def link_density(self) -> float:
        return min(1.0, self.links / self.text) if self.text else 0.0


def _is_prose(text: str | None) -> bool:
    return bool(text) and len(text) >= textlines.MIN_PARAGRAPH_HAN \
        and textlines.han_count(text) >= textlines.MIN_PARAGRAPH_HAN


def _compact_len(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _measure(elements: list) -> dict:
    """Sizes of every element in one pass, children before parents (elements in document order)."""
    sizes: dict = {}
    get = sizes.get
    min_han = textlines.MIN_PARAGRAPH_HAN
    is_prose = _is_prose
    for el in reversed(elements):
        in_link = el.tag == "a"
        own = el.text
        text = len("".join(own.split())) if own else 0
        links = text if in_link else 0
        n_links = 1 if in_link else 0
        prose = not in_link and own is not None and len(own) >= min_han and is_prose(own)
        for child in el:
            sub = get(child)
            if sub is not None:
                text += sub.text
                links += sub.text if in_link else sub.links
                n_links += sub.n_links
                if sub.prose and not in_link:
                    prose = True
            tail = child.tail
            if tail:
                compact = len("".join(tail.split()))
                text += compact
                if in_link:
                    links += compact
                elif not prose and len(tail) >= min_han and is_prose(tail):
                    prose = True
        sizes[el] = _Size(text, links, n_links, prose)
    return sizes


@functools.lru_cache(maxsize=65536)
def _dropped_name(name: str) -> bool:
    """An id or class name of page furniture (rules.toml); templates repeat their names."""
    return DROP_ID_CLASS.search(name) is not None


def _keeps_article(el, size: _Size, total: int) -> bool:
    """Never drop an element that holds the headline or most of the page's text."""
    return size.text > total * DROP_MAX_SHARE or el.find(".//h1") is not None


def prepare(tree) -> float:
    """Strip what never is article text, in place (see the module docstring).

    Returns the page's link density as it was before anything was dropped.
    """
    import lxml.etree

    for el in list(tree.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction, *_REMOVE_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text, which belongs to the parent
    body = tree.find("body")
    root = body if body is not None else tree
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    sizes = _measure(elements)
    total = sizes[root].text or 1
    density = sizes[root].link_density
    for el in elements:
        if el is root or el.getparent() is None:
            continue
        names = f"{el.get('id') or ''} {el.get('class') or ''}".split()
        style = (el.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or any(_dropped_name(n) for n in names):
            if not _keeps_article(el, sizes[el], total):
                el.drop_tree()
                continue
        size = sizes[el]
        if el.tag in _LIST_CANDIDATES and size.n_links >= LINK_LIST_MIN_LINKS \
                and size.link_density >= LINK_LIST_DENSITY and not size.prose \
                and not _keeps_article(el, size, total):
            el.drop_tree()
    _unwrap_layout_tables(root)
    return density


# -- main text ----------------------------------------------------------------------------


def _trafilatura_lines(tree, url: str | None) -> list[str]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, include_tables=True, with_metadata=False,
        deduplicate=False, fast=True,
    )
    text = (doc.text if doc is not None else "") or ""
    return [_table_row(x) for x in text.splitlines()]


def _table_row(line: str) -> str:
    """trafilatura prints data-table rows as ``| a | b |``: keep the cells as one line."""
    if not line.lstrip().startswith("|"):
        return line
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if all(_RULE_CELL.fullmatch(c) or not c for c in cells):
        return ""
    return " ".join(c for c in cells if c)


def _readability_lines(tree) -> list[str]:
    """readability's main text. It cleans the tree it is given in place: call it last."""
    import lxml.html
    from readability import Document

    try:
        summary = lxml.html.fromstring(Document(tree).summary())
    except Exception:  # readability raises its own Unparseable and lxml errors on odd trees
        return []
    for block in summary.iter(*_BLOCK_TAGS):
        # Layout tables are divs by now: a table left is data, one row a line.
        block.tail = (" " if block.tag in ("td", "th") else "\n") + (block.tail or "")
    return [" ".join(x.split()) for x in summary.text_content().splitlines() if x.strip()]


def _tokens(lines: list[str]) -> Counter:
    return Counter(_TOKEN.findall("\n".join(lines)))


def vote(traf: list[str], read: list[str]) -> list[str]:
    """readability's lines when they are trafilatura's region without its furniture, else trafilatura's."""
    t, r = _tokens(traf), _tokens(read)
    n_t, n_r = sum(t.values()), sum(r.values())
    if not n_r:
        return traf
    if not n_t:
        return read
    # Distinct tokens: trafilatura collapses repeated paragraphs (a listing that
    # repeats an abstract), which must not count as readability straying outside.
    inside = sum(r[tok] for tok in r if tok in t) / n_r
    if inside >= VOTE_INSIDE and n_r >= VOTE_MIN_SIZE * n_t:
        return read
    return traf


# -- title and metadata ------------------------------------------------------------------------


def _page_lines(root) -> list[str]:
    import lxml.etree

    parts: list[str] = []
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if el.tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    return [x for x in (textlines.clean_line(x) for x in "".join(parts).splitlines()) if x]


def _site_like(segment: str) -> bool:
    """A <title> segment that names the site or channel, not the story."""
    return bool(_SITE_NAME.search(segment)) or textlines.han_count(segment) < 4 and len(segment) < 12 \
        or bool(_BUREAU_SITE.match(segment))  # 某县教育局: a bureau's site


_SITE_META_NAMES = ("og:site_name", "sitename", "site_name", "application-name", "apple-mobile-web-app-title")


def site_name_of(title_tag: str | None, meta_name: str | None = None) -> str | None:
    """The carrying site's name: its <meta> name, else the site-like last segment of <title>
    (关于…的通知_国务院文件_中国政府网 → 中国政府网)."""
    if meta_name and 2 <= len(meta_name.strip()) <= 30:
        return meta_name.strip()
    segments = [s for s in _TITLE_SPLIT.split(textlines.clean_line(title_tag or "")) if s]
    if len(segments) >= 2 and _site_like(segments[-1]) and 2 <= len(segments[-1]) <= 30:
        return segments[-1]
    return None


def headline(tree) -> str | None:
    """The article's headline, not the site name: the heading that <title> or og:title contains.

    None when the page names only its site (old portals print the headline in a
    <b> or <font>): ``headline_in_page`` then looks above the byline.
    """
    title_tag = textlines.clean_line(tree.findtext(".//title") or "")
    og = textlines.clean_line(_meta(tree, "og:title") or "")
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
    segments = [s for s in _TITLE_SPLIT.split(title_tag) if s and not _site_like(s)]
    if segments:
        return max(segments[:2], key=len)
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


def _meta_zone(page: list[str], title: str | None, body: list[str]) -> list[str]:
    """Lines between the headline and the first body line: where bylines stand."""
    start = 0
    if title:
        start = next((i for i, x in enumerate(page) if title in x), 0)
    first = body[0][:20] if body else None
    end = next((i for i in range(start + 1, len(page)) if first and page[i].startswith(first)), start + 12)
    return page[start:min(end, start + 15)]


def extract_without_tree(html: str, url: str | None = None) -> HtmlPage:
    """Bounded-cost extraction for pages over the element budget or nested too deep (``markuptext``)."""
    lines = markuptext.markup_lines(html)
    page = textlines.clean_text_page("\n".join(lines))
    title = page.title
    segments = [s for s in _TITLE_SPLIT.split(markuptext.page_title(html) or "") if s and not _site_like(s)]
    if title is None and segments:
        title = max(segments[:2], key=len)
    return HtmlPage(
        title=title,
        body=page.body,
        published=page.published or metadata.url_date(url),
        outlet=page.outlet,
        reposted_from=page.reposted_from,
        author=page.author,
        url=url,
        link_density=round(markuptext.link_density(html), 3),
        site_name=site_name_of(markuptext.page_title(html)),
    )


def extract_html(html: str, url: str | None = None) -> HtmlPage:
    """Title, metadata and main text; pages over the element budget or nested too deep
    for libxml2 are read without a tree (``extract_without_tree``) rather than refused."""
    if markuptext.over_budget(html):
        return extract_without_tree(html, url)
    try:
        tree = parse(html)
    except HtmlError as exc:
        if str(exc) != TOO_DEEP_MESSAGE:
            raise
        return extract_without_tree(html, url)
    # lxml makes a Python object for an element each time one is reached and none
    # is alive (lxml.html's class lookup runs in Python): holding them all while
    # this tree is walked (headline, prepare, page lines) makes each one once.
    elements = list(tree.iter())
    url = url or _canonical_url(tree)
    title = headline(tree)
    site_name = site_name_of(tree.findtext(".//title"), _meta(tree, *_SITE_META_NAMES))
    meta_date = _meta(tree, *_META_DATE_NAMES)
    density = prepare(tree)
    body_el = tree.find("body")
    root = body_el if body_el is not None else tree
    page = _page_lines(root)
    traf = _trafilatura_lines(tree, url)  # works on a copy of the tree
    read = _readability_lines(tree)  # changes the tree: the last use of it
    del elements
    body = textlines.filter_body(vote(traf, read), title)
    if title is None:
        title = headline_in_page(page, body)
        body = [x for x in body if x != title]

    zone = "\n".join(_meta_zone(page, title, body))
    published = (metadata.labelled_date(zone) or metadata.find_date(zone)
                 or (metadata.find_date(meta_date) if meta_date else None) or metadata.url_date(url))
    repost = metadata.reposted_from(zone)
    # In the body, credits stand in short lines or open the lead (本报讯（记者 X）):
    # a name after 记者 deep in a paragraph is someone the reporter met.
    credits = [x for x in body[:3] + body[-3:] if len(x) <= CREDIT_LINE_CHARS] + [x[:30] for x in body[:3]]
    author = metadata.author(zone) or metadata.author("\n".join(credits))
    return HtmlPage(
        title=title,
        body=tuple(body),
        published=published,
        outlet=repost or metadata.outlet(zone) or metadata.outlet_beside_date(zone.splitlines()),
        reposted_from=repost,
        author=author,
        url=url,
        link_density=round(density, 3),
        site_name=site_name,
    )
