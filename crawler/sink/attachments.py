"""Attachments (PDF, DOC, DOCX) as articles: their text through the cleaning stage's text rules.

A policy file rarely says its own title or date the way a page does: a
missing title comes from the link that pointed to the file, a missing date
from the date line at the end (落款).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from edualliance.crawler import docfiles
from edualliance.pipeline.clean import CleaningError, clean_page
from edualliance.pipeline.records import Article, CleanResult, Decoded, RawPage

_DATE = re.compile(r"((?:19|20)\d{2})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})")


def attachment_articles(raw: RawPage, anchor: str | None) -> tuple[CleanResult, tuple[Article, ...]]:
    """PDF/DOC/DOCX bytes → the article its text makes (via the cleaning stage's text rules)."""
    kind = docfiles.kind_of(raw.url, raw.content_type, raw.body[:8])
    if kind is None:
        raise docfiles.AttachmentError(f"not a PDF, DOC or DOCX ({raw.content_type or 'no content type'})")
    text = docfiles.extract_text(raw.body, kind)
    as_text = replace(raw, body=text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    decoded = Decoded(text, None, kind)
    try:
        result = clean_page(as_text)
        articles = result.articles if not result.is_listing else ()
    except CleaningError:
        articles = ()
    if len(articles) != 1:
        articles = (_whole_text_article(raw, text, anchor),)
    article = articles[0]
    if not article.title and anchor:
        article = replace(article, title=_strip_suffix(anchor))
    if article.published is None:
        tail = "\n".join(text.strip().splitlines()[-4:])
        match = _DATE.search(tail)
        if match:
            try:
                article = replace(article, published=datetime(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                pass
    return CleanResult((article,), False, decoded), (article,)


def _strip_suffix(anchor: str) -> str:
    return re.sub(r"^\s*\d+[.、．]\s*|\.(?:pdf|docx?|wps)\s*$", "", anchor.strip(), flags=re.I)


def _whole_text_article(raw: RawPage, text: str, anchor: str | None) -> Article:
    from urllib.parse import urlsplit

    from edualliance.pipeline.normalize import normalize

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = _strip_suffix(anchor) if anchor else (lines[0] if lines and len(lines[0]) <= 60 else None)
    body = "\n".join(lines)
    normalized, script = normalize(body)
    return Article(
        article_id=Article.make_id(raw.page_key, 0), page_key=raw.page_key, part=0, source=raw.source,
        title=title, text=body, text_normalized=normalized, url=raw.url,
        site=urlsplit(raw.url).hostname if raw.url else None, script=script,
        extractor_version="attachment-1",
    )
