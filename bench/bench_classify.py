"""Classification throughput and training time of the learned model.

Usage:
    python bench/bench_classify.py [--repeat N] [--no-train]

Texts: the training corpus's articles (corpus/training/texts_*.jsonl, the
composed articles and the seeds), which is what ships with the package. Prints documents per second for
``LearnedClassifier.classify`` (prose extraction, normalization, features,
seven calibrated SVMs, decisions and evidence), for jieba segmentation alone
(the domain dictionary, search mode: what the word features use) on the
same texts, their ratio (classifier docs/s ÷ jieba docs/s of the best passes,
which alternate; the floor is 0.5) with the range over pairs of passes,
and the time of one full fit on the corpus. Each classify pass starts with
an empty line-token cache, so repeated passes are not faster than the first.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed pairs of passes (jieba, then the classifier) over the texts")
    parser.add_argument("--no-train", action="store_true", help="skip timing a full fit")
    args = parser.parse_args()

    from edualliance.models import artifact
    from edualliance.models import corpus, training
    from edualliance.models.text import segment

    examples, _ = corpus.load_corpus()
    examples = [e for e in examples if not e.unit]  # articles, not the paragraph units of the bank
    items = [(e.title, e.text) for e in examples]
    chars = sum(len(t or "") + len(x) for t, x in items)
    model = artifact.load_shipped()
    if model is None:
        raise SystemExit("no trained model installed: run `edualliance train` first")
    model.classify(items[:5])  # warm up (jieba dictionary, OpenCC)
    segment("预热")

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    # Passes alternate (jieba, classifier, jieba, …) so that both see the same machine: on a shared
    # host the speed of either drifts by a third within a minute. The best pass of each is compared
    # (as timeit does); the range of the ratios of passes run back to back shows the noise.
    pairs = [(timed(lambda: [segment(f"{t or ''}\n{x}") for t, x in items]), timed(lambda: model.classify(items)))
             for _ in range(args.repeat)]
    segment_s, classify_s = min(s for s, _ in pairs), min(c for _, c in pairs)
    ratios = sorted(s / c for s, c in pairs)
    result = {
        "texts": len(items),
        "characters": chars,
        "classify_docs_per_s": round(len(items) / classify_s, 1),
        "jieba_docs_per_s": round(len(items) / segment_s, 1),
        "classify_vs_jieba_speed_ratio": round(segment_s / classify_s, 2),
        "pair_ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)],
        "model_version": model.version,
    }
    if not args.no_train:
        start = time.perf_counter()
        training.fit(examples)
        result["train_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
