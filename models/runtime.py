"""The learned model in a form for prediction only: numpy arrays and JSON, no scikit-learn.

A crawl's cleaning workers classify with the model and need nothing of what
training needs; loading the skops artifact imports scikit-learn and scipy in
every process that classifies. What prediction reads of the fitted pipeline
is small: the two vocabularies with their idf weights, the pattern scale, and
per output one weight vector, its intercept, its Platt sigmoid and its
threshold. :func:`convert` takes these from the pipeline's learned attributes
once; :class:`RuntimePipeline` computes the same features and probabilities
with numpy and offers the interface ``scoring.article_scores`` and
``LearnedClassifier`` read (``named_steps`` prepare, features, outputs), so the
verdicts come from the same code. A conversion is checked against the model
it came from on sample texts before it is kept.

:func:`load_runtime` builds the form in a child process (so that the process
asking never imports scikit-learn), caches it under
``<models root>/.runtime/<key>/`` (``runtime.json`` and ``arrays.npz``, read
with ``allow_pickle=False``; the key hashes the artifact, its card, this
format and the feature signature), and returns the classifier, or None when
the model cannot be converted: the caller then loads the artifact.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Version of the cached form; part of the cache key.
RUNTIME_FORMAT = 1
RUNTIME_JSON = "runtime.json"
RUNTIME_ARRAYS = "arrays.npz"

#: Seconds the child that converts a model may take (it loads the artifact: a few seconds).
CONVERT_SECONDS = 300

#: scikit-learn's CountVectorizer collapses runs of white space before taking character n-grams.
_WHITE_SPACES = re.compile(r"\s\s+")


class NotConvertible(ValueError):
    """The fitted pipeline has a part this module does not reproduce."""


# -- prediction ---------------------------------------------------------------------------------


class Csr:
    """A compressed sparse row matrix, as far as ``scoring`` and ``LearnedClassifier`` read it."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_columns: int) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (len(indptr) - 1, n_columns)

    def tocsr(self) -> Csr:
        return self


class _Prepare:
    def transform(self, docs) -> list[str]:
        from . import text as textprep

        return textprep.prepare_texts(docs)


class _Vectorizer:
    """TfidfVectorizer.transform: counts of the vocabulary's terms, sublinear tf, idf, l2 norm."""

    def __init__(self, spec: dict, idf: np.ndarray) -> None:
        self.analyzer = spec["analyzer"]
        self.ngram_range = tuple(spec["ngram_range"])
        self.sublinear_tf = spec["sublinear_tf"]
        self.norm = spec["norm"]
        self.vocabulary = {term: index for index, term in enumerate(spec["terms"])}
        self.idf = idf if spec["use_idf"] else None

    def terms(self, text: str) -> list[str]:
        """The text's n-grams, as scikit-learn's analyzers make them (words: jieba tokens)."""
        low, high = self.ngram_range
        if self.analyzer == "char":
            items = _WHITE_SPACES.sub(" ", text)
        else:
            from . import text as textprep

            items = textprep.tokenize(text)
        out = list(items) if low == 1 else []
        for n in range(max(low, 2), min(high + 1, len(items) + 1)):
            if self.analyzer == "char":
                out.extend([items[i:i + n] for i in range(len(items) - n + 1)])
            else:
                out.extend([" ".join(items[i:i + n]) for i in range(len(items) - n + 1)])
        return out

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted column indices and values of one text's row."""
        vocabulary = self.vocabulary
        found = sorted((index, count) for term, count in Counter(self.terms(text)).items()
                       if (index := vocabulary.get(term)) is not None)
        columns = np.array([index for index, _ in found], dtype=np.int64)
        values = np.array([count for _, count in found], dtype=np.float64)
        if self.sublinear_tf:
            np.log(values, values)
            values += 1.0
        if self.idf is not None:
            values *= self.idf[columns]
        if self.norm == "l2":
            total = 0.0
            for value in values.tolist():  # in order, as scikit-learn's row normalisation sums
                total += value * value
            if total != 0.0:
                values /= math.sqrt(total)
        elif self.norm is not None:
            raise NotConvertible(f"norm {self.norm!r}")
        return columns, values


class _Patterns:
    """patterns.pattern_counts without scipy: scale × log(1 + count), zeros left out."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        from .patterns import _COMPILED

        counts = np.array([len(pattern.findall(text)) for pattern in _COMPILED], dtype=np.float64)
        values = self.scale * np.log1p(counts)
        columns = np.flatnonzero(values)
        return columns.astype(np.int64), values[columns]


class _Features:
    def __init__(self, blocks: list, widths: list[int], names: list[str]) -> None:
        self.blocks, self.widths, self.names = blocks, widths, np.array(names, dtype=object)

    def get_feature_names_out(self) -> np.ndarray:
        return self.names

    def transform(self, texts) -> Csr:
        """One row per text: each block's columns after the blocks before it (FeatureUnion's order)."""
        data, indices, indptr = [np.zeros(0)], [np.zeros(0, dtype=np.int64)], [0]
        for text in texts:
            offset, filled = 0, 0
            for block, width in zip(self.blocks, self.widths):
                columns, values = block.row(text)
                indices.append(columns + offset)
                data.append(values)
                offset += width
                filled += len(values)
            indptr.append(indptr[-1] + filled)
        return Csr(np.concatenate(data), np.concatenate(indices), np.array(indptr, dtype=np.int64),
                   sum(self.widths))


class _Output:
    """One output's estimator: what ThresholdedLinearClassifier exposes and predicts with."""

    def __init__(self, coef: np.ndarray, intercept: float, a: float, b: float, threshold: float) -> None:
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([intercept])
        self.sigmoid = (a, b)
        self.threshold_ = threshold


class _Outputs:
    def __init__(self, outputs: list[_Output]) -> None:
        self.estimators_ = outputs
        self._weights = np.column_stack([o.coef_[0] for o in outputs])  # features × outputs
        self._intercepts = np.array([o.intercept_[0] for o in outputs])
        self._a = np.array([o.sigmoid[0] for o in outputs])
        self._b = np.array([o.sigmoid[1] for o in outputs])

    def predict_proba(self, features: Csr) -> list[np.ndarray]:
        n = features.shape[0]
        decision = np.zeros((n, len(self.estimators_)))
        # Row by row in column order, as scipy's sparse product sums (numpy adds along the
        # outer axis in order): the scores are those of the fitted model, not merely close.
        products = features.data[:, None] * self._weights[features.indices]
        filled = np.flatnonzero(np.diff(features.indptr))
        if len(filled):
            decision[filled] = np.add.reduceat(products, features.indptr[filled], axis=0)
        decision += self._intercepts
        positive = 1.0 / (1.0 + np.exp(self._a * decision + self._b))  # expit(-(a·d + b))
        return [np.column_stack([1.0 - positive[:, j], positive[:, j]]) for j in range(len(self.estimators_))]


class RuntimePipeline:
    """The fitted pipeline's prediction, from the converted arrays (see the module docstring)."""

    def __init__(self, spec: dict, arrays: dict[str, np.ndarray]) -> None:
        blocks, widths = [], []
        for part in spec["features"]:
            if part["kind"] == "tfidf":
                blocks.append(_Vectorizer(part, arrays[f"idf_{part['name']}"]))
                widths.append(len(part["terms"]))
            else:
                blocks.append(_Patterns(part["scale"]))
                widths.append(part["width"])
        outputs = [_Output(arrays["coef"][j], *arrays["linear"][j]) for j in range(len(arrays["coef"]))]
        self.named_steps = {"prepare": _Prepare(), "features": _Features(blocks, widths, spec["names"]),
                            "outputs": _Outputs(outputs)}


# -- conversion (in a process that has scikit-learn) ------------------------------------------------


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise NotConvertible(what)


def convert(pipeline) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON spec, arrays) of a fitted pipeline built by ``build.build_pipeline``; NotConvertible
    for anything else."""
    from . import patterns
    from . import text as textprep

    steps = getattr(pipeline, "named_steps", {})
    _require(list(steps) == ["prepare", "features", "outputs"], f"pipeline steps {list(steps)}")
    _require(getattr(steps["prepare"], "func", None) is textprep.prepare_texts, "the prepare step")
    union = steps["features"]
    _require(not getattr(union, "transformer_weights", None), "weighted features")
    spec: dict = {"features": [], "names": [str(n) for n in union.get_feature_names_out()]}
    arrays: dict[str, np.ndarray] = {}
    for name, part in union.transformer_list:
        if hasattr(part, "vocabulary_"):
            word = part.analyzer == "word" and part.tokenizer is textprep.tokenize
            _require(word or part.analyzer == "char", f"{name}: analyzer {part.analyzer!r}")
            _require(part.preprocessor is None and not part.lowercase and part.strip_accents is None
                     and part.stop_words is None and not part.binary and part.input == "content",
                     f"{name}: preprocessing")
            terms = [None] * len(part.vocabulary_)
            for term, index in part.vocabulary_.items():
                terms[int(index)] = term
            _require(None not in terms, f"{name}: vocabulary indices with gaps")
            spec["features"].append({
                "kind": "tfidf", "name": name, "analyzer": part.analyzer, "ngram_range": list(part.ngram_range),
                "sublinear_tf": bool(part.sublinear_tf), "norm": part.norm, "use_idf": bool(part.use_idf),
                "terms": terms})
            arrays[f"idf_{name}"] = np.asarray(part.idf_, dtype=np.float64)
        else:
            _require(getattr(part, "func", None) is patterns.pattern_counts, f"{name}: not the pattern counts")
            spec["features"].append({"kind": "patterns", "name": name, "width": len(patterns.PATTERNS),
                                     "scale": float((part.kw_args or {}).get("scale", patterns.SCALE))})
    coef, linear = [], []
    for estimator in steps["outputs"].estimators_:
        _require(len(estimator.classes_) == 2, "an output that is not binary")
        model = estimator.model_
        if hasattr(model, "calibrated_classifiers_"):
            (calibrated,) = model.calibrated_classifiers_
            (sigmoid,) = calibrated.calibrators
            _require(calibrated.method == "sigmoid", f"calibration {calibrated.method!r}")
            a, b = float(sigmoid.a_), float(sigmoid.b_)
        else:  # a single SVM whose scores are squashed by the logistic function
            a, b = -1.0, 0.0
        coef.append(np.asarray(estimator.coef_[0], dtype=np.float64))
        linear.append([float(estimator.intercept_[0]), a, b, float(estimator.threshold_)])
    arrays["coef"] = np.vstack(coef)
    arrays["linear"] = np.array(linear, dtype=np.float64)
    return spec, arrays


#: Texts a conversion is checked on: the model and its conversion must give the same verdicts.
CHECK_TEXTS = (
    ("城乡学校共同体建设推进会召开", "会议要求各共同体完善教研联动机制，推动优质教育资源向农村学校延伸。城区学校与乡村学校结对帮扶。"),
    ("某区深化集团化办学", "区教育局推进集团化办学，总校长负责制下各校区师资共享、课程共建。\n\n学区制改革同步推进，片区教研共同体定期开展联合教研。"),
    ("县域教联体建设", "全县组建融合型教联体12个，家校社协同育人机制逐步完善，城乡教育联合体覆盖全部乡镇学校。"),
    ("天气预报", "明天多云转晴，气温12到20度。"),
    ("", ""),
)


def _build(model_dir: Path, target: Path) -> None:
    """Convert the model in ``model_dir`` into ``target`` (run in a child process)."""
    from .artifact import load

    model = load(model_dir)
    spec, arrays = convert(model.pipeline)
    spec.update({"format": RUNTIME_FORMAT, "version": model.version, "card": model.card,
                 "calibration": {"threshold": model.calibration.threshold.tolist(),
                                 "slope": model.calibration.slope.tolist()}})
    converted = _classifier(spec, arrays)
    expected, got = model.classify(list(CHECK_TEXTS)), converted.classify(list(CHECK_TEXTS))
    if expected != got:
        raise NotConvertible(f"the conversion classifies otherwise: {expected} != {got}")
    partial = target.parent / f".{target.name}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    (partial / RUNTIME_JSON).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    np.savez(partial / RUNTIME_ARRAYS, **arrays)
    try:
        os.replace(partial, target)  # a reader sees the whole folder or none
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)  # another process converted it first
        if not (target / RUNTIME_JSON).exists():
            raise


# -- loading -----------------------------------------------------------------------------------


def cache_dir(model_dir: Path) -> Path:
    """Where the converted form of the model in ``model_dir`` is kept."""
    from .registry import ARTIFACT_NAME, CARD_JSON, models_root
    from .signature import feature_signature

    digest = hashlib.sha256(f"runtime-{RUNTIME_FORMAT}\n{feature_signature()}\n".encode())
    for name in (ARTIFACT_NAME, CARD_JSON):
        path = model_dir / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return models_root() / ".runtime" / digest.hexdigest()


def _classifier(spec: dict, arrays: dict[str, np.ndarray]):
    from .calibration import ArticleCalibration
    from .classifier import LearnedClassifier

    calibration = ArticleCalibration(np.array(spec["calibration"]["threshold"], dtype=np.float64),
                                     np.array(spec["calibration"]["slope"], dtype=np.float64))
    return LearnedClassifier(RuntimePipeline(spec, arrays), version=spec["version"], card=spec["card"],
                             calibration=calibration)


def read_runtime(folder: Path):
    """The classifier of a converted model folder (JSON and arrays only)."""
    spec = json.loads((folder / RUNTIME_JSON).read_text(encoding="utf-8"))
    if spec.get("format") != RUNTIME_FORMAT:
        raise NotConvertible(f"{folder}: runtime format {spec.get('format')}, not {RUNTIME_FORMAT}")
    with np.load(folder / RUNTIME_ARRAYS, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    return _classifier(spec, arrays)


_LOADED: dict[str, object] = {}


def prepare_runtime(model_dir: Path) -> Path | None:
    """Convert the model in ``model_dir`` to its prediction-only form unless it is cached, in a
    child process (scikit-learn is loaded there, never here); the cache folder, or None when it
    cannot be converted (the reason is logged)."""
    model_dir = Path(model_dir).resolve()
    folder = _cache_dir_logged(model_dir)
    return folder if folder is not None and _converted(model_dir, folder) else None


def _cache_dir_logged(model_dir: Path) -> Path | None:
    try:
        return cache_dir(model_dir)
    except OSError as exc:
        log.warning("model %s: no prediction-only form (%s)", model_dir, exc)
        return None


def _converted(model_dir: Path, folder: Path) -> bool:
    if (folder / RUNTIME_JSON).exists():
        return True
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", __name__, str(model_dir), str(folder)],
                          capture_output=True, text=True, timeout=CONVERT_SECONDS, check=False)
    if done.returncode != 0:
        log.warning("model %s: no prediction-only form: %s", model_dir,
                    (done.stderr.strip().splitlines() or ["the conversion failed"])[-1])
    return done.returncode == 0


def load_runtime(model_dir: Path):
    """The model in ``model_dir`` in its prediction-only form, converted once (``prepare_runtime``)
    and cached; loaded once per process. None when it cannot be converted (the reason is logged)."""
    model_dir = Path(model_dir).resolve()
    folder = _cache_dir_logged(model_dir)
    if folder is None:
        return None
    if str(folder) in _LOADED:
        return _LOADED[str(folder)]
    if not _converted(model_dir, folder):
        return None
    try:
        model = read_runtime(folder)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("model %s: its prediction-only form %s does not load (%s)", model_dir, folder, exc)
        return None
    model.source = str(model_dir)
    _LOADED.clear()  # one model at a time
    _LOADED[str(folder)] = model
    return model


if __name__ == "__main__":  # python -m edualliance.models.runtime MODEL_DIR TARGET
    _build(Path(sys.argv[1]), Path(sys.argv[2]))
