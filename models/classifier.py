"""The learned classifier: one scikit-learn Pipeline, saved with skops.

``build_pipeline()`` makes the untrained pipeline:

1. ``prepare`` — title and prose only, Simplified script (``text.prepare_texts``);
2. ``features`` — word TF-IDF over jieba tokens (unigrams and bigrams, domain
   dictionary) next to character 2–3-gram TF-IDF (robust to segmentation
   errors, Traditional-script residue and regional coinages);
3. ``outputs`` — one :class:`ThresholdedLinearClassifier` per output column
   (:data:`OUTPUTS`): the four labels, the relevance gate (any label vs none)
   and the two senses of 教联体. Each is a calibrated linear SVM whose
   threshold was chosen by cross-validation on the training data.

:class:`LearnedClassifier` turns the pipeline's probabilities into
``Classification`` records (:func:`decide`), with the terms that drove each
label as evidence. The artifact is read with an explicit list of trusted
types (:data:`TRUSTED_TYPES`); nothing is ever unpickled.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL, Classification

from . import text as textprep

#: Output columns of the pipeline, in order.
OUTPUTS: tuple[str, ...] = (*LABELS, "relevant", "sense_home_school_society", "sense_school_alliance")
RELEVANT = LABELS.__len__()
SENSE_HSS = RELEVANT + 1
SENSE_SA = RELEVANT + 2

ARTIFACT_NAME = "classifier.skops"
CARD_JSON = "model_card.json"
CARD_MD = "MODEL_CARD.md"

#: Types the artifact may contain beyond skops' defaults; loading refuses anything else.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.slice",
    "collections.defaultdict",
    "edualliance.models.estimator.ThresholdedLinearClassifier",
    "edualliance.models.text.prepare_texts",
    "edualliance.models.text.tokenize",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.multioutput.MultiOutputClassifier",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.svm._classes.LinearSVC",
)

#: Defaults of build_pipeline(); recorded in the model card.
DEFAULT_PARAMS = {
    "C": 0.5,
    "word_ngrams": (1, 2),
    "char_ngrams": (2, 3),
    "word_max_features": 30000,
    "char_max_features": 50000,
    "min_df": 2,
}

#: Evidence terms listed per label.
EVIDENCE_TERMS = 6


def build_pipeline(C: float = DEFAULT_PARAMS["C"], word_ngrams=DEFAULT_PARAMS["word_ngrams"],
                   char_ngrams=DEFAULT_PARAMS["char_ngrams"],
                   word_max_features: int = DEFAULT_PARAMS["word_max_features"],
                   char_max_features: int = DEFAULT_PARAMS["char_max_features"],
                   min_df: int = DEFAULT_PARAMS["min_df"], threshold_cv: int = 5, random_state: int = 0):
    """The untrained pipeline: documents (see ``text.document``) → OUTPUTS indicator matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from .estimator import ThresholdedLinearClassifier

    words = TfidfVectorizer(
        tokenizer=textprep.tokenize, token_pattern=None, lowercase=False, ngram_range=tuple(word_ngrams),
        min_df=min_df, max_df=0.9, sublinear_tf=True, max_features=word_max_features, dtype=np.float64,
    )
    chars = TfidfVectorizer(
        analyzer="char", ngram_range=tuple(char_ngrams), lowercase=False, min_df=min_df, max_df=0.9,
        sublinear_tf=True, max_features=char_max_features, dtype=np.float64,
    )
    return Pipeline([
        ("prepare", FunctionTransformer(textprep.prepare_texts)),
        ("features", FeatureUnion([("words", words), ("chars", chars)])),
        ("outputs", MultiOutputClassifier(
            ThresholdedLinearClassifier(C=C, threshold_cv=threshold_cv, random_state=random_state))),
    ])


def slim(pipeline) -> None:
    """Drop what prediction never reads (the pruned vocabulary) before saving."""
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_


@dataclass(frozen=True)
class Decision:
    labels: tuple[str, ...]
    primary: str
    sense: str | None


def decide(proba: np.ndarray, thresholds: np.ndarray) -> Decision:
    """Labels, primary label and sense from one row of OUTPUTS probabilities.

    A label applies when its probability reaches its cross-validated
    threshold and the relevance gate agrees. When the gate is confident the
    text is relevant but no label reached its threshold, the label closest to
    its threshold (relative to it) applies. The primary label is the assigned
    label with the highest probability relative to its threshold.
    """
    ratio = proba[: len(LABELS)] / np.maximum(thresholds[: len(LABELS)], 1e-6)
    over = [i for i in range(len(LABELS)) if proba[i] >= thresholds[i]]
    relevant = proba[RELEVANT] >= thresholds[RELEVANT]
    if not relevant:
        over = []
    elif not over:
        over = [int(np.argmax(ratio))]
    labels = tuple(LABELS[i] for i in sorted(over))
    primary = LABELS[max(over, key=lambda i: ratio[i])] if over else NONE_LABEL
    sense = None
    if "jiaolianti" in labels:
        sense = "home_school_society" if proba[SENSE_HSS] >= proba[SENSE_SA] else "school_alliance"
    return Decision(labels, primary, sense)


def thresholds_of(pipeline) -> np.ndarray:
    return np.array([est.threshold_ for est in pipeline.named_steps["outputs"].estimators_])


def predict_outputs(pipeline, docs: Sequence[str]) -> tuple[np.ndarray, object]:
    """(probabilities, n_docs × len(OUTPUTS); feature matrix) for documents."""
    prepared = pipeline.named_steps["prepare"].transform(list(docs))
    features = pipeline.named_steps["features"].transform(prepared)
    per_output = pipeline.named_steps["outputs"].predict_proba(features)
    proba = np.column_stack([p[:, 1] for p in per_output])
    return proba, features


class LearnedClassifier:
    """The trained pipeline behind the ``Classifier`` interface (see loader.py)."""

    def __init__(self, pipeline, version: str, card: dict | None = None) -> None:
        self.pipeline = pipeline
        self.version = version
        self.card = card or {}
        self.thresholds = thresholds_of(pipeline)
        features = pipeline.named_steps["features"]
        self._names = np.array([name.split("__", 1)[1] for name in features.get_feature_names_out()])
        estimators = pipeline.named_steps["outputs"].estimators_
        self._coef = np.vstack([est.coef_[0] for est in estimators[: len(LABELS)]])

    def classify(self, items: Sequence[tuple[str | None, str]]) -> list[Classification]:
        if not items:
            return []
        docs = [textprep.document(title, text) for title, text in items]
        proba, features = predict_outputs(self.pipeline, docs)
        features = features.tocsr()
        verdicts = []
        for row in range(len(docs)):
            decision = decide(proba[row], self.thresholds)
            verdicts.append(Classification(
                labels=decision.labels,
                primary=decision.primary,
                scores={label: round(float(proba[row, i]), 4) for i, label in enumerate(LABELS)},
                model_version=self.version,
                sense=decision.sense,
                evidence={label: self._evidence(features, row, LABELS.index(label))
                          for label in decision.labels},
            ))
        return verdicts

    def uncertainty(self, items: Sequence[tuple[str | None, str]]) -> np.ndarray:
        """How close each text is to a decision boundary: 1 at a threshold, 0 far from all."""
        docs = [textprep.document(title, text) for title, text in items]
        proba, _ = predict_outputs(self.pipeline, docs)
        distance = np.abs(proba[:, : RELEVANT + 1] - self.thresholds[: RELEVANT + 1])
        return 1.0 - distance.min(axis=1)

    def _evidence(self, features, row: int, label: int) -> tuple[str, ...]:
        """Terms with the largest positive contribution (tf-idf × weight) to a label."""
        start, end = features.indptr[row], features.indptr[row + 1]
        columns = features.indices[start:end]
        contribution = features.data[start:end] * self._coef[label, columns]
        order = np.argsort(-contribution)
        chosen: list[str] = []
        for k in order:
            if contribution[k] <= 0 or len(chosen) >= EVIDENCE_TERMS:
                break
            term = self._names[columns[k]].strip()
            if not term or any(term in seen for seen in chosen):
                continue
            chosen = [seen for seen in chosen if seen not in term]  # keep the longer form
            chosen.append(term)
        return tuple(chosen)


def artifacts_dir() -> Path:
    """The installed package's artifact folder (models/artifacts)."""
    return Path(str(resources.files("edualliance.models").joinpath("artifacts")))


def save(pipeline, card: dict, directory: Path) -> Path:
    """Write the skops artifact and the model card (JSON and Markdown)."""
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ARTIFACT_NAME
    sio.dump(pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    save_card(card, directory)
    return path


def save_card(card: dict, directory: Path) -> None:
    from .card import card_markdown

    (directory / CARD_JSON).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (directory / CARD_MD).write_text(card_markdown(card), encoding="utf-8")


class UntrustedArtifactError(RuntimeError):
    """The artifact holds types outside TRUSTED_TYPES: it is not loaded."""


def load(directory: Path) -> LearnedClassifier:
    """Load a saved model; refuse an artifact with types not on the trusted list."""
    import skops.io as sio

    path = directory / ARTIFACT_NAME
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise UntrustedArtifactError(f"{path} holds types that are not trusted: {sorted(untrusted)}")
    pipeline = sio.load(path, trusted=list(TRUSTED_TYPES))
    card_path = directory / CARD_JSON
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    return LearnedClassifier(pipeline, version=card.get("version", "linear-unknown"), card=card)


def load_shipped() -> LearnedClassifier | None:
    """The model shipped in the package, or None when no artifact is installed."""
    directory = artifacts_dir()
    if not (directory / ARTIFACT_NAME).exists():
        return None
    return load(directory)
