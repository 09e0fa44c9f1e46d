"""Facts, alliances and policy documents against the hand-coded gold set.

Usage:
    python bench/eval_facts.py [--gold FILE ...] [--seeds corpus/seeds] [--db demo/demo.duckdb] [-v]

Each gold article (bench/facts_gold.jsonl: news, notices, gazette pages, reposts,
abstracts and off-topic pages, Simplified and Traditional, written by hand
before the extractor was run on them) is cleaned as a page (its link lists and
teasers go the way they go in the pipeline) and extracted. Printed:

* facts: precision and recall of (value, unit, counted), per article as a
  multiset; then how often the qualifier and the upper end of a range agree;
* alliances: an alliance is found when the names agree (place names before the
  name aside) or, when either side has no name, the lead schools do; then lead
  and member agreement on those found;
* documents: found when the titles (without （试行）) or the 文号 agree; then
  文号, kind and level agreement.

Then what the extractor finds in the seeds' articles (corpus/seeds), cleaned
the way ingest cleans them; with --db, what a database the demo built
(``edualliance demo --out DIR``: it crawls the fixture web's versions of seeds
000, 001, 003 and 004 and ingests 002) stored for those articles.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The gold files: the first was written before the extractor and its rules were then
#: checked and tuned on it; the second was written after, and never used to tune them.
GOLD = (ROOT / "bench" / "facts_gold.jsonl", ROOT / "bench" / "facts_gold_holdout.jsonl")
SEEDS = ROOT / "corpus" / "seeds"


def _articles(raw: str, name: str):
    from edualliance.pipeline.clean import clean_page
    from edualliance.pipeline.records import RawPage

    page = RawPage(body=raw.encode("utf-8"), source="gold", fetched_at=datetime.now(timezone.utc),
                   path=name)
    return clean_page(page).articles


def _core(name: str | None) -> str:
    from edualliance.pipeline.facts import alliance_key
    from edualliance.pipeline.normalize import normalize

    if not name:
        return ""
    return alliance_key(normalize(name)[0], None, None).split("|", 2)[2]


def _title(t: str | None) -> str:
    from edualliance.pipeline.normalize import normalize

    if not t:
        return ""
    return re.sub(r"\s+|[（(](?:试行|暂行)[）)]|[《》]", "", normalize(t)[0])


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a (0/0)"


def evaluate(gold_path: Path, verbose: bool, classifier=None) -> dict:
    from edualliance.pipeline.facts import extract

    tally = Counter()
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        articles = _articles(gold["raw"], f"{gold['id']}.txt")
        verdicts = classifier.classify([(a.title, a.text_normalized) for a in articles]) if classifier else [
            None] * len(articles)
        extractions = [extract(a, v) for a, v in zip(articles, verdicts)]
        facts = [f for e in extractions for f in e.facts]
        alliances = [a for e in extractions for a in e.alliances]
        documents = [d for e in extractions for d in e.documents]

        # facts
        want = Counter((float(f["value"]), f["unit"], f["counted"]) for f in gold["facts"])
        got = Counter((float(f.value), f.unit, f.counted) for f in facts)
        hit = sum((want & got).values())
        tally["facts_tp"] += hit
        tally["facts_pred"] += sum(got.values())
        tally["facts_gold"] += sum(want.values())
        for g in gold["facts"]:
            for f in facts:
                if (float(g["value"]), g["unit"], g["counted"]) == (f.value, f.unit, f.counted):
                    tally["qual_n"] += 1
                    tally["qual_ok"] += (g.get("qualifier") == f.qualifier
                                         and g.get("value_max") == (f.value_max if f.value_max is None
                                                                    else float(f.value_max)) or
                                         (g.get("qualifier") == f.qualifier and g.get("value_max") is None
                                          and f.value_max is None))
                    break
        if verbose and (want - got or got - want):
            print(f"{gold['id']} facts  missed {sorted((want - got).elements())}  extra {sorted((got - want).elements())}")

        # alliances
        free = list(alliances)
        for g in gold["alliances"]:
            match = None
            for a in free:
                same_name = g["name"] and a.name and _core(g["name"]) == _core(a.name)
                same_lead = (not g["name"] or not a.name) and g["lead"] and a.lead and _core(g["lead"]) == _core(a.lead)
                if same_name or same_lead:
                    match = a
                    break
            if match is None:
                if verbose:
                    print(f"{gold['id']} alliance missed {g}")
                continue
            free.remove(match)
            tally["all_tp"] += 1
            if g["lead"]:
                tally["lead_n"] += 1
                tally["lead_ok"] += bool(match.lead) and _core(match.lead) == _core(g["lead"])
            gm = {_core(m) for m in g["members"]}
            pm = {_core(m) for m in match.members}
            tally["mem_gold"] += len(gm)
            tally["mem_pred"] += len(pm)
            tally["mem_tp"] += len(gm & pm)
        if verbose:
            for a in free:
                print(f"{gold['id']} alliance extra {a.name} lead={a.lead} members={a.members}")
        tally["all_pred"] += len(alliances)
        tally["all_gold"] += len(gold["alliances"])

        # documents
        free_docs = list(documents)
        for g in gold["documents"]:
            match = next((d for d in free_docs if (_title(d.title) and _title(d.title) == _title(g["title"]))
                          or (g["number"] and d.number == g["number"])), None)
            if match is None:
                if verbose:
                    print(f"{gold['id']} document missed {g['title']} {g['number']}")
                continue
            free_docs.remove(match)
            tally["doc_tp"] += 1
            for attr, gold_value, got_value in (("number", g["number"], match.number), ("kind", g["kind"], match.kind),
                                                ("level", g["level"], match.level)):
                tally[f"doc_{attr}_n"] += 1
                tally[f"doc_{attr}_ok"] += gold_value == got_value
                if verbose and gold_value != got_value:
                    print(f"{gold['id']} document {attr}: gold {gold_value} got {got_value}")
        if verbose:
            for d in free_docs:
                print(f"{gold['id']} document extra {d.title} {d.number}")
        tally["doc_pred"] += len(documents)
        tally["doc_gold"] += len(gold["documents"])
        tally["articles"] += 1
    return tally


def report(t: Counter) -> bool:
    print(f"  {t['articles']} articles")
    ok = True
    for label, tp, pred, gold in (("facts", "facts_tp", "facts_pred", "facts_gold"),
                                  ("alliances", "all_tp", "all_pred", "all_gold"),
                                  ("documents", "doc_tp", "doc_pred", "doc_gold")):
        p = t[tp] / t[pred] if t[pred] else 0.0
        r = t[tp] / t[gold] if t[gold] else 0.0
        ok &= p >= 0.85 and r >= 0.75
        print(f"  {label:<10} precision {_ratio(t[tp], t[pred]):<20} recall {_ratio(t[tp], t[gold])}")
    print(f"  facts found: qualifier and range agree {_ratio(t['qual_ok'], t['qual_n'])}")
    print(f"  alliances found: lead agrees {_ratio(t['lead_ok'], t['lead_n'])}; members precision "
          f"{_ratio(t['mem_tp'], t['mem_pred'])}, recall {_ratio(t['mem_tp'], t['mem_gold'])}")
    print(f"  documents found: 文号 {_ratio(t['doc_number_ok'], t['doc_number_n'])}, kind "
          f"{_ratio(t['doc_kind_ok'], t['doc_kind_n'])}, level {_ratio(t['doc_level_ok'], t['doc_level_n'])}")
    print(f"  goal (precision >= 0.85, recall >= 0.75 each): {'met' if ok else 'NOT met'}")
    return ok


def seeds(folder: Path) -> None:
    from edualliance.pipeline.facts import extract

    files = sorted(folder.glob("*.txt"))
    if not files:
        print(f"\nSeeds: none in {folder}")
        return
    print(f"\nSeeds ({folder}):")
    for path in files:
        articles = _articles(path.read_text(encoding="utf-8"), str(path))
        ex = [extract(a) for a in articles]
        n_f = sum(len(e.facts) for e in ex)
        print(f"  {path.name}: {len(articles)} article(s), {n_f} facts, "
              f"{sum(len(e.alliances) for e in ex)} alliances, {sum(len(e.documents) for e in ex)} documents")
        for a, e in zip(articles, ex):
            for f in e.facts:
                rng = f"-{f.value_max:g}" if f.value_max is not None else ""
                print(f"    fact      {f.value:g}{rng} {f.unit} {f.counted} ({f.qualifier or 'exact'}; "
                      f"{f.model}; {f.place.name}; {f.year}{' target' if f.target else ''})  «{f.as_written}»")
            for al in e.alliances:
                print(f"    alliance  {al.name or '(unnamed)'} lead={al.lead} members={list(al.members)} "
                      f"model={al.model} place={al.place.name}")
            for d in e.documents:
                print(f"    document  《{d.title}》 {d.number or ''} kind={d.kind} level={d.level} "
                      f"issuers={list(d.issuers)} year={d.year} models={list(d.models)} ({d.relation})")


def stored(db: Path, folder: Path) -> None:
    """What a database (e.g. the demo's) stored for the seeds' articles: records found by title."""
    from edualliance.pipeline.store import Store

    titles = []
    for path in sorted(folder.glob("*.txt")):
        titles += [a.title for a in _articles(path.read_text(encoding="utf-8"), str(path)) if a.title]
    print(f"\nStored in {db} for the seeds' articles:")
    import unicodedata

    def same(t: str | None) -> str:  # the fixture web prints 青海乐都：… where the seed has 青海乐都:…
        return unicodedata.normalize("NFKC", t or "").replace(" ", "")

    with Store(db, read_only=True) as store:
        by_title: dict[str, list[str]] = {}
        for article_id, title in store.conn.execute("SELECT article_id, title FROM articles").fetchall():
            by_title.setdefault(same(title), []).append(article_id)
        for title in titles:
            for article_id in by_title.get(same(title), []):
                print(f"  {title}")
                for r in store.conn.execute(
                        "SELECT value, value_max, unit, counted, qualifier, as_written FROM facts"
                        " WHERE article_id = ? ORDER BY seq", [article_id]).fetchall():
                    rng = f"-{r[1]:g}" if r[1] is not None else ""
                    print(f"    fact      {r[0]:g}{rng} {r[2]} {r[3]} ({r[4] or 'exact'})  «{r[5]}»")
                for r in store.conn.execute(
                        "SELECT name, lead_school, members, model FROM alliance_mentions WHERE article_id = ?"
                        " ORDER BY seq", [article_id]).fetchall():
                    print(f"    alliance  {r[0] or '(unnamed)'} lead={r[1]} members={list(r[2])} model={r[3]}")
                for r in store.conn.execute(
                        "SELECT title, doc_number, kind, level, issuers FROM document_mentions WHERE article_id = ?"
                        " ORDER BY seq", [article_id]).fetchall():
                    print(f"    document  《{r[0]}》 {r[1] or ''} kind={r[2]} level={r[3]} issuers={list(r[4])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=list(GOLD),
                        help="gold JSON Lines files (default: the dev and the held-out set)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder of seed pages (default corpus/seeds)")
    parser.add_argument("--db", type=Path, default=None,
                        help="also print what this database (e.g. the demo's demo.duckdb) stored for the seeds")
    parser.add_argument("--classifier", choices=["none", "keywords", "auto"], default="none",
                        help="give extraction the classifier's verdicts, as the pipeline does (auto: the shipped"
                             " model); none: the taxonomy's patterns alone decide what is about a reform")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss and every extra record")
    args = parser.parse_args(argv)
    missing = [p for p in args.gold if not p.exists()]
    if missing:
        print(f"no gold file at {missing[0]}", file=sys.stderr)
        return 2
    classifier = None
    if args.classifier != "none":
        from edualliance.models.loader import load_classifier

        classifier = load_classifier(args.classifier)
        print(f"with the verdicts of classifier {classifier.version}")
    total = Counter()
    for path in args.gold:
        print(f"== {path.name}")
        tally = evaluate(path, args.verbose, classifier)
        report(tally)
        total.update(tally)
    if len(args.gold) > 1:
        print("== all gold articles")
        report(total)
    seeds(args.seeds)
    if args.db:
        stored(args.db, args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
