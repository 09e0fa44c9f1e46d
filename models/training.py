"""Training, cross-validation and evaluation of the learned model."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL

from . import classifier as clf
from .corpus import Example, data_hash, documents, targets
from .metrics import Gold, Scores, score
from .signature import OUTPUTS, feature_signature

MODEL_FAMILY = "linear-1"
CV_FOLDS = 5


def fit(examples: Sequence[Example], params: dict | None = None):
    """Fit the pipeline on examples (weights honoured); return it slimmed for saving."""
    params = {**clf.DEFAULT_PARAMS, **(params or {})}
    pipeline = clf.build_pipeline(**params)
    weights = np.array([e.weight for e in examples])
    fit_params = {} if np.all(weights == 1.0) else {"outputs__sample_weight": weights}
    pipeline.fit(documents(examples), targets(examples), **fit_params)
    clf.slim(pipeline)
    return pipeline


def gold_of(example: Example) -> Gold:
    return Gold(example.labels, example.primary, example.script, example.sense)


def cross_validate(examples: Sequence[Example], params: dict | None = None, folds: int = CV_FOLDS,
                   seed: int = 0, progress: Callable[[str], None] = lambda m: None) -> Scores:
    """Out-of-fold scores: each text classified by a model that did not see it.

    Folds are stratified by primary label. Weak examples are trained on but
    not scored (their labels are the rules', not a person's).
    """
    from sklearn.model_selection import StratifiedKFold

    strata = [e.primary for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted: dict[int, tuple[tuple[str, ...], str, str | None]] = {}
    for number, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(examples)), strata), 1):
        progress(f"cross-validation fold {number}/{folds}")
        pipeline = fit([examples[i] for i in train_idx], params)
        model = clf.LearnedClassifier(pipeline, version="cv")
        verdicts = model.classify([(examples[i].title, examples[i].text) for i in test_idx])
        for i, verdict in zip(test_idx, verdicts):
            predicted[int(i)] = (verdict.labels, verdict.primary, verdict.sense)
    scored = [i for i in range(len(examples)) if examples[i].weight == 1.0]
    return score([gold_of(examples[i]) for i in scored], [predicted[i][0] for i in scored],
                 [predicted[i][1] for i in scored], [predicted[i][2] for i in scored])


def version_of(examples_hash: str, params: dict) -> str:
    """linear-1-<hash of data, parameters and feature signature>: changes whenever the model can."""
    digest = hashlib.sha256(
        f"{examples_hash}\n{json.dumps(params, sort_keys=True)}\n{feature_signature()}".encode()).hexdigest()
    return f"{MODEL_FAMILY}-{digest[:10]}"


def make_card(examples: Sequence[Example], params: dict, cv: Scores | None, seconds: float,
              pipeline, problems: Sequence[str] = ()) -> dict:
    import sklearn
    import skops

    origins = Counter(e.origin.split(":", 1)[0] if not e.origin.startswith("texts_") else e.origin.split(":")[0]
                      for e in examples)
    hashed = data_hash(examples)
    params = {**clf.DEFAULT_PARAMS, **params}
    thresholds = clf.thresholds_of(pipeline)
    return {
        "version": version_of(hashed, params),
        "family": MODEL_FAMILY,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "training_data": {
            "sha256": hashed,
            "examples": len(examples),
            "by_source": dict(sorted(origins.items())),
            "by_label": {label: sum(label in e.labels for e in examples) for label in LABELS}
            | {NONE_LABEL: sum(not e.labels for e in examples)},
            "by_script": dict(Counter(e.script for e in examples)),
            "weak": sum(e.weight != 1.0 for e in examples),
            "skipped_lines": len(problems),
        },
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "feature_signature": feature_signature(),
        "outputs": list(OUTPUTS),
        "thresholds": {name: round(float(t), 3) for name, t in zip(OUTPUTS, thresholds)},
        "cross_validation": None if cv is None else {"folds": CV_FOLDS, **cv.as_dict()},
        "training_seconds": round(seconds, 1),
        "environment": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                        "skops": skops.__version__},
        "labels": list(LABELS),
    }


def train(examples: Sequence[Example], out_dir: Path, *, params: dict | None = None, cv: bool = True,
          problems: Sequence[str] = (), gold: Path | None = None,
          progress: Callable[[str], None] = lambda m: None) -> dict:
    """Cross-validate (optionally), fit on everything, save artifact and card; return the card.

    ``gold``: a labeled JSON Lines file to measure the new model on (and the
    keyword baseline next to it); the figures go into the card. It is only
    measured, never trained on.
    """
    params = params or {}
    if not examples:
        raise ValueError("no training examples")
    cv_scores = cross_validate(examples, params, progress=progress) if cv else None
    progress(f"fitting on {len(examples)} examples")
    started = time.perf_counter()
    pipeline = fit(examples, params)
    seconds = time.perf_counter() - started
    card = make_card(examples, params, cv_scores, seconds, pipeline, problems)
    if gold is not None:
        progress(f"measuring on {gold}")
        card["evaluation"] = measure(pipeline, card["version"], gold)
    path = clf.save(pipeline, card, out_dir)
    card["artifact"] = {"file": path.name, "bytes": path.stat().st_size,
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    clf.save_card(card, out_dir)
    return card


def measure(pipeline, version: str, gold: Path) -> dict:
    """Figures of a fitted pipeline and of the keyword baseline on a gold file."""
    from .evaluation import evaluate, read_gold
    from .keywords import KeywordClassifier

    items = read_gold(gold)
    overall, mirrors, _ = evaluate(items, {"model": clf.LearnedClassifier(pipeline, version),
                                           "keywords": KeywordClassifier()})
    return {
        "file": Path(gold).name,
        "all": overall["model"].as_dict(),
        "traditional_pinyin": mirrors["model"].as_dict() if "model" in mirrors else None,
        "baseline": overall["keywords"].as_dict(),
        "baseline_traditional_pinyin": mirrors["keywords"].as_dict() if "keywords" in mirrors else None,
    }
