"""Which classifier to use: the shipped learned model if its artifact is
installed, else the keyword rules (so that classification always works).

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


def load_classifier(kind: str = "auto") -> Classifier:
    """kind: 'auto' (learned model when shipped), 'model' or 'keywords'."""
    from .keywords import KeywordClassifier

    if kind == "keywords":
        return KeywordClassifier()
    if kind not in ("auto", "model"):
        raise ValueError(f"unknown classifier kind {kind!r}: use auto, model or keywords")
    from .classifier import load_shipped

    model = load_shipped()
    if model is None:
        if kind == "model":
            raise FileNotFoundError("no trained model is installed: run `edualliance train`")
        return KeywordClassifier()
    return model
