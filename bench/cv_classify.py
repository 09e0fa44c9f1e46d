"""Grouped cross-validation of the classifier's settings on the training corpus.

Usage:
    python bench/cv_classify.py [--quick]

Every candidate is scored by cross-validation grouped by text style (a fold
holds out whole genres and site shells, see models/training.py), on the
corpus shipped in corpus/ only — never on the dev texts. Prints macro-F1
with its bootstrap interval, relevance accuracy, exact label-set match, the
per-label F1 and the mean Brier score, one row per candidate, and the
artifact size of a model fitted with each setting; under each row, the same
out-of-fold decisions on the hard texts alone (SUBSETS: the files written
after error analysis, and the boundary-case negatives of every file). The defaults in
models/build.py (DEFAULT_PARAMS) are the row this chose.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

CANDIDATES: dict[str, dict] = {
    "default": {},
    "no paragraph units": {"paragraph_units": False},
    "paragraph weight 0.5": {"paragraph_weight": 0.5},
    "C=0.25": {"C": 0.25},
    "C=0.5 (the previous default)": {"C": 0.5},
    "full vocabularies (30k words, 50k chars)": {"word_max_features": 30000, "char_max_features": 50000},
    "char 2-4-grams": {"char_ngrams": (2, 4)},
    "pattern scale 0.2 (the previous default)": {"pattern_scale": 0.2},
    "pattern scale 0.05": {"pattern_scale": 0.05},
    "pattern scale 0.5": {"pattern_scale": 0.5},
}


#: Hard texts reported on their own under each candidate's row: name → test on an Example.
SUBSETS: dict[str, object] = {
    "  hard files (texts_hard, _general, _real)": lambda e: e.origin.split(":")[0] in (
        "texts_hard.jsonl", "texts_general.jsonl", "texts_real.jsonl"),
    "  boundary-case negatives": lambda e: bool(e.extra.get("boundary")),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="default and the paragraph-unit ablation only")
    args = parser.parse_args()

    from edualliance.models import artifact
    from edualliance.models import corpus, training
    from edualliance.pipeline.records import LABELS

    examples, problems = corpus.load_corpus()
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    articles = sum(not e.unit for e in examples)
    print(f"{articles} articles, {len(examples) - articles} paragraph units;"
          f" styles: {len({e.style for e in examples})}")
    names = list(CANDIDATES)[:2] if args.quick else list(CANDIDATES)
    header = f"{'setting':44} {'macro-F1':>8} {'95% CI':>13} {'rel.acc':>7} {'exact':>6} " + \
        " ".join(f"{label[:8]:>8}" for label in LABELS) + f" {'Brier':>6} {'MiB':>5} {'s':>5}"
    print(header)
    for name in names:
        params = CANDIDATES[name]
        started = time.perf_counter()
        result = training.cross_validate(examples, params)
        s = result.scores
        fit_params = {k: v for k, v in params.items() if k not in ("paragraph_units", "paragraph_weight")}
        with tempfile.TemporaryDirectory() as tmp:
            size = artifact.save(training.fit(examples, fit_params), {}, Path(tmp)).stat().st_size / 2**20
        brier = sum(c["brier"] for c in s.calibration.values()) / len(s.calibration)
        print(f"{name:44} {s.macro_f1:8.3f} {s.macro_f1_ci[0]:6.3f}–{s.macro_f1_ci[1]:.3f} "
              f"{s.relevance_accuracy:7.3f} {s.exact_match:6.3f} "
              + " ".join(f"{s.per_label[label]['f1']:8.3f}" for label in LABELS)
              + f" {brier:6.4f} {size:5.1f} {time.perf_counter() - started:5.0f}", flush=True)
        for label, keep in SUBSETS.items():
            part = result.subset(examples, keep)
            if part is not None:
                print(f"{label:44} {part.macro_f1:8.3f} {'(n=' + str(part.n) + ')':>13} "
                      f"{part.relevance_accuracy:7.3f} {part.exact_match:6.3f} "
                      + " ".join(f"{part.per_label[lb]['f1']:8.3f}" for lb in LABELS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
