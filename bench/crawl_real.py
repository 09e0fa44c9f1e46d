"""Crawl real article pages behind a plain paginated list, as a new user's first source would.

Usage:
    python bench/crawl_real.py [--eval DIR] [--per-page 10]

DIR is the extraction benchmark folder holding ``dev/`` and ``modern-dev/`` (each with
``pages/`` and ``gold/``) and ``score.py``; default: ``../shared/eval/extract`` from the
repository root. Without it the bench says so and exits 0 (a user's clone has none).

The real pages (written by sites nobody here knows) are served on 127.0.0.1 the way many
county and bureau sites look: article URLs ``/a/<opaque-id>.html`` with no date or number,
list pages ``/list/<opaque-id>.html`` of ``--per-page`` links joined by a ``下一页`` link, no
charset in the Content-Type header. A minimal source (``kind = "listing"``, ``allow`` for the
two paths, ``focused = false``) crawls it twice into a temporary database.

Printed: pages stored / total, list pages read / total, article pages fetched again on the
second run, and the extraction F1 against the gold text (the benchmark's own tokenizer and
per-page F1 from score.py) of what the crawl stored and of ``edualliance extract`` on the
same files. Goal: all stored once, all list pages read, 0 refetched, F1 within 0.02.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("dev", "modern-dev")


def opaque(page_id: str) -> str:
    return hashlib.sha1(page_id.encode()).hexdigest()[:10]


def build_site(pages: dict[str, bytes], per_page: int) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """Routes (path → body), the article path of each page id, and the list paths in order."""
    ids = sorted(pages, key=opaque)  # an order no site would use: neither by name nor by split
    routes: dict[str, bytes] = {}
    article_of = {pid: f"/a/{opaque(pid)}.html" for pid in ids}
    for pid in ids:
        routes[article_of[pid]] = pages[pid]
    chunks = [ids[i:i + per_page] for i in range(0, len(ids), per_page)]
    lists = [f"/list/{opaque(f'list-{k}')}.html" for k in range(len(chunks))]
    for k, chunk in enumerate(chunks):
        rows = "".join(f'<li><a href="{article_of[pid]}">文章 {opaque(pid)}</a> <span>2026-11-{1 + n:02d}</span></li>'
                       for n, pid in enumerate(chunk))
        pager = f"<span>共{len(chunks)}页</span> "
        if k:
            pager += f'<a href="{lists[k - 1]}">上一页</a> '
        if k + 1 < len(chunks):
            pager += f'<a href="{lists[k + 1]}">下一页</a>'
        routes[lists[k]] = (f"<html><head><title>工作动态</title></head><body><h2>工作动态</h2>"
                            f"<ul>{rows}</ul><div>{pager}</div></body></html>").encode("utf-8")
    return routes, article_of, lists


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, bytes]) -> None:
        self.routes = routes
        self.log: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler) -> None:  # noqa: N805 - the server is `self` here
                body = self.routes.get(handler.path)
                self.log.append(handler.path)
                handler.send_response(200 if body is not None else 404)
                handler.send_header("Content-Type", "text/html")  # no charset, as many sites send it
                handler.send_header("Content-Length", str(len(body or b"")))
                handler.end_headers()
                handler.wfile.write(body or b"")

            def log_message(handler, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("extract_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract_texts(files: dict[str, Path]) -> dict[str, str]:
    """`edualliance extract` on the files, as a user would run it (through the CLI)."""
    from click.testing import CliRunner

    from edualliance.pipeline.cli import main

    result = CliRunner().invoke(main, ["extract", *map(str, files.values())])
    by_path: dict[str, list[str]] = {}
    for line in result.output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            by_path.setdefault(record["source_path"], []).append(record["text"] or "")
    return {pid: "\n".join(by_path.get(str(path), [])) for pid, path in files.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval" / "extract",
                        help="the extraction benchmark folder (dev/, modern-dev/, score.py)")
    parser.add_argument("--per-page", type=int, default=10, help="article links per list page")
    args = parser.parse_args(argv)
    if not all((args.eval / split / "pages").is_dir() for split in SPLITS) or not (args.eval / "score.py").exists():
        print(f"crawl_real: skipped: no extraction benchmark at {args.eval} "
              f"(needs {', '.join(SPLITS)} with pages/ and gold/, and score.py)")
        return 0

    from edualliance.crawler.registry import Source
    from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
    from edualliance.models.loader import load_classifier
    from edualliance.pipeline.store import Store

    scorer = load_scorer(args.eval)
    files: dict[str, Path] = {}
    gold: dict[str, str] = {}
    for split in SPLITS:
        for path in sorted((args.eval / split / "pages").glob("*.html")):
            files[path.stem] = path
        gold.update(scorer.load_gold(args.eval / split / "gold"))
    routes, article_of, lists = build_site({pid: path.read_bytes() for pid, path in files.items()}, args.per_page)

    server = Server(routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    source = Source(name="real-pages", kind="listing", start_urls=(base + lists[0],),
                    allow=(r"/a/", r"/list/"), focused=False)
    try:
        with tempfile.TemporaryDirectory(prefix="crawl-real-") as tmp, Store(Path(tmp) / "bench.duckdb") as store:
            started = time.monotonic()
            first = run_crawl(store, [source], load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
            first_seconds = time.monotonic() - started
            first_log = list(server.log)
            second = run_crawl(store, [source], load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
            second_log = server.log[len(first_log):]
            rows = store.conn.execute(
                "SELECT url, part, text FROM articles WHERE source = ? ORDER BY url, part", [source.name]).fetchall()
            errors = store.errors(first.run_id)
    finally:
        server.shutdown()
        server.server_close()

    stored: dict[str, list[str]] = {}
    for url, _part, text in rows:
        stored.setdefault(url.removeprefix(base), []).append(text or "")
    path_to_id = {path: pid for pid, path in article_of.items()}
    stored_text = {path_to_id[p]: "\n".join(t) for p, t in stored.items() if p in path_to_id}
    fetched_once = {p for p in first_log if p.startswith("/a/")}
    served = set(article_of.values())
    refetched = [p for p in second_log if p in served]  # the real article pages
    dead_again = [p for p in second_log if p.startswith("/a/") and p not in served]
    lists_read = {p for p in first_log if p in set(lists)}
    extracted = extract_texts(files)

    def mean_f1(texts: dict[str, str]) -> float:
        return sum(scorer.page_scores(texts.get(pid, ""), gold.get(pid, ""))[2] for pid in files) / len(files)

    f1_stored, f1_extract = mean_f1(stored_text), mean_f1(extracted)
    counts = first.counts["sources"][source.name]
    print(f"real pages: {len(files)} ({', '.join(SPLITS)}), {len(lists)} list pages of {args.per_page}, "
          f"opaque URLs, no charset header")
    print(f"stored:                       {len(stored_text)} / {len(files)} "
          f"(articles rows {len(rows)}, fetched {len(fetched_once)}, first run {first_seconds:.1f} s, "
          f"status {first.status})")
    print(f"list pages read:              {len(lists_read)} / {len(lists)}")
    second_counts = second.counts["sources"][source.name]
    print(f"refetched on the second run:  {len(refetched)} article pages "
          f"(skipped as known: {second_counts['skipped_known']}; dead links the real pages make under /a/:"
          f" {second_counts['skipped_missing']} remembered, {len(dead_again)} requested again"
          + (f", e.g. {', '.join(sorted(set(dead_again))[:4])}" if dead_again else "") + ")")
    print(f"extraction F1 vs gold:        stored {f1_stored:.4f}, `edualliance extract` {f1_extract:.4f}, "
          f"difference {f1_stored - f1_extract:+.4f}")
    missing = sorted(set(files) - set(stored_text))
    if missing:
        print(f"not stored ({len(missing)}): " + ", ".join(missing[:20]))
        for target, stage, message in errors[:10]:
            print(f"  error {stage}: {target}: {message}")
    print(f"first-run counts: {json.dumps({k: v for k, v in counts.items() if k != 'flags'}, ensure_ascii=False)}")
    ok = (len(stored_text) == len(files) and len(lists_read) == len(lists) and not refetched
          and abs(f1_stored - f1_extract) <= 0.02)
    print("goal met" if ok else "goal NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
