"""What a crawl run says about itself: progress lines, counts after a resume, and the off-topic
archive that reprocess recovers from (issue 11, defects 7, 9 and 10)."""

from __future__ import annotations

import re
import zlib
from datetime import datetime, timezone

from click.testing import CliRunner

from edualliance.crawler.registry import Source
from edualliance.crawler.reprocess import reprocess
from edualliance.crawler.run import LOOPBACK_SETTINGS, run_crawl
from edualliance.models.loader import load_classifier
from edualliance.pipeline.captures import captures_path, read_capture
from edualliance.pipeline.records import Classification
from edualliance.pipeline.store import Store

from loopsite import LoopServer, Site, headline, listing_site


def county(start: str, **fields) -> Source:
    config = {"kind": "listing", "start_urls": (start,), "allow": (r"/a/", r"/l/"), "focused": False}
    config.update(fields)
    return Source(name="county", **config)


def test_defect7_progress_lines_show_requests_stored_articles_and_queue_per_source(db_path):
    site = Site(latency=0.05)
    built = listing_site(site, [headline(n) for n in range(24)], per_page=6)
    lines: list[str] = []
    with LoopServer(site) as server, Store(db_path) as store:
        run_crawl(store, [county(server.base + built["lists"][0])], load_classifier("keywords"),
                  settings={**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 2},
                  echo=lines.append, progress_seconds=0.3)
    progress = [line for line in lines if line.startswith("… county:")]
    assert progress, lines
    figures = [re.search(r"county: (\d+) requests, (\d+) stored, (\d+) queued", line) for line in progress]
    assert all(figures), progress
    assert max(int(m[1]) for m in figures) > 0
    assert "articles fetched" not in " ".join(lines), "the old line counted stored articles as fetched"


def test_defect9_a_killed_runs_captures_are_counted_apart_after_resume(db_path):
    """Captures a killed run left in the inbox are stored by the next run and counted under
    "resumed": they are neither this run's fetches nor (also) its skipped-known."""
    site = Site()
    built = listing_site(site, [headline(n) for n in range(6)], per_page=6)
    with LoopServer(site) as server, Store(db_path) as store:
        now = datetime.now(timezone.utc)
        left = [["county", "article", server.base + path, server.base + path, 200, "text/html", None, None, None,
                 None, now, site.resources[path].body, None] for path in built["articles"][:2]]
        with store.transaction():
            store.inbox_add(left)
        report = run_crawl(store, [county(server.base + built["lists"][0])], load_classifier("keywords"),
                           settings=LOOPBACK_SETTINGS)
        counts = report.counts["sources"]["county"]
        assert counts["listed"] == 6
        assert counts["fetched"] == 4 and counts["skipped_known"] == 2
        assert counts["fetched"] + counts["skipped_known"] == counts["listed"]
        assert report.counts["resumed"]["county"]["fetched"] == 2
        assert store.article_count() == 6


class RetrainedClassifier:
    """Stands in for a model retrained after the crawl: it labels the canteen articles too."""

    version = "retrained-test"

    def classify(self, items):
        return [Classification(("group_run",), "group_run", {"group_run": 0.9}, self.version) for _ in items]


def test_defect10_off_topic_pages_are_archived_and_reprocess_recovers_them(db_path, tmp_path):
    site = Site()
    topics = ["group_run", "off_topic", "group_run", "off_topic"]
    titles = [headline(n) if t != "off_topic" else f"青川县开展第{n}轮学校食堂食品安全检查" for n, t in enumerate(topics)]
    built = listing_site(site, titles, per_page=4, topics=topics)
    off_topic = {built["articles"][k] for k, t in enumerate(topics) if t == "off_topic"}
    with LoopServer(site) as server, Store(db_path) as store:
        report = run_crawl(store, [county(server.base + built["lists"][0], focused=True)],
                           load_classifier("keywords"), settings=LOOPBACK_SETTINGS)
        counts = report.counts["sources"]["county"]
        assert counts["off_topic"] == 2 and counts["archived"] == 2 and counts["new"] == 2
        assert store.archive_count() == 2
        kept = store.conn.execute("SELECT body_zlib, warc_file, warc_offset, warc_length FROM crawl_archive"
                                  " WHERE url = ?", [server.base + sorted(off_topic)[0]]).fetchone()
        assert kept[0] is None, "the archive keeps where the WARC capture lives, not a second copy"
        assert read_capture(captures_path(db_path), *kept[1:]) == site.resources[sorted(off_topic)[0]].body, \
            "the bytes as received"
        base = server.base
    with Store(db_path) as store:
        run_id, redone = reprocess(store, RetrainedClassifier())
        assert redone.archive.recovered == 2 and redone.archive.still_off_topic == 0
        assert store.archive_count() == 0
        urls = {row[0] for row in store.conn.execute("SELECT url FROM articles").fetchall()}
        assert {base + p for p in off_topic} <= urls
        recovered = store.conn.execute("SELECT count(*) FROM pages WHERE url IN (SELECT unnest(?::VARCHAR[]))"
                                       " AND body IS NULL AND warc_file IS NOT NULL",
                                       [[base + p for p in off_topic]]).fetchone()[0]
        assert recovered == 2, "a recovered page keeps its WARC pointer"
        verdicts = dict(store.conn.execute("SELECT url, verdict FROM crawl_state").fetchall())
        assert all(verdicts[base + p] == "stored" for p in off_topic)
        counts_json = store.conn.execute("SELECT counts FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    assert '"recovered": 2' in counts_json and "labels_before" in counts_json
    # the command says it too
    from edualliance.pipeline.cli import main

    again = CliRunner().invoke(main, ["--db", str(db_path), "reprocess", "--classifier", "keywords"])
    assert again.exit_code == 0, again.output
    assert "off-topic archive: 0 pages re-judged, 0 recovered" in again.output
    assert "primary labels before:" in again.output
