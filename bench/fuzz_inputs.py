"""Hostile inputs through the whole pipeline: crashes, hangs, silent drops, lost rows.

Usage:
    python bench/fuzz_inputs.py [--n 2000] [--seed 12] [--keep DIR]

Writes N hostile inputs (``tests/support/hostile.py``: bogus charsets, UTF-16
without BOM, NULs, mixed encodings, 9.5 MB nested pages, link tables, gazette
pages, doc-sharing shells, FIFOs, broken links, GBK file names, JSON Lines with
bad lines, …) to a temporary folder, then:

1. cleans every page file on its own, timed (a hang is over 5 s; a page is
   stopped after 60 s), as ``ingest`` and ``extract`` do; a crash is any
   exception that escapes, or text that is not valid UTF-8;
2. reads every JSON Lines file as ``classify`` does and classifies the records;
   every non-blank line must give a record or a line error;
3. ingests a good folder (the bundled corpus pages and seeds, the fixture
   pages), then the hostile folder into the same database, and checks that
   every input of the hostile folder yielded records or one error line (no
   silent drop), and that every row of the good folder is still there with
   its hash.

Prints the counts and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

#: An input that takes longer than this is a hang (the issue's bound).
HANG_SECONDS = 5.0
#: ... and is stopped after this long, so that one real hang cannot stop the bench.
STOP_SECONDS = 60


class _Stopped(Exception):
    pass


def _alarm(signum, frame):
    raise _Stopped()


def _index(path: Path) -> str:
    return path.name[:5]


def clean_pass(inputs) -> tuple[int, list[str], list[tuple[float, str]]]:
    """(pages tried, crashes, (seconds, name) of the slowest) — each page cleaned on its own."""
    from edualliance.pipeline import jsonl
    from edualliance.pipeline.clean import CleaningError
    from edualliance.pipeline.ingest import InputError, clean_one, read_page_file

    crashes: list[str] = []
    times: list[tuple[float, str]] = []
    tried = 0
    signal.signal(signal.SIGALRM, _alarm)
    for item in inputs:
        if item.role != "page":
            continue
        tried += 1
        start = time.perf_counter()
        signal.alarm(STOP_SECONDS)
        try:
            raw = read_page_file(item.path, "fuzz")
            result = clean_one(raw)
            if isinstance(result, InputError):
                if result.message.startswith("unexpected error"):
                    crashes.append(f"{item.path.name}: {result.message}")
            else:
                for article in result.articles:  # what extract writes must be valid UTF-8 JSON
                    line = jsonl.dumps({"title": article.title, "text": article.text, "path": article.path})
                    json.loads(line.encode("utf-8").decode("utf-8"))
        except _Stopped:
            crashes.append(f"{item.path.name}: stopped after {STOP_SECONDS} s")
        except CleaningError:
            pass  # the size limit, refused before reading: a named error in ingest
        except Exception as exc:  # noqa: BLE001 - that is what is counted
            crashes.append(f"{item.path.name}: {type(exc).__name__}: {exc}")
        finally:
            signal.alarm(0)
        times.append((time.perf_counter() - start, item.path.name))
    return tried, crashes, sorted(times, reverse=True)


def classify_pass(inputs) -> tuple[int, int, list[str], list[str]]:
    """(files, lines, crashes, silent drops) of the JSON Lines inputs."""
    from edualliance.models.keywords import KeywordClassifier
    from edualliance.pipeline import jsonl
    from edualliance.pipeline.normalize import normalize

    classifier = KeywordClassifier()
    crashes, drops = [], []
    files = lines = 0
    for item in inputs:
        if item.role != "jsonl":
            continue
        files += 1
        data = item.path.read_bytes()
        try:
            out = list(jsonl.read_records(data))
            records = [r for r in out if isinstance(r, dict)]
            verdicts = classifier.classify([(r.get("title"), normalize(r["text"])[0]) for r in records])
            for record, verdict in zip(records, verdicts):
                jsonl.dumps({**record, "primary": verdict.primary}).encode("utf-8")
        except Exception as exc:  # noqa: BLE001
            crashes.append(f"{item.path.name}: {type(exc).__name__}: {exc}")
            continue
        expected = _non_blank_lines(data)
        lines += expected
        if len(out) != expected:
            drops.append(f"{item.path.name}: {expected} lines, {len(out)} records or errors")
    return files, lines, crashes, drops


def _non_blank_lines(data: bytes) -> int:
    from edualliance.pipeline.jsonl import _lines

    return sum(1 for _, text, problem in _lines(data) if problem or (text or "").strip())


def _good_folders() -> list[Path]:
    return [REPO / "corpus" / "pages", REPO / "corpus" / "seeds", REPO / "tests" / "fixtures" / "pages",
            REPO / "tests" / "fixtures" / "govdocs" / "pages"]


def ingest_pass(inputs, hostile: Path, db: Path) -> dict:
    from edualliance.models.keywords import KeywordClassifier
    from edualliance.pipeline.ingest import ingest_paths
    from edualliance.pipeline.store import Store

    with Store(db) as store:
        _, good_counts = ingest_paths(store, _good_folders(), KeywordClassifier(), source="good")
        before_articles = dict(store.conn.execute("SELECT article_id, content_hash FROM articles").fetchall())
        before_pages = dict(store.conn.execute("SELECT page_id, content_hash FROM pages").fetchall())
        errors = []
        run_id, counts = ingest_paths(store, [hostile], KeywordClassifier(), source="hostile",
                                      on_error=errors.append)
        after_articles = dict(store.conn.execute("SELECT article_id, content_hash FROM articles").fetchall())
        after_pages = dict(store.conn.execute("SELECT page_id, content_hash FROM pages").fetchall())
        with_articles = {h for (h,) in store.conn.execute(
            "SELECT DISTINCT p.content_hash FROM pages p JOIN articles a USING (page_id)").fetchall()}
        recorded = {Path(t).name[:5] for (t,) in store.conn.execute(
            "SELECT target FROM errors WHERE run_id = ?", [run_id]).fetchall()}
    lines = {Path(e.target).name[:5] for e in errors}
    stage_of = {Path(e.target).name[:5]: e.stage for e in errors}
    drops, unrecorded = [], []
    outcomes: dict[str, Counter] = {}
    for item in inputs:
        if item.role == "special":
            accounted = _index(item.path) in lines
        else:
            digest = hashlib.sha256(item.path.read_bytes()).hexdigest()
            accounted = digest in with_articles or _index(item.path) in lines
        outcome = "records" if item.role != "special" and digest in with_articles else stage_of.get(_index(item.path), "?")
        outcomes.setdefault(item.kind.split(":")[0], Counter())[outcome] += 1
        if not accounted:
            drops.append(f"{item.path.name} ({item.kind})")
        elif _index(item.path) in lines and _index(item.path) not in recorded:
            unrecorded.append(item.path.name)
    kept_articles = sum(1 for k, h in before_articles.items() if after_articles.get(k) == h)
    kept_pages = sum(1 for k, h in before_pages.items() if after_pages.get(k) == h)
    crashes = [f"{e.target}: {e.message}" for e in errors if e.message.startswith("unexpected error")]
    return {"good_pages": good_counts.pages, "articles": (kept_articles, len(before_articles)),
            "pages": (kept_pages, len(before_pages)), "drops": drops, "unrecorded": unrecorded,
            "crashes": crashes, "counts": counts.as_dict(), "stages": Counter(e.stage for e in errors),
            "outcomes": outcomes}


def main(argv: list[str] | None = None) -> int:
    from support.hostile import generate

    logging.disable(logging.WARNING)  # every error line is counted below; the log would repeat them
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="inputs to generate")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", type=Path, default=None, help="write the inputs here and keep them")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "hostile"
        started = time.perf_counter()
        inputs = generate(folder, args.n, args.seed)
        kinds = Counter(item.kind.split(":")[0] for item in inputs)
        print(f"inputs tried: {len(inputs)} ({sum(i.role == 'page' for i in inputs)} page files, "
              f"{sum(i.role == 'jsonl' for i in inputs)} JSON Lines files, "
              f"{sum(i.role == 'special' for i in inputs)} FIFOs and links) in {folder}")
        print("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))

        tried, clean_crashes, times = clean_pass(inputs)
        hangs = [(s, n) for s, n in times if s > HANG_SECONDS]
        print(f"\n1. clean each page file: {tried} files")
        print(f"   crashes: {len(clean_crashes)}")
        print(f"   hangs (> {HANG_SECONDS:.0f} s): {len(hangs)}")
        print("   slowest: " + ", ".join(f"{s:.2f} s {n}" for s, n in times[:3]))

        files, lines, cls_crashes, cls_drops = classify_pass(inputs)
        print(f"\n2. classify input: {files} JSON Lines files, {lines} non-blank lines")
        print(f"   crashes: {len(cls_crashes)}")
        print(f"   silent drops (a line with neither a record nor an error): {len(cls_drops)}")

        result = ingest_pass(inputs, folder, Path(tmp) / "fuzz.duckdb")
        print(f"\n3. ingest a good folder ({result['good_pages']} pages), then the hostile folder")
        print(f"   crashes: {len(result['crashes'])}")
        print(f"   silent drops (no record, no error line): {len(result['drops'])}")
        print(f"   error lines not in the errors table: {len(result['unrecorded'])}")
        print("   error lines by stage: " + ", ".join(f"{k} {v}" for k, v in sorted(result["stages"].items())))
        print("   outcome by kind (records / error stage):")
        for kind, outcome in sorted(result["outcomes"].items()):
            print(f"     {kind:<20} " + ", ".join(f"{k} {v}" for k, v in outcome.most_common()))
        print(f"   good folder kept: {result['articles'][0]}/{result['articles'][1]} articles and "
              f"{result['pages'][0]}/{result['pages'][1]} pages with unchanged hashes")
        print(f"\ntotal: {time.perf_counter() - started:.0f} s")
        crashes = clean_crashes + cls_crashes + result["crashes"]
        drops = cls_drops + result["drops"]
        for line in (crashes + drops + result["unrecorded"])[:20]:
            print("   ! " + line)
        lost = result["articles"][0] != result["articles"][1] or result["pages"][0] != result["pages"][1]
        print(f"\ncrashes: {len(crashes)}  hangs: {len(hangs)}  silent drops: {len(drops)}  "
              f"good rows lost: {'yes' if lost else 'no'}")
        return 1 if crashes or hangs or drops or lost or result["unrecorded"] else 0


if __name__ == "__main__":
    sys.exit(main())
