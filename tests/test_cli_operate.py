"""The crawler's command-line output, through the library pieces it prints: `sources check`
against a loopback server, and the per-source report `crawl` and `run` end with."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from edualliance.crawler.check import check_targets
from edualliance.crawler.registry import Source
from edualliance.crawler.report import report_notes, report_table
from edualliance.crawler.run import CrawlReport
from edualliance.pipeline.cli import main


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/up/"):
            body = "<html><body>教联体</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _registry(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "up"\nkind = "listing"\nstart_urls = ["{base}/up/list.html"]\n\n'
        '[[source]]\nname = "gone"\nkind = "listing"\nstart_urls = ["{base}/moved/"]\n',
        encoding="utf-8")
    return path


def test_sources_check_reports_each_start_url_and_fails_on_a_dead_one(site: str, tmp_path: Path):
    registry = str(_registry(tmp_path))
    result = CliRunner().invoke(main, ["sources", "check", "--sources", registry, "--base", site])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"ok   up: {site}/up/list.html — HTTP 200 text/html")
    assert lines[1] == f"FAIL gone: {site}/moved/ — HTTP 404"

    only_up = CliRunner().invoke(main, ["sources", "check", "--sources", registry, "--base", site, "up"])
    assert only_up.exit_code == 0 and len(only_up.output.splitlines()) == 1


def test_sources_check_names_an_unreachable_host(tmp_path: Path):
    with socket.socket() as probe:  # a free loopback port, closed again: nothing answers there
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = CliRunner().invoke(main, ["sources", "check", "--sources", str(_registry(tmp_path)),
                                       "--base", dead, "--timeout", "2", "up"])
    assert result.exit_code == 1
    assert result.output.startswith(f"FAIL up: {dead}/up/list.html — unreachable")


def test_check_targets_fill_search_templates_with_the_first_keyword_page_one():
    source = Source(name="s", kind="search", keywords=("城乡 共同体", "教联体"),
                    start_urls=("https://x.example/search?q={keyword}&p={page}", "https://x.example/"))
    assert check_targets(source) == [
        "https://x.example/search?q=%E5%9F%8E%E4%B9%A1%20%E5%85%B1%E5%90%8C%E4%BD%93&p=1",
        "https://x.example/",
    ]


def test_crawl_report_table_aligns_counts_and_notes_only_unflagged_source_notes():
    report = CrawlReport(run_id=7, status="finished", exit_code=0, counts={
        "sources": {
            "a-long-source-name": {"listed": 12, "fetched": 10, "new": 3, "errors": 1,
                                   "flags": ["a-long-source-name listed 0 articles (40 last run)"]},
            "b": {"listed": 5, "not_modified": 4, "flags": ["robots.txt forbids /edu/"]},
        },
        "flags": ["a-long-source-name listed 0 articles (40 last run)"],
    })
    header, first, second = report_table(report)
    assert header == ("source              listed  fetched  new  updated  off-topic  not-modified"
                      "  skipped-known  errors")
    assert first.split() == ["a-long-source-name", "12", "10", "3", "0", "0", "0", "0", "1"]
    assert second.split() == ["b", "5", "0", "0", "0", "0", "4", "0", "0"]
    # every count ends under the end of its head
    for line in (first, second):
        assert len(line) == len(header)
    assert report_notes(report) == [
        "FLAG: a-long-source-name listed 0 articles (40 last run)",
        "note: b: robots.txt forbids /edu/",
    ]
