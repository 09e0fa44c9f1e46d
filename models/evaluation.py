"""Measure classifiers on a gold JSON Lines file (``edualliance evaluate``, bench/eval_classify.py).

A gold record has ``text`` and ``labels`` (a subset of LABELS; [] = none),
optionally ``title``, ``primary``, ``script`` and ``sense``. When ``sense`` is
absent it is read from ``notes``: "home-school-society" marks the 家校社协同育人
sense; another 教联体 item not marked ``ambiguous`` is the school-alliance sense.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from edualliance.pipeline.records import LABELS, NONE_LABEL

from .metrics import Gold, Scores, report, score


@dataclass
class GoldItem:
    id: str
    title: str | None
    text: str  # normalized
    gold: Gold


class GoldError(ValueError):
    pass


def _sense(record: dict, labels: tuple[str, ...]) -> str | None:
    if "jiaolianti" not in labels:
        return None
    if record.get("sense") in ("school_alliance", "home_school_society"):
        return record["sense"]
    notes = str(record.get("notes") or record.get("note") or "")
    if "home-school-society" in notes or "home_school_society" in notes:
        return "home_school_society"
    if record.get("ambiguous"):
        return None
    return "school_alliance"


def read_gold(path: Path) -> list[GoldItem]:
    from edualliance.pipeline.normalize import normalize

    items = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise GoldError(f"{path}:{number}: not JSON ({exc})") from exc
            labels = record.get("labels")
            if not isinstance(record.get("text"), str) or not isinstance(labels, list) \
                    or any(label not in LABELS for label in labels):
                raise GoldError(f"{path}:{number}: needs text and labels drawn from {LABELS}")
            labels_t = tuple(label for label in LABELS if label in labels)
            primary = record.get("primary") or (labels_t[0] if labels_t else NONE_LABEL)
            normalized, detected = normalize(record["text"])
            items.append(GoldItem(
                id=str(record.get("id", number)), title=record.get("title"), text=normalized,
                gold=Gold(labels_t, primary if labels_t else NONE_LABEL, record.get("script") or detected,
                          _sense(record, labels_t)),
            ))
    return items


def evaluate(items: list[GoldItem], classifiers: dict) -> tuple[dict[str, Scores], dict[str, Scores], dict]:
    """Scores on all items and on Traditional/pinyin items alone, per classifier; and the verdicts."""
    verdicts = {name: c.classify([(i.title, i.text) for i in items]) for name, c in classifiers.items()}
    mirror = [k for k, i in enumerate(items) if i.gold.script in ("traditional", "pinyin", "mixed")]
    overall, mirrors = {}, {}
    for name, vs in verdicts.items():
        overall[name] = score([i.gold for i in items], [v.labels for v in vs], [v.primary for v in vs],
                              [v.sense for v in vs], probabilities=[v.scores for v in vs])
        if mirror:
            mirrors[name] = score([items[k].gold for k in mirror], [vs[k].labels for k in mirror],
                                  [vs[k].primary for k in mirror], [vs[k].sense for k in mirror],
                                  probabilities=[vs[k].scores for k in mirror], bootstrap=False)
    return overall, mirrors, verdicts


def full_report(items: list[GoldItem], classifiers: dict, *, errors: bool = False) -> tuple[str, dict]:
    overall, mirrors, verdicts = evaluate(items, classifiers)
    named = [(f"{name} ({classifiers[name].version})", s) for name, s in overall.items()]
    text = [report(named)]
    if mirrors:
        n = next(iter(mirrors.values())).n
        text.append("")
        text.append(f"Traditional-script and pinyin-annotated items alone ({n}):")
        for name, s in mirrors.items():
            per = ", ".join(f"{label} {s.per_label[label]['f1']:.3f}" if s.per_label[label]["support"]
                            or s.per_label[label]["predicted"] else f"{label} n/a" for label in LABELS)
            text.append(f"  {name}: macro-F1 {s.macro_f1:.3f}; relevance accuracy {s.relevance_accuracy:.3f}; {per}")
    if errors:
        for name, vs in verdicts.items():
            text.append("")
            text.append(f"errors — {name}:")
            for item, v in zip(items, vs):
                if set(item.gold.labels) != set(v.labels) or (item.gold.sense and v.sense and item.gold.sense != v.sense):
                    text.append(f"  {item.id}: gold {list(item.gold.labels) or ['none']} {item.gold.sense or ''}"
                                f" → {list(v.labels) or ['none']} {v.sense or ''}"
                                f" scores {v.scores}")
    summary = {name: {"all": s.as_dict(), "traditional_pinyin": mirrors[name].as_dict() if name in mirrors else None}
               for name, s in overall.items()}
    return "\n".join(text), summary
