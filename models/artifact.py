"""A model folder: the skops artifact (pipeline and article calibration) and the model card.

The artifact is read with an explicit list of trusted types
(:data:`TRUSTED_TYPES`); nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .calibration import ArticleCalibration
from .classifier import LearnedClassifier
from .signature import feature_signature

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
            f"{path} was trained with other patterns, scoring rules or dictionaries than this code has:"
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
