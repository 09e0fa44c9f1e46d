"""The learned classifier: a fitted pipeline (``build``) behind the ``Classifier`` interface.

It is trained on whole texts and on paragraphs labeled one by one
(``corpus/training/paragraphs.jsonl``). Article scores come from
``scoring.article_scores``; :class:`calibration.ArticleCalibration`, fitted on
out-of-fold article scores, maps them to the published score, with the
decision at 0.5. :class:`LearnedClassifier` turns scores into
``Classification`` records (``scoring.decide``: a label is assigned exactly
when its published score is at least 0.5), with the terms that drove each
label in the unit that gave it as evidence. Saving and loading: ``artifact``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edualliance.pipeline.records import LABELS, Classification

from . import text as textprep
from .build import thresholds_of
from .calibration import ArticleCalibration
from .scoring import DECISION, SCORE_DIGITS, ArticleScores, article_scores, decide_rows

#: Evidence terms listed per label.
EVIDENCE_TERMS = 6


class LearnedClassifier:
    """The trained pipeline behind the ``Classifier`` interface (see loader.py).

    Scores are published calibrated (``calibration``) and rounded to
    SCORE_DIGITS; a label is assigned exactly when its score is at least
    DECISION (0.5).
    """

    def __init__(self, pipeline, version: str, card: dict | None = None,
                 calibration: ArticleCalibration | None = None) -> None:
        self.pipeline = pipeline
        self.version = version
        #: The folder the model was loaded from (set by the loader), so that a
        #: worker process can load the same model.
        self.source: str | None = None
        self.card = card or {}
        self.calibration = calibration or ArticleCalibration.identity()
        self.thresholds = thresholds_of(pipeline)
        features = pipeline.named_steps["features"]
        self._names = np.array([name.split("__", 1)[1] for name in features.get_feature_names_out()])
        self._is_char = np.array([name.startswith("chars__") for name in features.get_feature_names_out()])
        estimators = pipeline.named_steps["outputs"].estimators_
        self._coef = np.vstack([est.coef_[0] for est in estimators[: len(LABELS)]])

    def scores(self, items: Sequence[tuple[str | None, str]]) -> tuple[np.ndarray, ArticleScores]:
        """Published label scores (n × len(LABELS)) and the unit-level detail behind them."""
        detail = article_scores(self.pipeline, [textprep.document(title, text) for title, text in items])
        return np.round(self.calibration.apply(detail.raw), SCORE_DIGITS), detail

    def classify(self, items: Sequence[tuple[str | None, str]]) -> list[Classification]:
        if not items:
            return []
        scores, detail = self.scores(items)
        verdicts = []
        for row, decision in enumerate(decide_rows(scores, detail.whole, detail.headline)):
            evidence = {label: (*detail.ruled[row].get(label, ()),
                                *self._evidence(detail.features, int(detail.best_unit[row, LABELS.index(label)]),
                                                LABELS.index(label)))[:EVIDENCE_TERMS]
                        for label in decision.labels}
            verdicts.append(Classification(
                labels=decision.labels,
                primary=decision.primary,
                scores={label: float(scores[row, i]) for i, label in enumerate(LABELS)},
                model_version=self.version,
                sense=decision.sense,
                evidence=evidence,
            ))
        return verdicts

    def uncertainty(self, items: Sequence[tuple[str | None, str]]) -> np.ndarray:
        """How close each text is to a decision: 1 when a label's score is at 0.5, 0 when all are at 0 or 1."""
        scores, _ = self.scores(items)
        return 1.0 - 2.0 * np.abs(scores - DECISION).min(axis=1)

    def _evidence(self, features, row: int, label: int) -> tuple[str, ...]:
        """Terms with the largest positive contribution (tf-idf × weight) to a label, in unit ``row``
        (the whole text or the paragraph that gave the label its score).

        Words and word pairs first; character n-grams only fill in when few
        words contributed (and never one that is part of a listed term).
        """
        start, end = features.indptr[row], features.indptr[row + 1]
        columns = features.indices[start:end]
        contribution = features.data[start:end] * self._coef[label, columns]
        # Largest contribution first, positive ones only; read lazily below, since
        # a handful of terms is all that is listed.
        ranked = columns[np.argsort(-contribution)][: np.count_nonzero(contribution > 0)]
        is_char = self._is_char[ranked]
        words = (self._names[column] for column in ranked[~is_char])
        chars = (self._names[column] for column in ranked[is_char])
        chosen: list[str] = []
        for term in words:
            term = term.replace(" ", "")
            if len(chosen) >= EVIDENCE_TERMS:
                break
            if len(term) < 2 or any(term in seen for seen in chosen):
                continue
            chosen = [seen for seen in chosen if seen not in term]  # keep the longer form
            chosen.append(term)
        for term in chars:
            if len(chosen) >= EVIDENCE_TERMS // 2:
                break
            if term.strip() and not any(term in seen for seen in chosen):
                chosen.append(term.strip())
        return tuple(chosen)
