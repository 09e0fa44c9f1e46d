"""HTML → title, metadata and main text, with trafilatura as the core.

The page is parsed with lxml first: trafilatura returns nothing for pages
whose ``<script>`` comes before ``<html>``, and lxml's parser recovers them.
Comments are off (Chinese portals put 网友评论 right under the article).
The extracted text then goes through the same line rules as text pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import textlines

#: Nesting deeper than this is not an article page (and breaks recursive parsers).
MAX_DEPTH = 400

_URL_DATE = re.compile(r"(?:/|t|_)((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})(?=[_/.\-]|\d{0,8}[_/.])")


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


class HtmlError(ValueError):
    """The HTML cannot be parsed into a document."""


def parse(html: str):
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise HtmlError(f"not parseable as HTML: {exc}") from exc
    depth = max((len(list(el.iterancestors())) for el in tree.iter()), default=0)
    if depth > MAX_DEPTH:
        raise HtmlError(f"HTML nested {depth} levels deep (limit {MAX_DEPTH}): not an article page")
    return tree


def url_date(url: str | None) -> str | None:
    """Dates in URLs: /2023-03/15/, t20230315_123.html, /20230315/."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def _link_density(tree) -> float:
    body = tree.find("body")
    root = body if body is not None else tree
    total = len("".join(root.itertext()).split())
    text_len = len(re.sub(r"\s+", "", "".join(root.itertext())))
    link_len = sum(len(re.sub(r"\s+", "", "".join(a.itertext()))) for a in root.iter("a"))
    if not text_len or not total:
        return 0.0
    return link_len / text_len


def _canonical_url(tree) -> str | None:
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = tree.xpath(xpath)
        if found and str(found[0]).startswith("http"):
            return str(found[0]).strip()
    return None


def _headline(tree, fallback: str | None) -> str | None:
    """The article's headline: an <h1> (not the logo), else trafilatura's title minus the site name."""
    for h1 in tree.iter("h1"):
        text = textlines.clean_line("".join(h1.itertext()))
        if len(text) >= 6:
            return text
    if fallback:
        return re.split(r"\s*[-_|｜—]+\s*", fallback)[0].strip() or fallback
    return None


def extract_html(html: str, url: str | None = None) -> HtmlPage:
    import trafilatura

    tree = parse(html)
    link_density = _link_density(tree)
    url = url or _canonical_url(tree)
    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, include_tables=True, with_metadata=True,
        favor_recall=True, deduplicate=False,
    )
    text = (doc.text if doc is not None else "") or ""
    title = _headline(tree, doc.title if doc is not None else None)
    page_text = textlines.clean_line(" ".join(tree.find("body").itertext()) if tree.find("body") is not None else "")

    body: list[str] = []
    for line in (textlines.clean_line(x) for x in text.splitlines()):
        if not line or line == title:
            continue
        if textlines.END_OF_ARTICLE.match(line):
            break
        if textlines.BOILERPLATE.match(line) or line.startswith("|"):
            continue
        body.append(line)

    meta_zone = page_text[:3000]
    if title and title in page_text:
        meta_zone = page_text[page_text.index(title): page_text.index(title) + 600]
    published = textlines.find_date(meta_zone) or url_date(url)
    if published is None and doc is not None and doc.date:
        published = doc.date
    repost = textlines._REPOST.search(meta_zone)
    outlet = textlines._outlet(meta_zone) or (doc.sitename if doc is not None else None)
    author_match = textlines._AUTHOR.search(meta_zone) or textlines._AUTHOR.search("\n".join(body[-2:]))
    return HtmlPage(
        title=title,
        body=tuple(body),
        published=published,
        outlet=repost["outlet"] if repost else outlet,
        reposted_from=repost["outlet"] if repost else None,
        author=author_match["author"] if author_match else (doc.author if doc is not None else None),
        url=url,
        link_density=round(link_density, 3),
    )
