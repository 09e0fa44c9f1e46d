"""Our cleaning of corpus/seeds against the hand-made gold file.

Usage:
    python bench/eval_seeds.py [--gold ../shared/eval/seeds/seeds_gold.jsonl]

Per seed: gold body lines kept, lines we keep that the gold body does not
have (link-list and teaser lines would show here), record count, title, date,
outlet and region. Skips with a message when the gold file is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seeds" / "seeds_gold.jsonl"
SEEDS = Path(__file__).resolve().parents[1] / "corpus" / "seeds"


def _same(got, want) -> bool:
    return (got or None) == (want or None)


def evaluate(gold_path: Path) -> int:
    from edualliance.pipeline.clean import clean_page
    from edualliance.pipeline.dedup import Member, cluster
    from edualliance.pipeline.records import RawPage

    failures = 0
    totals = {"body lines kept": [0, 0], "title": [0, 0], "date": [0, 0], "outlet": [0, 0], "region": [0, 0],
              "records": [0, 0]}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        path = SEEDS / gold["file"]
        result = clean_page(RawPage(body=path.read_bytes(), source="seed",
                                    fetched_at=datetime.now(timezone.utc), path=str(path)))
        articles = result.articles
        print(f"\n{gold['file']}: {len(articles)} record(s), listing={result.is_listing}")
        checks = {"records": len(articles) == gold["split_into"]}
        if gold["split_into"] == 1 and articles:
            art = articles[0]
            ours = art.text.splitlines()
            body = gold["body"] or []
            kept = sum(1 for x in body if x in ours)
            extra = [x for x in ours if x not in body]
            totals["body lines kept"][0] += kept
            totals["body lines kept"][1] += len(body)
            print(f"  body lines kept {kept}/{len(body)}; lines not in the gold body: {len(extra)}")
            for x in extra:
                print(f"    extra: {x[:70]}")
            region = gold["region"] or {}
            checks.update({
                "title": _same(art.title, gold["title"]),
                "date": _same(art.published.isoformat() if art.published else None, gold["published"]),
                "outlet": _same(art.outlet, gold["source"]),
                "region": (art.region_province, art.region_city, art.region_county)
                == (region.get("province"), region.get("city"), region.get("county")),
            })
            if kept < len(body) or extra:
                failures += 1
        elif len(articles) > 1:
            assignments = cluster(Member(a.article_id, a.text_normalized, a.published) for a in articles)
            by_id = {a.article_id: a.cluster_id for a in assignments}
            groups: dict[str, list[int]] = {}
            for i, art in enumerate(articles, 1):
                groups.setdefault(by_id[art.article_id], []).append(i)
            print(f"  near-duplicate groups (1-based): {[g for g in groups.values() if len(g) > 1]}")
        for name, ok in checks.items():
            totals[name][0] += ok
            totals[name][1] += 1
            failures += not ok
            if not ok:
                print(f"  MISMATCH {name}")
        if articles and gold["split_into"] == 1:
            a = articles[0]
            print(f"  title={a.title!r} date={a.published} outlet={a.outlet!r} "
                  f"region={(a.region_province, a.region_city, a.region_county)}")
    print("\nsummary")
    for name, (ok, n) in totals.items():
        print(f"  {name:<16} {ok}/{n}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    args = parser.parse_args(argv)
    if not args.gold.exists():
        print(f"skipped: the seeds gold file ({args.gold}) is not on this machine")
        return 0
    failures = evaluate(args.gold)
    print(f"\n{'all checks passed' if not failures else f'{failures} check(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
