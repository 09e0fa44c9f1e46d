"""Scores of a classifier against gold labels, and their printed report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

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
        }


def score(gold: Sequence[Gold], labels: Sequence[Sequence[str]], primaries: Sequence[str],
          senses: Sequence[str | None] | None = None) -> Scores:
    """Per-label precision/recall/F1, macro-F1, relevance and primary accuracy, sense accuracy."""
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
    return Scores(per_label, macro, relevance, primary, exact, confusion, sense_acc, sense_n, n)


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
    row("relevance accuracy", [f"{s.relevance_accuracy:.3f}" for _, s in named])
    row("primary accuracy", [f"{s.primary_accuracy:.3f}" for _, s in named])
    row("exact label-set match", [f"{s.exact_match:.3f}" for _, s in named])
    row("教联体 sense accuracy",
        [("n/a" if s.sense_accuracy is None else f"{s.sense_accuracy:.3f} ({s.sense_support})") for _, s in named])
    out.append(f"items: {named[0][1].n}" if named else "items: 0")
    for name, s in named:
        out.append("")
        out.append(f"confusion of primary labels — {name}")
        out.append(confusion_table(s))
    return "\n".join(out)
