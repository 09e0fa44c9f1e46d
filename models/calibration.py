"""Article calibration: raw article scores → published scores, keeping "assigned ⇔ score ≥ 0.5"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edualliance.pipeline.records import LABELS

from .scoring import temperature, to_half


@dataclass
class ArticleCalibration:
    """Maps raw article scores to published scores, per label, keeping "assigned ⇔ score ≥ 0.5".

    ``threshold``: the raw score from which a label is assigned (chosen for F1
    on out-of-fold article scores), rescaled to 0.5 by :func:`to_half`;
    ``slope``: temperature in logit space fitted on the same out-of-fold
    scores (log loss), which keeps 0.5 at 0.5. Identity: thresholds 0.5, slopes 1.
    """

    threshold: np.ndarray
    slope: np.ndarray

    @classmethod
    def identity(cls) -> ArticleCalibration:
        return cls(np.full(len(LABELS), 0.5), np.ones(len(LABELS)))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return temperature(to_half(raw, self.threshold), self.slope)

    def as_dict(self) -> dict:
        return {label: {"threshold": round(float(t), 3), "slope": round(float(k), 3)}
                for label, t, k in zip(LABELS, self.threshold, self.slope)}


def fit_calibration(raw: np.ndarray, truth: np.ndarray) -> ArticleCalibration:
    """ArticleCalibration from out-of-fold raw article scores and the true label indicators."""
    from scipy.optimize import minimize_scalar

    from .estimator import best_threshold

    thresholds, slopes = [], []
    for column in range(len(LABELS)):
        y = truth[:, column].astype(bool)
        if y.all() or not y.any():
            thresholds.append(0.5)
            slopes.append(1.0)
            continue
        t = best_threshold(y, raw[:, column])
        half = np.clip(to_half(raw[:, column], np.array([t])), 1e-6, 1 - 1e-6)
        logit = np.log(half / (1 - half))

        def loss(k: float) -> float:
            p = np.clip(1.0 / (1.0 + np.exp(-k * logit)), 1e-9, 1 - 1e-9)
            return float(-np.mean(y * np.log(p) + (~y) * np.log(1 - p)))

        k = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x
        thresholds.append(t)
        slopes.append(float(k))
    return ArticleCalibration(np.array(thresholds), np.array(slopes))
