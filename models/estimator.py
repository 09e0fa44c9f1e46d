"""A calibrated linear classifier whose decision threshold is chosen by cross-validation.

One of these sits behind each output of the learned model (one per label,
one for the relevance gate, one per sense of 教联体). It is a plain
scikit-learn estimator (``check_estimator`` runs on it in the tests):

* a linear SVM (``LinearSVC``) per cross-validation fold, its scores mapped to
  probabilities by Platt scaling (``CalibratedClassifierCV``, sigmoid);
* for a binary target, the probability threshold that maximises F1 on
  out-of-fold probabilities of the training data (``threshold_``), instead of
  a fixed 0.5: labels differ in how much training data and how clear a
  vocabulary they have;
* one SVM fitted on all the training data (``ensemble=False``: the
  calibration folds only fit the sigmoid), so the artifact holds one weight
  vector per output; ``coef_`` is that vector, used to explain a verdict
  (which terms pushed a label up).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

#: Candidate thresholds, coarse enough not to overfit a few hundred texts.
THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.025), 3)


def _f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    tp = float(np.sum(y_true & y_pred))
    fp = float(np.sum(~y_true & y_pred))
    fn = float(np.sum(y_true & ~y_pred))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def best_threshold(y_true: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> float:
    """The middle of the thresholds on ``proba`` whose F1 is within one standard error of the best.

    On out-of-fold scores F1 is flat over a wide range (urban_rural: 0.966–0.972
    from 0.33 to 0.80), so the single best point is decided by a few texts and
    jumped by 0.3 between models trained on nested parts of the corpus (0.30–0.68
    for urban_rural). The middle of the near-best range (the one-standard-error
    rule, SE = √(F1·(1−F1)/positives)) moved by 0.10 for urban_rural at the same
    accuracy on the writing round each model had not seen (bench/cv_classify.py
    --by-round: pooled macro-F1 0.943 against 0.942).
    """
    y_true = np.asarray(y_true, dtype=bool)
    f1 = np.array([_f1(y_true, proba >= t) for t in grid])
    best = float(f1.max())
    standard_error = np.sqrt(best * (1 - best) / max(int(y_true.sum()), 1))
    return float(np.median(grid[f1 >= best - standard_error]))


class ThresholdedLinearClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated linear SVM with a cross-validated decision threshold.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the SVM.
    class_weight : dict, "balanced" or None
        Passed to ``LinearSVC``.
    calibration_cv : int
        Folds for Platt scaling (reduced when a class is smaller).
    threshold_cv : int
        Folds for the out-of-fold probabilities the threshold is chosen on;
        0 keeps 0.5.
    random_state : int
        Seed of the fold shuffling.
    """

    def __init__(self, C: float = 0.5, class_weight="balanced", calibration_cv: int = 3,
                 threshold_cv: int = 5, random_state: int = 0):
        self.C = C
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.threshold_cv = threshold_cv
        self.random_state = random_state

    def _calibrated(self, n_splits: int) -> CalibratedClassifierCV:
        base = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        return CalibratedClassifierCV(
            base, method="sigmoid", ensemble=False,
            cv=StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state),
        )

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"needs samples of at least 2 classes in the data; got 1 class ({self.classes_[0]!r})"
            )
        smallest = int(np.bincount(encoded).min())
        fit_params = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight)}
        n_cal = min(self.calibration_cv, smallest)
        if n_cal >= 2:
            model = self._calibrated(n_cal)
        else:
            # Too few examples of a class to calibrate on held-out folds:
            # a single SVM, its scores squashed by a sigmoid (see predict_proba).
            model = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        self.model_ = model.fit(X, encoded, **fit_params)
        self.threshold_ = 0.5
        n_thr = min(self.threshold_cv, smallest)
        if len(self.classes_) == 2 and n_thr >= 2:
            inner = clone(self).set_params(threshold_cv=0)
            folds = StratifiedKFold(n_splits=n_thr, shuffle=True, random_state=self.random_state)
            proba = cross_val_predict(inner, X, encoded, cv=folds, method="predict_proba",
                                      params=fit_params or None)
            self.threshold_ = best_threshold(encoded == 1, proba[:, 1])
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Weights of the linear SVM (fitted on all training data)."""
        return self._svm().coef_

    @property
    def intercept_(self) -> np.ndarray:
        return self._svm().intercept_

    def _svm(self) -> LinearSVC:
        check_is_fitted(self, "model_")
        if isinstance(self.model_, LinearSVC):
            return self.model_
        return self.model_.calibrated_classifiers_[0].estimator

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=np.float64, reset=False)
        if isinstance(self.model_, LinearSVC):
            scores = self.model_.decision_function(X)
            if scores.ndim == 1:
                p = 1.0 / (1.0 + np.exp(-scores))
                return np.column_stack([1.0 - p, p])
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return self.model_.predict_proba(X)

    def decision_function(self, X):
        """Probability minus threshold (binary; > 0 means the positive class), else probabilities."""
        proba = self.predict_proba(X)
        if len(self.classes_) == 2:
            return proba[:, 1] - self.threshold_
        return proba

    def predict(self, X):
        proba = self.predict_proba(X)
        if len(self.classes_) == 2:
            return self.classes_[(proba[:, 1] >= self.threshold_).astype(int)]
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
