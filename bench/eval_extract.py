"""Main-text extraction on a benchmark split: ours against bare trafilatura and readability-lxml.

Usage:
    python bench/eval_extract.py [SPLIT_DIR ...] [--worst N] [--fields]

SPLIT_DIR is a folder with ``pages/``, ``gold/`` and ``manifest.tsv`` (default: both dev
splits under ``../shared/eval/extract`` beside the repository; ``tests/fixtures/govdocs`` is our
own split of government documents in the same layout). Each extractor's predictions are written to a
temporary JSONL file and scored by the benchmark's own ``score.py`` in a subprocess, so the
figures are the scorer's, not ours. ``--fields`` also scores title, date, author and outlet
against the gold records that have them. Skips with a message when the benchmark is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL_ROOT = REPO.parent / "shared" / "eval" / "extract"
SCORER = EVAL_ROOT / "score.py"


def _manifest_urls(split: Path) -> dict[str, str | None]:
    manifest = split / "manifest.tsv"
    if not manifest.exists():
        return {}
    with manifest.open(encoding="utf-8") as fh:
        return {row["id"]: (row.get("url") or None) for row in csv.DictReader(fh, delimiter="\t")}


def _pages(split: Path) -> list[tuple[str, bytes, str | None]]:
    urls = _manifest_urls(split)
    return [(p.stem, p.read_bytes(), urls.get(p.stem)) for p in sorted((split / "pages").iterdir()) if p.is_file()]


def ours(body: bytes, url: str | None):
    from edualliance.pipeline.clean import CleaningError, clean_page
    from edualliance.pipeline.records import RawPage

    raw = RawPage(body=body, source="bench", fetched_at=datetime.now(timezone.utc), url=url,
                  content_type="text/html")
    try:
        return clean_page(raw)
    except CleaningError:
        return None


def _ours_text(result) -> str:
    """The stored ``text`` field: the body without the headline (which has its own field)."""
    if result is None:
        return ""
    return "\n".join(a.text for a in result.articles)


def bare_trafilatura(body: bytes, url: str | None) -> str:
    import trafilatura

    from edualliance.pipeline.decode import decode

    # Decoded as the benchmark says (declared charset, else UTF-8, else GB18030): given raw
    # bytes, trafilatura guesses the charset itself and garbles some GBK pages.
    return trafilatura.extract(decode(body, "text/html").text, url=url) or ""


def readability(body: bytes, url: str | None) -> str:
    import lxml.html
    from readability import Document

    from edualliance.pipeline.decode import decode

    doc = Document(decode(body, "text/html").text, url=url)
    summary = lxml.html.fromstring(doc.summary())
    for block in summary.iter("p", "div", "li", "h1", "h2", "h3", "h4", "tr", "br"):
        block.tail = "\n" + (block.tail or "")
    lines = (x.strip() for x in summary.text_content().splitlines())
    return "\n".join(x for x in [doc.short_title(), *lines] if x)


def _score(split: Path, preds: dict[str, str], worst: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        for page_id, text in preds.items():
            fh.write(json.dumps({"id": page_id, "text": text}, ensure_ascii=False) + "\n")
    args = [sys.executable, str(SCORER), str(split), fh.name, "--json"]
    if worst:
        args += ["--worst", str(worst)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    Path(fh.name).unlink()
    return json.loads(out.splitlines()[0])


def _norm_date(value) -> str | None:
    """Gold dates come as '2005-5-7 21:23:57' or ISO with zone: compare the calendar day."""
    if not value:
        return None
    match = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", str(value))
    return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}" if match else None


def _field_rows(split: Path, results: dict) -> dict[str, list[bool]]:
    rows: dict[str, list[bool]] = {"title": [], "date": [], "author": [], "outlet": []}
    for page_id, result in results.items():
        gold = json.loads((split / "gold" / f"{page_id}.json").read_text(encoding="utf-8"))
        art = result.articles[0] if result is not None and result.articles else None
        if gold.get("title"):
            rows["title"].append(art is not None and (art.title or "").strip() == gold["title"].strip())
        if gold.get("date"):
            got = art.published.date().isoformat() if art is not None and art.published else None
            rows["date"].append(got == _norm_date(gold["date"]))
        if gold.get("author"):
            want = set(re.split(r"[\s、，,]+", gold["author"].strip()))
            got = set(re.split(r"[\s、，,]+", (art.author or "").strip())) if art is not None else set()
            rows["author"].append(bool(got) and got <= want | {""} and bool(got & want))
        source = gold.get("source")
        if source and "/" not in source and "@" not in source:  # dev's source is a dataset reference
            rows["outlet"].append(art is not None and (art.outlet or "") == source)
    return rows


def evaluate(split: Path, worst: int, fields: bool) -> None:
    pages = _pages(split)
    results = {page_id: ours(body, url) for page_id, body, url in pages}
    systems = {
        "trafilatura (default)": {pid: bare_trafilatura(body, url) for pid, body, url in pages},
        "readability-lxml": {pid: readability(body, url) for pid, body, url in pages},
        "edualliance clean_page": {pid: _ours_text(r) for pid, r in results.items()},
    }
    print(f"\n== {split.name} ({len(pages)} pages)")
    print(f"{'system':<24} {'P':>7} {'R':>7} {'F1':>7} {'F1>=0.9':>8}")
    for name, preds in systems.items():
        summary = _score(split, preds, worst if name.startswith("edualliance") else 0)
        s = summary["all"]
        print(f"{name:<24} {s['p']:>7.4f} {s['r']:>7.4f} {s['f1']:>7.4f} {s['share_f1_ge_0.9']:>8.2%}")
        for row in summary.get("pages", []):
            print(f"   worst: {row['id']:<24} P={row['p']:.3f} R={row['r']:.3f} F1={row['f1']:.3f}")
    if fields:
        for name, hits in _field_rows(split, results).items():
            if hits:
                print(f"field {name:<7} {sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("splits", nargs="*", type=Path)
    parser.add_argument("--worst", type=int, default=0, help="list our N lowest-F1 pages")
    parser.add_argument("--fields", action="store_true", help="also score title/date/author/outlet")
    args = parser.parse_args(argv)
    splits = args.splits or [EVAL_ROOT / "dev", EVAL_ROOT / "modern-dev"]
    if not SCORER.exists() or not all((s / "pages").is_dir() for s in splits):
        print(f"skipped: the extraction benchmark ({EVAL_ROOT}) is not on this machine")
        return 0
    for split in splits:
        evaluate(split, args.worst, args.fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
