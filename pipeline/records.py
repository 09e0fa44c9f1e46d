"""Typed records passed between the stages.

``RawPage`` (what was fetched or read) → ``Article`` (what the cleaning stage
kept) → ``Classification`` (what the classifier said). Records are frozen:
a stage returns new records instead of mutating the ones it was given, so a
record seen in a log or an error is the record that was processed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

LABELS: tuple[str, ...] = ("jiaolianti", "group_run", "district_community", "urban_rural")
NONE_LABEL = "none"


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class RawPage:
    """A page as received: bytes untouched, plus where and how it came."""

    body: bytes
    source: str
    fetched_at: datetime
    url: str | None = None  # the requested URL; None for a local file
    final_url: str | None = None  # after redirects
    path: str | None = None  # local file the page was read from
    status: int | None = None
    content_type: str | None = None  # the Content-Type header as sent
    etag: str | None = None
    last_modified: str | None = None
    #: (file, offset, length) of the response record in the captures folder (pipeline/captures.py):
    #: a page captured as WARC is stored as this pointer, its bytes stay in the file.
    warc: tuple[str, int, int] | None = field(default=None, compare=False)
    # Derived once from the fields above (a page's bytes are hashed many times
    # on its way to the store otherwise):
    content_hash: str = field(init=False, repr=False, compare=False)
    #: Stable identity of the page: its URL, or for a local file its content (a
    #: local file has no trustworthy address: the same page saved in two folders is one page).
    page_key: str = field(init=False, repr=False, compare=False)
    page_id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        content_hash = sha256_hex(self.body)
        page_key = self.url or f"sha256:{content_hash}"
        object.__setattr__(self, "content_hash", content_hash)
        object.__setattr__(self, "page_key", page_key)
        object.__setattr__(self, "page_id", sha256_hex(f"{page_key}\n{content_hash}")[:24])

    @property
    def name(self) -> str:
        """What to call this page in a message: its URL or its path."""
        return self.url or self.path or f"<{len(self.body)} bytes>"


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text of a page and how it was decoded."""

    text: str
    declared_encoding: str | None  # from BOM, HTTP header or <meta>
    used_encoding: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article (or one item of a listing page) after cleaning."""

    article_id: str
    page_key: str
    part: int
    source: str
    title: str | None
    text: str  # the cleaned text as on the page (original script)
    text_normalized: str  # Simplified, pinyin annotations removed: what models read
    url: str | None = None
    site: str | None = None
    path: str | None = None
    published: datetime | None = None
    outlet: str | None = None  # 来源：…
    reposted_from: str | None = None  # 本文转自：…
    author: str | None = None
    script: str = "simplified"  # simplified | traditional | pinyin | mixed | none
    region_province: str | None = None
    region_city: str | None = None
    region_county: str | None = None
    extractor_version: str = ""
    region_level: str | None = None  # national | province | city | county; None: no place named
    #: The outlet of the site that carried this copy (a repost's own site, 新浪网 for a
    #: 新华社 story on sina.com.cn); ``outlet`` is the original. Reach counts carriers.
    carrier: str | None = None

    @property
    def content_hash(self) -> str:
        return sha256_hex(self.text_normalized)

    @staticmethod
    def make_id(page_key: str, part: int) -> str:
        return sha256_hex(f"{page_key}#{part}")[:20]


@dataclass(frozen=True, slots=True)
class CleanResult:
    """What the cleaning stage made of one page."""

    articles: tuple[Article, ...]
    is_listing: bool  # a page of links or items rather than one article
    decoded: Decoded


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's verdict on one text."""

    labels: tuple[str, ...]  # subset of LABELS, in LABELS order
    primary: str  # one of LABELS or NONE_LABEL
    scores: dict[str, float] = field(default_factory=dict)  # label → probability
    model_version: str = ""
    sense: str | None = None  # for jiaolianti: school_alliance | home_school_society
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label → terms

    def __post_init__(self) -> None:
        unknown = set(self.labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; expected a subset of {LABELS}")
        if self.primary not in (*LABELS, NONE_LABEL):
            raise ValueError(f"primary {self.primary!r} is not one of {(*LABELS, NONE_LABEL)}")


def extract_record(source_path: str, article: Article) -> dict:
    """An article as `edualliance extract` prints it (extend this contract, don't rename its keys)."""
    return {
        "source_path": source_path,
        "part": article.part,
        "title": article.title,
        "text": article.text,
        "published": article.published.isoformat() if article.published else None,
        "outlet": article.outlet,
        "author": article.author,
        "url": article.url,
        "reposted_from": article.reposted_from,
        "script": article.script,
        "region": {
            "province": article.region_province,
            "city": article.region_city,
            "county": article.region_county,
            "level": article.region_level,
        },
        "carrier": article.carrier,
    }
