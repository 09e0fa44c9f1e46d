"""Build the demo, then photograph what a researcher sees, with headless Chromium.

Times `edualliance demo` (run in its own process, as a user runs it), serves the
explorer over the demo's snapshot on 127.0.0.1, and writes PNG screenshots of the
search, article and model pages and of both digests (Chinese and English).

    python bench/screenshots.py --out docs/screenshots
    python bench/screenshots.py --demo /tmp/demo --out /tmp/shots   # reuse a built demo

Needs Debian's `chromium` (or chromium-browser / google-chrome) on PATH, and a CJK font
(`fonts-wqy-microhei` or `fonts-noto-cjk`) or Chinese text shows as empty boxes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

#: Flags for a headless, offline, throwaway browser (no sandbox: CI runs as root).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]
#: Tall enough to show a results list; a digest's page is longer (charts, then its tables).
PAGE_SIZE = (1200, 1600)
DIGEST_SIZE = (1200, 3200)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots: no Chromium on PATH (apt-get install -y chromium)")


def shoot(url: str, png: Path, profile: Path, size: tuple[int, int] = PAGE_SIZE) -> None:
    done = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=%d,%d" % size,
                           f"--screenshot={png}", url],
                          capture_output=True, timeout=120, env={**os.environ, "HOME": str(profile)})
    if done.returncode != 0 or not png.exists():
        sys.exit(f"screenshots: Chromium could not photograph {url}:\n"
                 + done.stderr.decode(errors="replace")[-1500:])
    print(f"  {png}  <- {url}")


def warn_without_cjk_font() -> None:
    if shutil.which("fc-list"):
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        if not found.strip():
            print("screenshots: no Chinese font installed (fc-list :lang=zh is empty): Chinese text will show"
                  " as boxes; apt-get install -y fonts-wqy-microhei", file=sys.stderr)


def build_demo(folder: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "edualliance.pipeline.cli", "demo", "--out", str(folder)],
                          capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"screenshots: `edualliance demo` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = [line for line in done.stdout.splitlines() if line.startswith(("Crawled", "Ingested", "Primary"))]
    print(f"edualliance demo: {took:.1f} s")
    for line in summary:
        print(f"  {line}")
    return took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the PNG files")
    parser.add_argument("--demo", type=Path, help="a folder `edualliance demo` already built (skips the build)")
    parser.add_argument("--query", default="教联体", help="the search photographed")
    args = parser.parse_args(argv)

    from edualliance.pipeline.explorer.serve import ExplorerServer

    warn_without_cjk_font()
    demo = args.demo
    with tempfile.TemporaryDirectory(prefix="edualliance-shots-") as scratch:
        if demo is None:
            demo = Path(scratch) / "demo"
            build_demo(demo)
        snapshot = demo / "demo.snapshot.duckdb"
        if not snapshot.exists():
            sys.exit(f"screenshots: {snapshot} does not exist: build the demo first (`edualliance demo --out {demo}`)")
        args.out.mkdir(parents=True, exist_ok=True)
        profile = Path(scratch) / "profile"
        with ExplorerServer(snapshot) as server:
            search = f"{server.base_url}/search?q={urllib.parse.quote(args.query)}"
            with urllib.request.urlopen(search, timeout=60) as response:
                page = response.read().decode("utf-8")
            first = re.search(r'<a class="title" href="(/article/[^"]+)">', page)
            if first is None:
                sys.exit(f"screenshots: the search for {args.query!r} found nothing in {snapshot}")
            shoot(search, args.out / "explorer-search.png", profile)
            shoot(server.base_url + first.group(1), args.out / "explorer-article.png", profile)
            shoot(f"{server.base_url}/model/jiaolianti", args.out / "explorer-model.png", profile)
        for lang in ("zh", "en"):
            digest = max(demo.glob(f"digest-*.{lang}.html"))
            shoot(digest.resolve().as_uri(), args.out / f"digest-{lang}.png", profile, DIGEST_SIZE)


if __name__ == "__main__":
    main()
