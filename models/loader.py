"""Which classifier to use.

``load_classifier(kind, model=…, selected=…)``:

* ``model`` (``--model PATH|VERSION``): that model (see registry.py), or the
  keyword rules for ``keywords``; an unknown name is an error listing what
  is installed;
* otherwise ``kind``: ``keywords`` (the rules), ``model`` (a learned model,
  or an error when none is installed) or ``auto`` (a learned model when one
  is installed, else the rules). The learned model is the one
  ``edualliance models use`` selected (``selected``, read from the
  database) when installed, else the newest trained, else the shipped one.

Only a missing artifact falls back to the rules. A broken installation (an
ImportError inside the model's modules, an artifact that does not load) is an
error, not a silent downgrade to the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from edualliance.pipeline.records import Classification


class Classifier(Protocol):
    version: str

    def classify(self, items: Sequence[tuple[str | None, str]]) -> list[Classification]:
        """(title, normalized text) pairs → one verdict each."""
        ...


def load_classifier(kind: str = "auto", *, model: str | None = None, selected: str | None = None) -> Classifier:
    """The classifier for a command (see the module docstring)."""
    from . import registry
    from .keywords import KeywordClassifier

    if model is not None:
        if model in registry.KEYWORDS:
            return KeywordClassifier()
        from .artifact import load_cached

        return load_cached(registry.find(model).path)
    if kind == "keywords":
        return KeywordClassifier()
    if kind not in ("auto", "model"):
        raise ValueError(f"unknown classifier kind {kind!r}: use auto, model or keywords")
    if selected in registry.KEYWORDS and kind == "auto":
        return KeywordClassifier()
    entry = registry.default_entry(selected)
    if entry is None:
        if kind == "model":
            raise FileNotFoundError("no trained model is installed: run `edualliance train`")
        return KeywordClassifier()
    from .artifact import load_cached

    return load_cached(entry.path)
