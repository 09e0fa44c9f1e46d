"""One labeled training text (:class:`Example`) and where the shipped corpus lives.

Apart from ``corpus`` so that ``compose`` (which ``corpus`` calls) can make
examples without importing ``corpus``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

SENSES = ("school_alliance", "home_school_society")


@dataclass(frozen=True)
class Example:
    """One labeled text."""

    title: str | None
    text: str  # normalized (Simplified, no pinyin annotations)
    labels: tuple[str, ...]
    primary: str
    sense: str | None = None
    weight: float = 1.0
    origin: str = ""  # file:id, seed:NNN#part, db:article_id, weak:article_id
    script: str = "simplified"
    extra: dict = field(default_factory=dict, compare=False)
    #: Text style (genre, or the site shell a composed article wears): the
    #: group of grouped cross-validation, so that a style is never both
    #: trained and scored on in one fold.
    style: str = ""
    #: A paragraph unit of a longer article: trained on (evidence is learned
    #: per paragraph) but never scored as an article in cross-validation.
    unit: bool = False
    #: The article a unit belongs to (its fold follows the article's).
    article: str = ""


class CorpusError(ValueError):
    """A training record that cannot be used; the message says which and why."""


def corpus_dir() -> Path:
    return Path(str(resources.files("edualliance.corpus")))


