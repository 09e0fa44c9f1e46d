"""What extracting facts, alliances and documents adds to storing an article.

Usage:
    python bench/bench_facts.py [--rounds N] [--shared DIR] [PAGES_DIR ...]

Two sets of pages: the extraction benchmark's real pages (``<shared>/eval/extract``,
where ``<shared>`` is ``../shared`` next to the repository unless --shared says
otherwise; most are not about a reform, so extraction has little to do), and
pages about the reforms, where it has the most: the fixture web's HTML portal
and bureau pages, and short text pages (the test fixtures and the gold set's
articles, so cheap to clean that the ratio is at its highest). In the same process, best round of each:

* clean + classify: ``clean_page`` on every page, then the shipped classifier
  on the articles in batches of 50 — what ingest and the crawl writer do today;
* extraction: ``pipeline.facts.extract`` on the same articles with their verdicts.

Prints the time per article of each and their ratio per set (goal: extraction at
most 10% of clean + classify, on both).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "pages"
GOLD = ROOT / "bench" / "facts_gold.jsonl"
GOAL = 0.10
BATCH = 50


def _pages(dirs: list[Path]) -> list[tuple[bytes, str]]:
    return [(p.read_bytes(), p.name) for d in dirs for p in sorted(d.rglob("*")) if p.suffix in (".htm", ".html", ".txt")]


def _gold_pages() -> list[tuple[bytes, str]]:
    if not GOLD.exists():
        return []
    return [(json.loads(line)["raw"].encode("utf-8"), json.loads(line)["id"] + ".txt")
            for line in GOLD.read_text(encoding="utf-8").splitlines()]


def _clean_and_classify(pages, classifier):
    from edualliance.pipeline.clean import CleaningError, clean_page
    from edualliance.pipeline.records import RawPage

    now = datetime.now(timezone.utc)
    articles = []
    for body, name in pages:
        try:
            articles.extend(clean_page(RawPage(body=body, source="bench", fetched_at=now, path=name)).articles)
        except CleaningError:
            pass
    verdicts = []
    for i in range(0, len(articles), BATCH):
        chunk = articles[i:i + BATCH]
        verdicts.extend(classifier.classify([(a.title, a.text_normalized) for a in chunk]))
    return articles, verdicts


def _extract(articles, verdicts) -> int:
    from edualliance.pipeline.facts import extract

    return sum(len(e.facts) + len(e.alliances) + len(e.documents)
               for e in (extract(a, v) for a, v in zip(articles, verdicts)))


def _clear_caches() -> None:
    from edualliance.pipeline.facts import alliances, context

    context._named_place.cache_clear()
    context._model_counts.cache_clear()
    alliances._tokens.cache_clear()


def _measure(pages, classifier, rounds: int) -> tuple[int, int, float, float]:
    """(articles, records, best clean + classify seconds, best extraction seconds)."""
    articles, verdicts = _clean_and_classify(pages[:3], classifier)  # warm-up: models, dictionaries, jieba
    _extract(articles, verdicts)
    base = extra = float("inf")
    records = 0
    for _ in range(rounds):
        start = time.perf_counter()
        articles, verdicts = _clean_and_classify(pages, classifier)
        base = min(base, time.perf_counter() - start)
        _clear_caches()  # a crawl's next articles are new sentences: no round reuses another's work
        start = time.perf_counter()
        records = _extract(articles, verdicts)
        extra = min(extra, time.perf_counter() - start)
    return len(articles), records, base, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args(argv)
    from edualliance.models.loader import load_classifier

    shared = args.shared / "eval" / "extract"
    sets = []
    if args.dirs:
        sets.append((", ".join(map(str, args.dirs)), _pages(args.dirs)))
    else:
        if shared.is_dir():
            sets.append((f"real pages ({shared})", _pages([shared])))
        # Pages about the reforms, where extraction has the most to do: the fixture web's portal and
        # bureau pages (HTML, as crawled), and the short hand-written text pages of the gold set.
        from edualliance.corpus.fixtureweb.build import site_root

        web = site_root()
        sets.append(("fixture web HTML pages (corpus/fixtureweb)", _pages([web])))
        sets.append((f"short text pages ({FIXTURES.relative_to(ROOT)} and {GOLD.relative_to(ROOT)})",
                     _pages([FIXTURES]) + _gold_pages()))
    classifier = load_classifier()
    worst = 0.0
    for where, pages in sets:
        if not pages:
            print(f"skipped: no pages in {where}")
            continue
        n, records, base, extra = _measure(pages, classifier, args.rounds)
        ratio = extra / base
        worst = max(worst, ratio)
        n = max(n, 1)
        print(f"{where}: {len(pages)} pages, {n} articles, {records} records extracted")
        print(f"  clean + classify  {1000 * base / n:7.2f} ms per article  ({base:.2f} s)")
        print(f"  extraction        {1000 * extra / n:7.2f} ms per article  ({extra:.2f} s)")
        print(f"  ratio (extraction / clean + classify): {ratio:.3f}")
    print(f"largest ratio {worst:.3f}; goal <= {GOAL}: {'met' if worst <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
