"""Cleaning throughput: our stage against bare ``trafilatura.extract`` on the same pages.

Usage:
    python bench/bench_clean.py [--rounds N] [PAGES_DIR ...]

Pages: the extraction benchmark's pages under ../shared/eval/extract (beside the repository) when
present, else the project's own fixture pages (tests/fixtures/pages). Both
systems get the page bytes, in the same process, rounds interleaved so that
a slow moment of the machine hits both; the best round of each counts.
Prints pages/s for each and the ratio (our time / trafilatura's time; the
goal is at most 1.3).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "extract"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"

#: The ratio the issue asks for: our stage at most this much slower than bare trafilatura.
GOAL = 1.3


def _pages(dirs: list[Path]) -> list[bytes]:
    files = [p for d in dirs for p in sorted(d.rglob("*.htm*"))]
    return [p.read_bytes() for p in files]


def _ours(pages: list[bytes]) -> None:
    from edualliance.pipeline.clean import CleaningError, clean_page
    from edualliance.pipeline.records import RawPage

    now = datetime.now(timezone.utc)
    for body in pages:
        try:
            clean_page(RawPage(body=body, source="bench", fetched_at=now, content_type="text/html"))
        except CleaningError:
            pass


def _trafilatura(pages: list[bytes]) -> None:
    import trafilatura

    for body in pages:
        trafilatura.extract(body)


def _timed(fn, pages: list[bytes]) -> float:
    start = time.perf_counter()
    fn(pages)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    dirs = args.dirs or ([SHARED] if SHARED.is_dir() else [FIXTURES])
    pages = _pages(dirs)
    if not pages:
        print(f"skipped: no pages under {', '.join(map(str, dirs))}")
        return 0
    _ours(pages[:2])  # warm-up: imports, OpenCC and gazetteer tables, lxml
    _trafilatura(pages[:2])
    ours = traf = float("inf")
    for _ in range(args.rounds):
        traf = min(traf, _timed(_trafilatura, pages))
        ours = min(ours, _timed(_ours, pages))
    ratio = ours / traf
    print(f"pages: {len(pages)} from {', '.join(map(str, dirs))}")
    print(f"trafilatura.extract  {len(pages) / traf:8.1f} pages/s  ({traf:.2f} s)")
    print(f"clean_page           {len(pages) / ours:8.1f} pages/s  ({ours:.2f} s)")
    print(f"ratio (ours / trafilatura time): {ratio:.2f}  goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
