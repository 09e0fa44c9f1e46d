"""The learned classifier: one scikit-learn Pipeline, saved with skops.

``build_pipeline()`` makes the untrained pipeline:

1. ``prepare`` — title and prose only, Simplified script (``text.prepare_texts``);
2. ``features`` — word TF-IDF over jieba tokens (domain dictionary, search
   mode) next to character 2–3-gram TF-IDF (robust to segmentation
   errors, Traditional-script residue and regional coinages) and counts of
   the taxonomy's patterns (``patterns.PATTERNS``: names and constructions
   such as 片区…共同体, and the boundary cases that count against);
3. ``outputs`` — one :class:`ThresholdedLinearClassifier` per output column
   (:data:`OUTPUTS`): the four labels, relevance (any label vs none) and the
   two senses of 教联体. Each is a calibrated linear SVM whose threshold was
   chosen by cross-validation on the training data.

It is trained on whole texts and on paragraphs labeled one by one
(``corpus/training/paragraphs.jsonl``). :func:`article_scores` scores an
article whole and paragraph by paragraph (:func:`units_of`) and keeps, per
label, the highest unit score, each unit's probability first rescaled so that
its threshold is 0.5 (:func:`to_half`). :class:`ArticleCalibration`, fitted
on out-of-fold article scores, maps that to the published score, again with
the decision at 0.5. :class:`LearnedClassifier` turns scores into
``Classification`` records (:func:`decide`: a label is assigned exactly when
its published score is at least 0.5), with the terms that drove each label
in the unit that gave it as evidence. The artifact is read with an explicit
list of trusted types (:data:`TRUSTED_TYPES`); nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
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
    # Pruned vocabularies: grouped cross-validation showed no loss against
    # 30k/50k (bench/cv_classify.py), and the artifact and the loaded model are smaller.
    "word_max_features": 8000,
    "char_max_features": 15000,
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


#: The one decision threshold of every published score: a label is assigned
#: exactly when its (rounded) score is at least this.
DECISION = 0.5
SCORE_DIGITS = 4


def to_half(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Rescale probabilities so that each column's threshold maps to 0.5.

    Piecewise linear and monotone: [0, t] → [0, 0.5] and [t, 1] → [0.5, 1].
    The order of scores is kept, and "score ≥ 0.5" is "probability ≥ t".
    """
    t = np.clip(np.asarray(thresholds, dtype=np.float64), 1e-6, 1 - 1e-6)
    low = proba / (2 * t)
    high = 0.5 + (proba - t) / (2 * (1 - t))
    return np.clip(np.where(proba < t, low, high), 0.0, 1.0)


def temperature(scores: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """σ(slope · logit(score)): sharpens or softens a score, keeping 0.5 at 0.5."""
    s = np.clip(scores, 1e-6, 1 - 1e-6)
    return 1.0 / (1.0 + np.exp(-np.asarray(slope) * np.log(s / (1 - s))))


def decide(scores: np.ndarray, sense_hss: float, sense_sa: float, whole: np.ndarray | None = None) -> Decision:
    """Labels, primary label and sense from one article's label scores.

    The labels are exactly those whose score, rounded as published, is at
    least DECISION. The primary label is the assigned label the whole text
    supports most (``whole``: the scores of the whole-text unit), so that a
    model discussed in one paragraph does not outrank the article's subject.
    """
    rounded = np.round(scores[: len(LABELS)], SCORE_DIGITS)
    over = [i for i in range(len(LABELS)) if rounded[i] >= DECISION]
    labels = tuple(LABELS[i] for i in over)
    support = scores if whole is None else whole
    primary = LABELS[max(over, key=lambda i: (support[i], scores[i], -i))] if over else NONE_LABEL
    sense = None
    if "jiaolianti" in labels:
        sense = "home_school_society" if sense_hss >= sense_sa else "school_alliance"
    return Decision(labels, primary, sense)


def thresholds_of(pipeline) -> np.ndarray:
    return np.array([est.threshold_ for est in pipeline.named_steps["outputs"].estimators_])


#: A paragraph is scored on its own only if it has one of these cues of a
#: school alliance (names, members, the ways schools work together): one
#: without any cannot be the paragraph that discusses a model, and skipping
#: it keeps classification near the speed of segmentation alone.
PARAGRAPH_CUE = re.compile(
    r"共同体|集团|学区|片区|联盟|联合体|教联体|教共体|联片|结对|托管|帮扶|捆绑|对口|协作|手拉手|姊妹|牵手|牵头"
    r"|一校|总校|名校|分校|成员校|核心校|龙头|长校|走教|跟岗|驻校|派驻|挂职|送教|联合教研|同步课堂|以城带乡|强校|薄弱"
    r"|一体化|统一管理|合作")


def units_of(prepared: str) -> list[str]:
    """Units of evidence of a prepared text: the whole text, then each paragraph with a cue (PARAGRAPH_CUE)
    when it has two or more paragraphs.

    A model discussed in one paragraph is found there even when the rest of
    a long article is about something else; the whole text still counts for
    a model discussed across paragraphs.
    """
    parts = textprep.paragraphs(prepared)
    if len(parts) < 2:
        return [prepared]
    return [prepared, *(part for part in parts if PARAGRAPH_CUE.search(part))]


@dataclass
class ArticleScores:
    """Per article: raw (uncalibrated) label scores, best unit per label, whole-text outputs."""

    raw: np.ndarray  # n × len(LABELS): max over units of threshold-rescaled probability
    whole: np.ndarray  # n × len(OUTPUTS): probabilities of the whole-text unit
    best_unit: np.ndarray  # n × len(LABELS): index into units of the unit that gave raw
    units: list[str]
    owner: np.ndarray  # unit → article row
    features: object  # units × features (csr)


#: Labels that need their name in the text (docs/taxonomy.md: "a text about
#: 教联体 under that name"): without it the label's raw score is multiplied by
#: UNNAMED_FACTOR, whatever the surrounding vocabulary (家校社协同育人 prose
#: without 教联体 is `none`).
NAMED_LABELS: dict[str, re.Pattern] = {
    "jiaolianti": re.compile(r"教联体|教育联合体|联合发展共同体"),
}
UNNAMED_FACTOR = 0.1


#: How much a paragraph's own evidence counts against the whole text's:
#: article score = max(whole, w · best paragraph + (1 − w) · whole). 1 is the
#: plain maximum; chosen by grouped cross-validation (bench/cv_classify.py).
PARAGRAPH_WEIGHT = 1.0


def article_scores(pipeline, docs: Sequence[str], *, paragraph_units: bool = True,
                   paragraph_weight: float = PARAGRAPH_WEIGHT) -> ArticleScores:
    """Score every unit of every document and aggregate per article (see PARAGRAPH_WEIGHT).

    ``paragraph_units=False`` scores the whole text only (the ablation that
    cross-validation compares against).
    """
    textprep.forget_lines()  # the line cache serves one call (whole text and paragraphs), not the next
    prepared = pipeline.named_steps["prepare"].transform(list(docs))
    units: list[str] = []
    owner: list[int] = []
    for row, text in enumerate(prepared):
        for unit in (units_of(text) if paragraph_units else [text]):
            units.append(unit)
            owner.append(row)
    features = pipeline.named_steps["features"].transform(units).tocsr()
    per_output = pipeline.named_steps["outputs"].predict_proba(features)
    proba = np.column_stack([p[:, 1] for p in per_output])
    thresholds = thresholds_of(pipeline)
    label_scores = to_half(proba[:, : len(LABELS)], thresholds[: len(LABELS)])
    owner_a = np.asarray(owner)
    n = len(prepared)
    raw = np.zeros((n, len(LABELS)))
    best = np.zeros((n, len(LABELS)), dtype=np.int64)
    whole = np.zeros((n, proba.shape[1]))
    starts = np.searchsorted(owner_a, np.arange(n))
    ends = np.searchsorted(owner_a, np.arange(n), side="right")
    for row in range(n):
        block = label_scores[starts[row]:ends[row]]
        best[row] = starts[row] + np.argmax(block, axis=0)
        raw[row] = np.maximum(block[0], paragraph_weight * block.max(axis=0) + (1 - paragraph_weight) * block[0])
        whole[row] = proba[starts[row]]
        whole[row, : len(LABELS)] = label_scores[starts[row]]
        for label, name in NAMED_LABELS.items():
            if not name.search(prepared[row]):
                column = LABELS.index(label)
                raw[row, column] *= UNNAMED_FACTOR
                whole[row, column] *= UNNAMED_FACTOR
    return ArticleScores(raw, whole, best, units, owner_a, features)


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
        for row in range(len(items)):
            whole = detail.whole[row]
            decision = decide(scores[row], whole[SENSE_HSS], whole[SENSE_SA], whole=whole[: len(LABELS)])
            evidence = {label: self._evidence(detail.features, int(detail.best_unit[row, LABELS.index(label)]),
                                              LABELS.index(label))
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
    from .registry import shipped_dir

    return shipped_dir()


def save(pipeline, card: dict, directory: Path, calibration: ArticleCalibration | None = None) -> Path:
    """Write the skops artifact (pipeline and article calibration) and the model card (JSON and Markdown)."""
    import skops.io as sio

    calibration = calibration or ArticleCalibration.identity()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ARTIFACT_NAME
    partial = directory / f".{ARTIFACT_NAME}.partial"
    payload = {"pipeline": pipeline, "calibration_threshold": calibration.threshold.astype(np.float64),
               "calibration_slope": calibration.slope.astype(np.float64)}
    sio.dump(payload, partial, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
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
    payload = sio.load(path, trusted=list(TRUSTED_TYPES))
    if isinstance(payload, dict):
        pipeline = payload["pipeline"]
        calibration = ArticleCalibration(np.asarray(payload["calibration_threshold"], dtype=np.float64),
                                         np.asarray(payload["calibration_slope"], dtype=np.float64))
    else:  # an artifact written before article calibration: scores rescaled only
        pipeline, calibration = payload, None
    return LearnedClassifier(pipeline, version=card.get("version", "linear-unknown"), card=card,
                             calibration=calibration)


_LOADED: dict[tuple[str, int], LearnedClassifier] = {}


def load_cached(directory: Path) -> LearnedClassifier:
    """A model from its folder, loaded once per process (again if the artifact changes).

    One model is kept at a time: they are large.
    """
    path = directory / ARTIFACT_NAME
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    if key not in _LOADED:
        model = load(directory)
        model.source = str(directory.resolve())
        _LOADED.clear()
        _LOADED[key] = model
    return _LOADED[key]


def load_shipped() -> LearnedClassifier | None:
    """The model shipped in the package, or None when no artifact is installed (loaded once per process)."""
    directory = artifacts_dir()
    if not (directory / ARTIFACT_NAME).exists():
        return None
    return load_cached(directory)
