"""The learned classifier and the keyword baseline on the real labeled dev texts.

Usage:
    python bench/eval_classify.py [GOLD.jsonl] [--model PATH|VERSION] [--errors] [--json OUT] [--dilute]

Default gold file: ../shared/eval/classify/dev.jsonl next to the repository
(real web texts; measured only, never trained on). Default model: the one
commands use (see models/registry.py). Prints per-label precision/recall/F1,
macro-F1, relevance accuracy, the confusion of primary labels, the 教联体
sense accuracy and the figures on Traditional/pinyin items alone, for both
classifiers. Skips with a message when the file is absent.

``--dilute`` measures the texts padded to the length of real pages with the
gold file's own ``none`` texts that name no model (bench/padding.py): half
as paragraphs of their own, half run into the text's paragraphs. A model
that needs a model's words to dominate a text keeps its precision and loses
recall here, as on real pages.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "classify" / "dev.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEV)
    parser.add_argument("--model", default=None, help="a model folder or version (default: the one in use)")
    parser.add_argument("--errors", action="store_true", help="list the items each classifier got wrong")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    parser.add_argument("--dilute", action="store_true",
                        help="pad each text with the file's neutral texts to a real page's length")
    args = parser.parse_args()
    if not args.gold.exists():
        print(f"skipped: {args.gold} is not here (the dev split lives in the shared folder)")
        return 0

    from edualliance.models.evaluation import full_report, read_gold
    from edualliance.models.keywords import KeywordClassifier
    from edualliance.models.loader import load_classifier

    items = read_gold(args.gold)
    if args.dilute:
        items = diluted_items(items)
    model = load_classifier("model", model=args.model)
    text, summary = full_report(items, {"model": model, "keywords": KeywordClassifier()},
                                errors=args.errors)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def diluted_items(items):
    """The gold items, each padded with the other items' neutral texts (see ``--dilute``)."""
    import random
    from dataclasses import replace

    import padding  # bench/, beside this script

    pool = [(k, flat) for k, item in enumerate(items) if not item.gold.labels
            and (flat := padding.flat_neutral(item.text))]
    if not pool:
        raise SystemExit(f"--dilute: the gold file has no unlabeled text of {padding.MIN_PAD_CHARS} or more"
                         " characters that names no model to pad with; add some, or measure without --dilute")
    print(f"padding with {len(pool)} neutral texts of the file, to {padding.PAD_CHARS[0]}–"
          f"{padding.PAD_CHARS[1]} characters")
    rng = random.Random(padding.SEED)
    return [replace(item, text=padding.diluted(item.text, [flat for k, flat in pool if k != number] or
                                               [flat for _, flat in pool], number, rng))
            for number, item in enumerate(items)]


if __name__ == "__main__":
    sys.exit(main())
