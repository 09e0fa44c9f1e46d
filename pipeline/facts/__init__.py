"""What an article states, as records: quantity facts, alliances, policy documents.

``extract(article, classification)`` is pure: it reads the cleaned article
(its Simplified text, so Traditional pages give the same records; link lists
and teasers are already gone) and returns an ``Extraction``. The modules:

* ``numbers``     Chinese and Arabic numerals → numbers
* ``context``     paragraphs, sentences, the reform model, place and time of a statement
* ``quantities``  figures and what they count
* ``alliances``   named alliances, lead and member schools
* ``documents``   policy documents from their own pages and from news citing them
* ``rules.toml``  the patterns, as data
"""

from __future__ import annotations

from ..records import Article, Classification, LABELS
from .alliances import alliance_key, extract_alliances
from .context import model_counts, paragraphs, sentences
from .documents import document_key, extract_documents
from .quantities import extract_facts
from .records import Alliance, Extraction, Fact, Place, PolicyDocument

#: Bumped when a change to the rules or the code changes extracted records;
#: stored with them so a reprocess knows what is stale.
EXTRACTION_VERSION = "facts-1"

__all__ = ["EXTRACTION_VERSION", "Alliance", "Extraction", "Fact", "Place", "PolicyDocument", "alliance_key",
           "document_key", "extract"]


def extract(article: Article, classification: Classification | None = None) -> Extraction:
    """Facts, alliances and documents of one cleaned article."""
    text = article.text_normalized
    place = Place(article.region_province, article.region_city, article.region_county)
    year = article.published.year if article.published else None
    # The classifier judges the whole article: when it finds no reform model, the taxonomy's words
    # in a paragraph (学区 of a township office, 结对 of a charity) do not make its figures a reform's.
    # Without a verdict, an article is about a reform when one of its paragraphs speaks of one.
    if classification is not None:
        relevant = bool(classification.labels)
    else:
        relevant = any(model_counts(para) for _, para in paragraphs(text))
    facts, alliances = [], []
    if relevant:
        paras = [(index, offset, para, sentences(para, index, offset))
                 for index, (offset, para) in enumerate(paragraphs(text))]
        article_model = _article_model(classification, paras)
        facts = extract_facts(paras, article_model=article_model, article_relevant=True, place=place,
                              published_year=year)
        alliances = extract_alliances(paras, article_model=article_model, place=place)
    documents = extract_documents(_title_normalized(article), text, place=place,
                                  published=article.published.date() if article.published else None)
    return Extraction(article.article_id, tuple(facts), tuple(alliances), tuple(documents), EXTRACTION_VERSION)


def _article_model(classification: Classification | None, paras) -> str | None:
    if classification and classification.primary in LABELS:
        return classification.primary
    total = model_counts("\n".join(p[2] for p in paras))
    if not total:
        return None
    top = max(total.values())
    return next(label for label in LABELS if total.get(label) == top)


def _title_normalized(article: Article) -> str | None:
    if not article.title:
        return None
    if article.script in ("simplified", "none"):
        return article.title
    from ..normalize import normalize

    return normalize(article.title)[0]
