"""Scores of a classifier against gold labels, and their printed report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from edualliance.pipeline.records import LABELS, NONE_LABEL


@dataclass
class Gold:
    """One gold item: its labels, primary label, script and (for 教联体) sense."""

    labels: tuple[str, ...]
    primary: str
    script: str = "simplified"
    sense: str | None = None


@dataclass
class Scores:
    per_label: dict[str, dict[str, float]]  # label → precision, recall, f1, support
    macro_f1: float
    relevance_accuracy: float
    primary_accuracy: float
    exact_match: float
    confusion: dict[str, Counter] = field(default_factory=dict)  # gold primary → predicted primary
    sense_accuracy: float | None = None
    sense_support: int = 0
    n: int = 0
    #: label → {"brier": …, "ece": …} when scores were given.
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Bootstrap 95% interval of macro-F1 (resampling items), when computed.
    macro_f1_ci: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "per_label": {k: {m: round(v, 4) for m, v in d.items()} for k, d in self.per_label.items()},
            "relevance_accuracy": round(self.relevance_accuracy, 4),
            "primary_accuracy": round(self.primary_accuracy, 4),
            "exact_match": round(self.exact_match, 4),
            "sense_accuracy": None if self.sense_accuracy is None else round(self.sense_accuracy, 4),
            "sense_support": self.sense_support,
            "macro_f1_ci95": None if self.macro_f1_ci is None else [round(x, 4) for x in self.macro_f1_ci],
            "calibration": {k: {m: round(v, 4) for m, v in d.items()} for k, d in self.calibration.items()},
        }


#: Bins of the expected calibration error (equal width over [0, 1]).
ECE_BINS = 10
#: Bootstrap resamples for the macro-F1 interval; fixed seed so a report is reproducible.
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 0


def brier(truth: Sequence[bool], scores: Sequence[float]) -> float:
    """Mean squared difference between score and outcome (0 is perfect)."""
    t = np.asarray(truth, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    return float(np.mean((s - t) ** 2)) if len(t) else 0.0


def expected_calibration_error(truth: Sequence[bool], scores: Sequence[float], bins: int = ECE_BINS) -> float:
    """Σ over score bins of (share of items) × |observed rate − mean score|."""
    t = np.asarray(truth, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if not len(t):
        return 0.0
    index = np.minimum((s * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            total += inside.mean() * abs(t[inside].mean() - s[inside].mean())
    return float(total)


def macro_f1_of(gold_sets: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels present in gold or predictions (boolean n × labels matrices)."""
    tp = (gold_sets & predicted).sum(axis=0)
    fp = (~gold_sets & predicted).sum(axis=0)
    fn = (gold_sets & ~predicted).sum(axis=0)
    present = (tp + fp + fn) > 0
    if not present.any():
        return 0.0
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    return float(f1[present].mean())


def bootstrap_macro_f1(gold: Sequence[Gold], labels: Sequence[Sequence[str]],
                       samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """95% percentile interval of macro-F1 over item resamples."""
    g = np.array([[label in item.labels for label in LABELS] for item in gold], dtype=bool)
    p = np.array([[label in chosen for label in LABELS] for chosen in labels], dtype=bool)
    rng = np.random.default_rng(seed)
    n = len(g)
    values = [macro_f1_of(g[idx], p[idx]) for idx in (rng.integers(0, n, n) for _ in range(samples))]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def score(gold: Sequence[Gold], labels: Sequence[Sequence[str]], primaries: Sequence[str],
          senses: Sequence[str | None] | None = None,
          probabilities: Sequence[dict[str, float]] | None = None, bootstrap: bool = True) -> Scores:
    """Per-label precision/recall/F1, macro-F1 (with a bootstrap 95% interval), relevance and primary
    accuracy, sense accuracy; with ``probabilities`` (each item's score per label), Brier score and
    expected calibration error per label."""
    n = len(gold)
    per_label = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, labels) if label in g.labels and label in p)
        fp = sum(1 for g, p in zip(gold, labels) if label not in g.labels and label in p)
        fn = sum(1 for g, p in zip(gold, labels) if label in g.labels and label not in p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
                            "predicted": tp + fp}
    # A label neither in the gold nor predicted (possible in a small subset) has no F1: left out of the mean.
    scored = [v["f1"] for v in per_label.values() if v["support"] or v["predicted"]]
    macro = sum(scored) / len(scored) if scored else 0.0
    relevance = sum(bool(g.labels) == bool(p) for g, p in zip(gold, labels)) / n if n else 0.0
    primary = sum(g.primary == p for g, p in zip(gold, primaries)) / n if n else 0.0
    exact = sum(set(g.labels) == set(p) for g, p in zip(gold, labels)) / n if n else 0.0
    confusion: dict[str, Counter] = {}
    for g, p in zip(gold, primaries):
        confusion.setdefault(g.primary, Counter())[p] += 1
    sense_acc = None
    sense_n = 0
    if senses is not None:
        pairs = [(g.sense, s) for g, p, s in zip(gold, labels, senses)
                 if g.sense and "jiaolianti" in g.labels and "jiaolianti" in p]
        sense_n = len(pairs)
        sense_acc = sum(a == b for a, b in pairs) / sense_n if sense_n else None
    calibration = {}
    if probabilities is not None:
        for label in LABELS:
            truth = [label in g.labels for g in gold]
            values = [float(p.get(label, 0.0)) for p in probabilities]
            calibration[label] = {"brier": brier(truth, values), "ece": expected_calibration_error(truth, values)}
    ci = bootstrap_macro_f1(gold, labels) if bootstrap and n else None
    return Scores(per_label, macro, relevance, primary, exact, confusion, sense_acc, sense_n, n, calibration, ci)


def confusion_table(scores: Scores) -> str:
    order = (*LABELS, NONE_LABEL)
    width = max(len(x) for x in order) + 1
    lines = ["gold \\ predicted".ljust(width + 2) + "".join(x[:10].rjust(11) for x in order)]
    for gold_label in order:
        row = scores.confusion.get(gold_label, Counter())
        lines.append(gold_label.ljust(width + 2) + "".join(str(row.get(p, 0)).rjust(11) for p in order))
    return "\n".join(lines)


def report(named: Sequence[tuple[str, Scores]]) -> str:
    """Side-by-side table of several classifiers' scores on the same items."""
    names = [name for name, _ in named]
    col = max(14, *(len(n) + 2 for n in names))
    out = ["metric".ljust(28) + "".join(n.rjust(col) for n in names)]

    def row(title: str, values: Sequence[str]) -> None:
        out.append(title.ljust(28) + "".join(v.rjust(col) for v in values))

    for label in LABELS:
        for metric in ("precision", "recall", "f1"):
            row(f"{label} {metric[0].upper() if metric != 'f1' else 'F1'}",
                [f"{s.per_label[label][metric]:.3f}" for _, s in named])
    row("macro-F1", [f"{s.macro_f1:.3f}" for _, s in named])
    row("  bootstrap 95% interval",
        ["n/a" if s.macro_f1_ci is None else f"{s.macro_f1_ci[0]:.3f}–{s.macro_f1_ci[1]:.3f}" for _, s in named])
    row("relevance accuracy", [f"{s.relevance_accuracy:.3f}" for _, s in named])
    row("primary accuracy", [f"{s.primary_accuracy:.3f}" for _, s in named])
    row("exact label-set match", [f"{s.exact_match:.3f}" for _, s in named])
    row("教联体 sense accuracy",
        [("n/a" if s.sense_accuracy is None else f"{s.sense_accuracy:.3f} ({s.sense_support})") for _, s in named])
    if any(s.calibration for _, s in named):
        for label in LABELS:
            row(f"{label} Brier / ECE",
                [f"{s.calibration[label]['brier']:.3f} / {s.calibration[label]['ece']:.3f}" if s.calibration
                 else "n/a" for _, s in named])
    out.append(f"items: {named[0][1].n}" if named else "items: 0")
    for name, s in named:
        out.append("")
        out.append(f"confusion of primary labels — {name}")
        out.append(confusion_table(s))
    return "\n".join(out)
