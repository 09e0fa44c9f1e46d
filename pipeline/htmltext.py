"""HTML → title, metadata and main text: trafilatura as the core, readability-lxml as a vote.

The page is parsed and prepared by ``htmltree`` (lxml; layout tables,
furniture and link lists dropped); the headline and site name come from
``htmltitle``. Comments are off.

trafilatura keeps nearly all of an article (recall ≈ 1.0 on the dev splits)
but also page furniture; readability-lxml is more precise but sometimes
returns a fragment. When readability's text lies inside trafilatura's and is
not a fragment, readability's is used; otherwise trafilatura's (measured on
both dev splits, see docs/cleaning.md). Either way the lines then go through
the Chinese line rules of ``textlines``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from . import htmltitle, htmltree, markuptext, metadata, textlines

#: Body lines up to this long are credit lines (（记者 X 通讯员 Y）) where authors are named.
CREDIT_LINE_CHARS = 60

#: readability's text is used when at least this share of its tokens is also
#: in trafilatura's text (it chose the same region) ...
VOTE_INSIDE = 0.85
#: ... and it is at least this large relative to trafilatura's (not a fragment).
VOTE_MIN_SIZE = 0.3

_TOKEN = re.compile(r"[\u3400-\u9fff]|[A-Za-z0-9]+")
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
    for block in summary.iter(*htmltree.BLOCK_TAGS):
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


def extract_without_tree(html: str, url: str | None = None) -> HtmlPage:
    """Bounded-cost extraction for pages over the element budget or nested too deep (``markuptext``)."""
    lines = markuptext.markup_lines(html)
    page = textlines.clean_text_page("\n".join(lines))
    title = page.title
    if title is None:
        title = htmltitle.title_tag_headline(markuptext.page_title(html) or "")
    return HtmlPage(
        title=title,
        body=page.body,
        published=page.published or metadata.url_date(url),
        outlet=page.outlet,
        reposted_from=page.reposted_from,
        author=page.author,
        url=url,
        link_density=round(markuptext.link_density(html), 3),
        site_name=htmltitle.site_name_of(markuptext.page_title(html)),
    )


def extract_html(html: str, url: str | None = None) -> HtmlPage:
    """Title, metadata and main text; pages over the element budget or nested too deep
    for libxml2 are read without a tree (``extract_without_tree``) rather than refused."""
    if markuptext.over_budget(html):
        return extract_without_tree(html, url)
    try:
        tree = htmltree.parse(html)
    except htmltree.HtmlError as exc:
        if str(exc) != htmltree.TOO_DEEP_MESSAGE:
            raise
        return extract_without_tree(html, url)
    # lxml makes a Python object for an element each time one is reached and none
    # is alive (lxml.html's class lookup runs in Python): holding them all while
    # this tree is walked (headline, prepare, page lines) makes each one once.
    elements = list(tree.iter())
    url = url or htmltree.canonical_url(tree)
    title = htmltitle.headline(tree)
    site_name = htmltitle.site_name_of(tree.findtext(".//title"), htmltree.meta(tree, *htmltitle.SITE_META_NAMES))
    meta_date = htmltree.meta(tree, *_META_DATE_NAMES)
    density = htmltree.prepare(tree)
    body_el = tree.find("body")
    root = body_el if body_el is not None else tree
    page = htmltree.page_lines(root)
    traf = _trafilatura_lines(tree, url)  # works on a copy of the tree
    read = _readability_lines(tree)  # changes the tree: the last use of it
    del elements
    body = textlines.filter_body(vote(traf, read), title)
    if title is None:
        title = htmltitle.headline_in_page(page, body)
        body = [x for x in body if x != title]

    zone = "\n".join(htmltitle.meta_zone(page, title, body))
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
