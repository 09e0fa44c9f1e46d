"""Training, cross-validation and evaluation of the learned model."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL

from . import artifact, build, scoring
from .calibration import ArticleCalibration, fit_calibration
from .classifier import LearnedClassifier
from .corpus import Example, data_hash, documents, targets, with_none_paragraphs
from .metrics import Gold, Scores, score
from .signature import OUTPUTS, feature_signature

MODEL_FAMILY = "linear-2"
CV_FOLDS = 5


def fit(examples: Sequence[Example], params: dict | None = None):
    """Fit the pipeline on examples (weights honoured); return it slimmed for saving."""
    params = {**build.DEFAULT_PARAMS, **(params or {})}
    for key in scoring.SCORING_DEFAULTS.keys() - {"paragraph_units"}:
        params.pop(key, None)  # used when scoring, not fitting
    if not params.pop("paragraph_units", True):  # ablation: articles only, no paragraph evidence
        examples = [e for e in examples if not e.unit]
    else:
        examples = with_none_paragraphs(examples)
    pipeline = build.build_pipeline(**params)
    weights = np.array([e.weight for e in examples])
    fit_params = {} if np.all(weights == 1.0) else {"outputs__sample_weight": weights}
    pipeline.fit(documents(examples), targets(examples), **fit_params)
    build.slim(pipeline)
    return pipeline


def gold_of(example: Example) -> Gold:
    return Gold(example.labels, example.primary, example.script, example.sense)


@dataclass
class CrossValidation:
    """Out-of-fold results: scores of the decisions, and the raw article scores behind them."""

    scores: Scores
    raw: np.ndarray  # scored articles × len(LABELS), before article calibration
    truth: np.ndarray  # scored articles × len(LABELS), 0/1
    groups: dict[str, int]  # style → scored articles
    #: The scored examples' indices into the examples given, and each one's out-of-fold decision.
    scored: list[int] = field(default_factory=list)
    decisions: list = field(default_factory=list)

    def subset(self, examples: Sequence[Example], keep: Callable[[Example], bool]) -> Scores | None:
        """Scores of the out-of-fold decisions on the scored examples ``keep`` selects (None if none)."""
        chosen = [k for k, i in enumerate(self.scored) if keep(examples[i])]
        if not chosen:
            return None
        return score([gold_of(examples[self.scored[k]]) for k in chosen], [self.decisions[k].labels for k in chosen],
                     [self.decisions[k].primary for k in chosen], [self.decisions[k].sense for k in chosen])


def style_groups(examples: Sequence[Example]) -> list[str]:
    return [e.style or "unknown" for e in examples]


def cross_validate(examples: Sequence[Example], params: dict | None = None, folds: int = CV_FOLDS,
                   seed: int = 0, progress: Callable[[str], None] = lambda m: None,
                   calibrate: bool = True) -> CrossValidation:
    """Out-of-fold scores, folds grouped by text style: a style is never trained and scored in one fold.

    Each fold holds out whole styles (genres such as notices or abstracts, and
    the site shells of composed articles), so the figures say how the model
    does on a kind of text it has not seen. Paragraph units go with their
    article; weak examples and units are trained on but not scored. With
    ``calibrate``, the scores are those of a model whose article calibration
    was fitted on the other folds' out-of-fold scores (nested), so the
    figures include what calibration does.
    """
    from sklearn.model_selection import GroupKFold

    styles = style_groups(examples)
    n_groups = len(set(styles))
    folds = min(folds, n_groups)
    splitter = GroupKFold(n_splits=folds)
    raw = np.zeros((len(examples), len(LABELS)))
    whole = np.zeros((len(examples), len(OUTPUTS)))
    headline = np.zeros((len(examples), len(LABELS)))
    for number, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(examples)), groups=styles), 1):
        held = sorted({styles[i] for i in test_idx})
        progress(f"cross-validation fold {number}/{folds} (held out: {', '.join(held)})")
        pipeline = fit([examples[i] for i in train_idx], params)
        scored = [i for i in test_idx if not examples[i].unit]
        detail = scoring.article_scores(pipeline, documents([examples[i] for i in scored]),
                                        **scoring.scoring_options(params))
        raw[scored] = detail.raw
        whole[scored] = detail.whole
        headline[scored] = detail.headline
    scored = [i for i in range(len(examples)) if examples[i].weight == 1.0 and not examples[i].unit]
    truth = targets([examples[i] for i in scored])[:, : len(LABELS)]
    published = _cross_calibrated(raw[scored], truth, [styles[i] for i in scored]) if calibrate else \
        ArticleCalibration.identity().apply(raw[scored])
    published = np.round(published, scoring.SCORE_DIGITS)
    verdicts = scoring.decide_rows(published, whole[scored], headline[scored])
    scores = score([gold_of(examples[i]) for i in scored], [v.labels for v in verdicts],
                   [v.primary for v in verdicts], [v.sense for v in verdicts],
                   probabilities=[dict(zip(LABELS, row)) for row in published])
    return CrossValidation(scores, raw[scored], truth, dict(Counter(styles[i] for i in scored)), scored, verdicts)


def _cross_calibrated(raw: np.ndarray, truth: np.ndarray, styles: list[str]) -> np.ndarray:
    """Each style's scores calibrated by a calibration fitted on the other styles' out-of-fold scores."""
    out = np.zeros_like(raw)
    for style in set(styles):
        inside = np.array([s == style for s in styles])
        calibration = fit_calibration(raw[~inside], truth[~inside])
        out[inside] = calibration.apply(raw[inside])
    return out


def version_of(examples_hash: str, params: dict) -> str:
    """linear-1-<hash of data, parameters and feature signature>: changes whenever the model can."""
    digest = hashlib.sha256(
        f"{examples_hash}\n{json.dumps(params, sort_keys=True)}\n{feature_signature()}".encode()).hexdigest()
    return f"{MODEL_FAMILY}-{digest[:10]}"


def make_card(examples: Sequence[Example], params: dict, cv: CrossValidation | None, seconds: float,
              pipeline, problems: Sequence[str] = (),
              calibration: ArticleCalibration | None = None) -> dict:
    import sklearn
    import skops

    origins = Counter(e.origin.split(":", 1)[0] if not e.origin.startswith("texts_") else e.origin.split(":")[0]
                      for e in examples)
    articles = [e for e in examples if not e.unit]
    hashed = data_hash(examples)
    params = {**build.DEFAULT_PARAMS, **params}
    thresholds = build.thresholds_of(pipeline)
    return {
        "version": version_of(hashed, params),
        "family": MODEL_FAMILY,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "training_data": {
            "sha256": hashed,
            "examples": len(examples),
            "articles": len(articles),
            "paragraph_units": len(examples) - len(articles),
            "by_source": dict(sorted(origins.items())),
            "by_label": {label: sum(label in e.labels for e in articles) for label in LABELS}
            | {NONE_LABEL: sum(not e.labels for e in articles)},
            "by_script": dict(Counter(e.script for e in articles)),
            "by_style": dict(sorted(Counter(e.style for e in articles).items())),
            "weak": sum(e.weight != 1.0 for e in examples),
            "skipped_lines": len(problems),
        },
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "feature_signature": feature_signature(),
        "outputs": list(OUTPUTS),
        "thresholds": {name: round(float(t), 3) for name, t in zip(OUTPUTS, thresholds)},
        "calibration": (calibration or ArticleCalibration.identity()).as_dict(),
        "cross_validation": None if cv is None else {
            "folds": min(CV_FOLDS, len(cv.groups)), "grouped_by": "text style", "groups": cv.groups,
            **cv.scores.as_dict()},
        "training_seconds": round(seconds, 1),
        "environment": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                        "skops": skops.__version__},
        "labels": list(LABELS),
    }


def train(examples: Sequence[Example], out_dir: Path, *, params: dict | None = None, cv: bool = True,
          problems: Sequence[str] = (), gold: Path | None = None,
          progress: Callable[[str], None] = lambda m: None) -> dict:
    """Cross-validate (optionally), fit on everything, save artifact and card; return the card.

    The article calibration (thresholds mapped to 0.5, temperature) is fitted
    on the cross-validation's out-of-fold scores; without ``cv`` the scores are
    only rescaled per unit (identity calibration).
    ``gold``: a labeled JSON Lines file to measure the new model on (and the
    keyword baseline next to it); the figures go into the card. It is only
    measured, never trained on.
    """
    params = params or {}
    if not examples:
        raise ValueError("no training examples")
    cv_result = cross_validate(examples, params, progress=progress) if cv else None
    calibration = fit_calibration(cv_result.raw, cv_result.truth) if cv_result else None
    progress(f"fitting on {len(examples)} examples")
    started = time.perf_counter()
    pipeline = fit(examples, params)
    seconds = time.perf_counter() - started
    card = make_card(examples, params, cv_result, seconds, pipeline, problems, calibration)
    if gold is not None:
        progress(f"measuring on {gold}")
        card["evaluation"] = measure(pipeline, card["version"], gold, calibration)
    path = artifact.save(pipeline, card, out_dir, calibration)
    card["artifact"] = {"file": path.name, "bytes": path.stat().st_size,
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    artifact.save_card(card, out_dir)
    return card


def measure(pipeline, version: str, gold: Path, calibration: ArticleCalibration | None = None) -> dict:
    """Figures of a fitted pipeline and of the keyword baseline on a gold file."""
    from .evaluation import evaluate, read_gold
    from .keywords import KeywordClassifier

    items = read_gold(gold)
    overall, mirrors, _ = evaluate(items, {"model": LearnedClassifier(pipeline, version, calibration=calibration),
                                           "keywords": KeywordClassifier()})
    return {
        "file": Path(gold).name,
        "all": overall["model"].as_dict(),
        "traditional_pinyin": mirrors["model"].as_dict() if "model" in mirrors else None,
        "baseline": overall["keywords"].as_dict(),
        "baseline_traditional_pinyin": mirrors["keywords"].as_dict() if "keywords" in mirrors else None,
    }
