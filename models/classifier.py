"""The learned classifier: one scikit-learn Pipeline, saved with skops.

``build_pipeline()`` makes the untrained pipeline:

1. ``prepare`` — title and prose only, Simplified script (``text.prepare_texts``);
2. ``features`` — word TF-IDF over jieba tokens (domain dictionary, search
   mode) next to character 2–3-gram TF-IDF (robust to segmentation
   errors, Traditional-script residue and regional coinages) and counts of
   the taxonomy's patterns (``patterns.PATTERNS``: names and constructions
   such as 片区…共同体, and the boundary cases that count against);
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
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL, Classification

from . import text as textprep
from .patterns import pattern_counts, pattern_names
from .signature import OUTPUTS, feature_signature

RELEVANT = LABELS.__len__()
SENSE_HSS = RELEVANT + 1
SENSE_SA = RELEVANT + 2

ARTIFACT_NAME = "classifier.skops"
CARD_JSON = "model_card.json"
CARD_MD = "MODEL_CARD.md"

#: Types the artifact may contain beyond skops' defaults; loading refuses anything else.
TRUSTED_TYPES: tuple[str, ...] = (
    "edualliance.models.estimator.ThresholdedLinearClassifier",
    "edualliance.models.patterns.pattern_counts",
    "edualliance.models.patterns.pattern_names",
    "edualliance.models.text.prepare_texts",
    "edualliance.models.text.tokenize",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
)

#: Defaults of build_pipeline(); recorded in the model card.
DEFAULT_PARAMS = {
    "C": 0.5,
    "word_ngrams": (1, 1),
    "char_ngrams": (2, 3),
    "word_max_features": 30000,
    "char_max_features": 50000,
    "min_df": 2,
    "pattern_scale": 0.2,
}

#: Evidence terms listed per label.
EVIDENCE_TERMS = 6


def build_pipeline(C: float = DEFAULT_PARAMS["C"], word_ngrams=DEFAULT_PARAMS["word_ngrams"],
                   char_ngrams=DEFAULT_PARAMS["char_ngrams"],
                   word_max_features: int = DEFAULT_PARAMS["word_max_features"],
                   char_max_features: int = DEFAULT_PARAMS["char_max_features"],
                   min_df: int = DEFAULT_PARAMS["min_df"], pattern_scale: float = DEFAULT_PARAMS["pattern_scale"],
                   threshold_cv: int = 5, random_state: int = 0):
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
    patterns = FunctionTransformer(pattern_counts, feature_names_out=pattern_names, accept_sparse=True,
                                   kw_args={"scale": pattern_scale})
    return Pipeline([
        ("prepare", FunctionTransformer(textprep.prepare_texts)),
        ("features", FeatureUnion([("words", words), ("chars", chars), ("patterns", patterns)])),
        ("outputs", MultiOutputClassifier(
            ThresholdedLinearClassifier(C=C, threshold_cv=threshold_cv, random_state=random_state))),
    ])


def slim(pipeline) -> None:
    """Make the saved artifact small and quick to load.

    Drops what prediction never reads (the pruned vocabulary ``stop_words_``)
    and stores vocabulary indices as plain ints (skops writes a numpy scalar
    as a file of its own).
    """
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if not hasattr(vectorizer, "vocabulary_"):
            continue
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        vectorizer.vocabulary_ = {term: int(index) for term, index in vectorizer.vocabulary_.items()}


@dataclass(frozen=True)
class Decision:
    labels: tuple[str, ...]
    primary: str
    sense: str | None


#: A label at least this probable (calibrated: more likely than not) stands even
#: when the relevance gate says none.
OVERRIDE_GATE = 0.5
#: When the gate says relevant and no label reached its threshold, the label
#: nearest its threshold applies if it reached this share of it — or whatever
#: share, when the gate is at least CONFIDENT_RELEVANT sure.
NEAR_THRESHOLD = 0.5
CONFIDENT_RELEVANT = 0.8


def decide(proba: np.ndarray, thresholds: np.ndarray) -> Decision:
    """Labels, primary label and sense from one row of OUTPUTS probabilities.

    A label applies when its probability reaches its cross-validated
    threshold and the relevance gate agrees, or when it reaches
    OVERRIDE_GATE whatever the gate says. When the gate finds the text
    relevant but no label reached its threshold, the label nearest its
    threshold (relative to it) applies if it reached NEAR_THRESHOLD of it or
    the gate is at least CONFIDENT_RELEVANT sure.
    The primary label is the assigned label with the highest probability.
    """
    n = len(LABELS)
    ratio = proba[:n] / np.maximum(thresholds[:n], 1e-6)
    over = [i for i in range(n) if proba[i] >= thresholds[i]]
    if proba[RELEVANT] < thresholds[RELEVANT]:
        over = [i for i in over if proba[i] >= OVERRIDE_GATE]
    elif not over:
        best = int(np.argmax(ratio))
        if ratio[best] >= NEAR_THRESHOLD or proba[RELEVANT] >= CONFIDENT_RELEVANT:
            over = [best]
    labels = tuple(LABELS[i] for i in sorted(over))
    primary = LABELS[max(over, key=lambda i: (proba[i], -i))] if over else NONE_LABEL
    sense = None
    if "jiaolianti" in labels:
        sense = "home_school_society" if proba[SENSE_HSS] >= proba[SENSE_SA] else "school_alliance"
    return Decision(labels, primary, sense)


#: Phrases of the urban–rural aim of a school-alliance 教联体 (docs/taxonomy.md:
#: a Hubei-style 教联体 text that discusses lifting village schools is also
#: `urban_rural`). In the training corpus, 14 of the 15 school-alliance 教联体
#: texts with two or more of them carry `urban_rural`, and 2 of 48 with none.
URBAN_RURAL_AIM = re.compile(
    r"(?:城乡|乡村|农村|乡镇|村小|偏远)(?:学校|小学|中学|初中|教师|教育|孩子|学生|校区|成员校|差距|一体化)"
    r"|缩小城乡|以城带乡|城区.{0,10}乡村"
)
URBAN_RURAL_AIM_MIN = 2


def with_urban_rural_aim(decision: Decision, prose: str) -> tuple[Decision, tuple[str, ...]]:
    """Add `urban_rural` to a school-alliance 教联体 verdict whose prose discusses the urban–rural aim."""
    if ("jiaolianti" not in decision.labels or "urban_rural" in decision.labels
            or decision.sense != "school_alliance"):
        return decision, ()
    found = URBAN_RURAL_AIM.findall(prose)
    if len(found) < URBAN_RURAL_AIM_MIN:
        return decision, ()
    labels = tuple(label for label in LABELS if label in {*decision.labels, "urban_rural"})
    return Decision(labels, decision.primary, decision.sense), tuple(dict.fromkeys(found))


def thresholds_of(pipeline) -> np.ndarray:
    return np.array([est.threshold_ for est in pipeline.named_steps["outputs"].estimators_])


def predict_outputs(pipeline, docs: Sequence[str]) -> tuple[np.ndarray, object, list]:
    """(probabilities, n_docs × len(OUTPUTS); feature matrix; prepared texts) for documents."""
    prepared = pipeline.named_steps["prepare"].transform(list(docs))
    features = pipeline.named_steps["features"].transform(prepared)
    per_output = pipeline.named_steps["outputs"].predict_proba(features)
    proba = np.column_stack([p[:, 1] for p in per_output])
    return proba, features, prepared


class LearnedClassifier:
    """The trained pipeline behind the ``Classifier`` interface (see loader.py)."""

    def __init__(self, pipeline, version: str, card: dict | None = None) -> None:
        self.pipeline = pipeline
        self.version = version
        self.card = card or {}
        self.thresholds = thresholds_of(pipeline)
        features = pipeline.named_steps["features"]
        self._names = np.array([name.split("__", 1)[1] for name in features.get_feature_names_out()])
        self._is_char = np.array([name.startswith("chars__") for name in features.get_feature_names_out()])
        estimators = pipeline.named_steps["outputs"].estimators_
        self._coef = np.vstack([est.coef_[0] for est in estimators[: len(LABELS)]])

    def classify(self, items: Sequence[tuple[str | None, str]]) -> list[Classification]:
        if not items:
            return []
        docs = [textprep.document(title, text) for title, text in items]
        proba, features, prepared = predict_outputs(self.pipeline, docs)
        features = features.tocsr()
        verdicts = []
        for row in range(len(docs)):
            decision, aim = with_urban_rural_aim(decide(proba[row], self.thresholds), prepared[row])
            evidence = {label: self._evidence(features, row, LABELS.index(label)) for label in decision.labels}
            if aim:
                evidence["urban_rural"] = aim[:EVIDENCE_TERMS]
            verdicts.append(Classification(
                labels=decision.labels,
                primary=decision.primary,
                scores={label: round(float(proba[row, i]), 4) for i, label in enumerate(LABELS)},
                model_version=self.version,
                sense=decision.sense,
                evidence=evidence,
            ))
        return verdicts

    def uncertainty(self, items: Sequence[tuple[str | None, str]]) -> np.ndarray:
        """How close each text is to a decision boundary: 1 at a threshold, 0 far from all."""
        docs = [textprep.document(title, text) for title, text in items]
        proba, _, _ = predict_outputs(self.pipeline, docs)
        distance = np.abs(proba[:, : RELEVANT + 1] - self.thresholds[: RELEVANT + 1])
        return 1.0 - distance.min(axis=1)

    def _evidence(self, features, row: int, label: int) -> tuple[str, ...]:
        """Terms with the largest positive contribution (tf-idf × weight) to a label.

        Words and word pairs first; character n-grams only fill in when few
        words contributed (and never one that is part of a listed term).
        """
        start, end = features.indptr[row], features.indptr[row + 1]
        columns = features.indices[start:end]
        contribution = features.data[start:end] * self._coef[label, columns]
        order = [k for k in np.argsort(-contribution) if contribution[k] > 0]
        words = [self._names[columns[k]] for k in order if not self._is_char[columns[k]]]
        chars = [self._names[columns[k]] for k in order if self._is_char[columns[k]]]
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


def artifacts_dir() -> Path:
    """The installed package's artifact folder (models/artifacts)."""
    return Path(str(resources.files("edualliance.models").joinpath("artifacts")))


def save(pipeline, card: dict, directory: Path) -> Path:
    """Write the skops artifact and the model card (JSON and Markdown)."""
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ARTIFACT_NAME
    partial = directory / f".{ARTIFACT_NAME}.partial"
    sio.dump(pipeline, partial, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    save_card(card, directory)
    os.replace(partial, path)  # a reader never sees half an artifact
    return path


def save_card(card: dict, directory: Path) -> None:
    from .card import card_markdown

    for name, content in ((CARD_JSON, json.dumps(card, ensure_ascii=False, indent=2) + "\n"),
                          (CARD_MD, card_markdown(card))):
        partial = directory / f".{name}.partial"
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, directory / name)


class UntrustedArtifactError(RuntimeError):
    """The artifact holds types outside TRUSTED_TYPES: it is not loaded."""


class IncompatibleArtifactError(RuntimeError):
    """The artifact was trained with other feature definitions than the installed code."""


def load(directory: Path) -> LearnedClassifier:
    """Load a saved model; refuse an artifact with types not on the trusted list."""
    import skops.io as sio

    path = directory / ARTIFACT_NAME
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise UntrustedArtifactError(f"{path} holds types that are not trusted: {sorted(untrusted)}")
    card_path = directory / CARD_JSON
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    trained_with = card.get("feature_signature")
    if trained_with and trained_with != feature_signature():
        raise IncompatibleArtifactError(
            f"{path} was trained with other patterns or dictionaries than this code has:"
            " retrain it with `edualliance train`")
    pipeline = sio.load(path, trusted=list(TRUSTED_TYPES))
    return LearnedClassifier(pipeline, version=card.get("version", "linear-unknown"), card=card)


_SHIPPED: dict[tuple[str, int], LearnedClassifier] = {}


def load_shipped() -> LearnedClassifier | None:
    """The model shipped in the package, or None when no artifact is installed.

    Loaded once per process (again only if the artifact file changes).
    """
    directory = artifacts_dir()
    path = directory / ARTIFACT_NAME
    if not path.exists():
        return None
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _SHIPPED:
        _SHIPPED.clear()
        _SHIPPED[key] = load(directory)
    return _SHIPPED[key]
