"""The parsed page: lxml parsing with its limits, and preparing the tree for extraction.

The page is parsed with lxml (trafilatura returns nothing for pages whose
``<script>`` comes before ``<html>``; lxml's parser recovers them). Before
extraction the tree is prepared for Chinese pages: layout tables are turned
into blocks (trafilatura otherwise dumps a whole 2005 portal as ``| … |``
rows), comment sections, share bars, related lists, breadcrumbs and footers
are dropped by their pinyin/English class names (rules.toml), and link lists
inside the article are removed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import textlines
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

BLOCK_TAGS = frozenset("p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table br section article "
                       "blockquote pre header footer form center td th".split())
_LIST_CANDIDATES = frozenset("ul ol dl div p span td table section font".split())
_REMOVE_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "select", "textarea",
                "button", "input", "svg", "canvas", "video", "audio", "template")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


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


def canonical_url(tree) -> str | None:
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = tree.xpath(xpath)
        if found and str(found[0]).startswith("http"):
            return str(found[0]).strip()
    return None


def meta(tree, *names: str) -> str | None:
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


# -- the page as lines -----------------------------------------------------------------------


def page_lines(root) -> list[str]:
    """The text of the page as cleaned lines, one block element a line (bylines, headlines above the body)."""
    import lxml.etree

    parts: list[str] = []
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.tag in BLOCK_TAGS:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if el.tag in BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    return [x for x in (textlines.clean_line(x) for x in "".join(parts).splitlines()) if x]
