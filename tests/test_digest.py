"""The weekly digest: sections and counts in both languages, escaping of hostile
crawled text, the self-contained HTML rendered in headless Chromium, the Atom
feed, e-mail with PNG charts over a real local SMTP server."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import struct
import subprocess
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pytest
from click.testing import CliRunner

from edualliance.pipeline.charts import COLOURS
from edualliance.pipeline.cli import main
from edualliance.pipeline.digest import build_digest, week_name, write_digest
from edualliance.pipeline.records import LABELS
from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot
from edualliance.pipeline.store import Store, utcnow

HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(2)>教联体 新闻'
HOSTILE_OUTLET = '"><svg onload=alert(3)>日报'


def active_markup(page: str) -> list[str]:
    """Every script element, event-handler attribute and javascript: URL in an HTML page."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed"):
                found.append(f"<{tag}>")
            for name, value in attrs:
                if name.startswith("on"):
                    found.append(f"{tag} {name}={value}")
                if name in ("href", "src", "xlink:href") and (value or "").strip().lower().startswith(
                        ("javascript:", "data:text/html")):
                    found.append(f"{tag} {name}={value}")

    Finder().feed(page)
    return found


def this_week() -> datetime:
    """Monday 00:00 (Beijing) of the current week: errors recorded now fall in it."""
    now = utcnow() + timedelta(hours=8)
    return datetime.combine((now - timedelta(days=now.weekday())).date(), datetime.min.time())


def _article(i: int, *, published: datetime, title: str, province: str | None, city: str | None = None,
             outlet: str = "中国教育报", cluster: str | None = None, canonical: bool = True,
             source: str = "test", stored: datetime | None = None, url: str | None = None,
             text: str = "各地推进改革。") -> dict:
    article_id = f"a{i:05d}"
    stored = stored or published - timedelta(hours=8) + timedelta(hours=1)
    return {
        "article_id": article_id, "page_id": f"p{i:05d}", "page_key": f"https://ex.cn/{i}", "part": 0,
        "url": url or f"https://ex.cn/{i}", "path": None, "source": source, "site": "ex.cn", "title": title,
        "published_at": published, "outlet": outlet, "reposted_from": None, "author": None, "text": text,
        "text_normalized": text, "content_hash": f"h{i}", "script": "simplified",
        "extractor_version": "t", "region_province": province, "region_city": city, "region_county": None,
        "stored_at": stored, "updated_at": stored, "cluster_id": cluster or article_id,
        "is_canonical": canonical,
    }


def _labels(article_id: str, labels: list[str], when: datetime, sense: str | None = None) -> list[dict]:
    return [
        {"article_id": article_id, "model_version": "test-1", "label": label,
         "score": 0.9 if label in labels else 0.1, "assigned": label in labels,
         "is_primary": bool(labels) and label == labels[0],
         "sense": (sense or "school_alliance") if label == "jiaolianti" and label in labels else None,
         "classified_at": when}
        for label in LABELS
    ]


def record_run(store: Store, started_utc: datetime, sources: dict[str, dict], status: str = "finished",
               flags: tuple[str, ...] = ()) -> int:
    """A crawl run as the crawler records it, started at ``started_utc``."""
    run = store.start_run("crawl")
    store.finish_run(run, status, {"sources": sources, "flags": list(flags)})
    store.conn.execute("UPDATE runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
                       [started_utc, started_utc + timedelta(minutes=20), run])
    return run


def build_corpus(db: Path, week: datetime) -> None:
    """A corpus around ``week``: history in the previous weeks, a three-outlet story,
    a first report, a hostile article, a source that went silent."""
    articles, labels = [], []
    n = 0

    def add(label_list: list[str], sense: str | None = None, **kw) -> None:
        nonlocal n
        n += 1
        row = _article(n, **kw)
        articles.append(row)
        labels.extend(_labels(row["article_id"], label_list, row["stored_at"], sense))

    for back in range(1, 13):  # twelve weeks of history: jiaolianti in 广东省 every week
        monday = week - timedelta(weeks=back)
        add(["jiaolianti"], published=monday + timedelta(days=1, hours=9), title=f"广州教联体第{back}周",
            province="广东省", city="广州市", text="广州市推进教联体建设，协同育人。")
        add([], published=monday + timedelta(days=2, hours=9), title=f"其他新闻{back}", province="广东省",
            source="silent-source", stored=monday + timedelta(days=2))
    # This week: one urban-rural story carried by three outlets, first in 浙江省.
    for k, outlet in enumerate(("浙江日报", "中国教育报", "人民网")):
        add(["urban_rural"], published=week + timedelta(days=1, hours=8 + k), title="杭州组建城乡教育共同体",
            province="浙江省", city="杭州市", outlet=outlet, cluster="story-zj", canonical=k == 0,
            text="杭州市城乡教育共同体建设全面铺开，山海协作结对帮扶。")
    add(["jiaolianti"], published=week + timedelta(days=2, hours=10), title="广州教联体本周",
        province="广东省", city="广州市", text="广州市推进教联体建设。")
    add(["jiaolianti", "group_run"], published=week + timedelta(days=3, hours=10), title=HOSTILE_TITLE,
        province="四川省", city="成都市", outlet=HOSTILE_OUTLET, url="javascript:alert(4)",
        text="成都市教联体与集团化办学并进。<script>alert(5)</script>")
    # 教联体 in the home–school–society sense, first in 湖南省: counted apart, never a first report.
    add(["jiaolianti"], sense="home_school_society", published=week + timedelta(days=4, hours=9),
        title="长沙家校社协同育人教联体", province="湖南省", city="长沙市", text="长沙市家校社协同育人教联体。")
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(pa.Table.from_pylist(articles))
        store.bulk_load_classifications(pa.Table.from_pylist(labels))
        # An earlier week's run: both sources delivered. This week's run: silent-source did not.
        record_run(store, week - timedelta(weeks=2, hours=5), {
            "test": {"listed": 4, "fetched": 4, "new": 2}, "silent-source": {"listed": 3, "fetched": 3, "new": 3}})
        record_run(store, week + timedelta(days=1) - timedelta(hours=8), {
            "test": {"listed": 9, "fetched": 7, "new": 6, "updated": 1, "errors": 1},
            "silent-source": {"listed": 0}}, flags=("silent-source listed 3 article URLs last run and none now",))
        run = store.start_run("crawl")
        store.record_error(run, "https://broken.example.cn/list.html", "fetch", "HTTP 503 <b>oops</b>")
        store.record_error(run, "moe-news", "crawl", "source 'moe-news' listed 12 article URLs last run and none now")
        store.finish_run(run, "failed", {})
        publish_snapshot(store)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, datetime]:
    db = tmp_path_factory.mktemp("digest") / "corpus.duckdb"
    week = this_week()
    build_corpus(db, week)
    return db, week


@pytest.fixture(scope="module")
def written(corpus, tmp_path_factory) -> list[Path]:
    db, week = corpus
    out = tmp_path_factory.mktemp("out")
    with open_snapshot(db) as store:
        return write_digest(store, week=week_name(week), out_dir=out)


def test_counts_are_per_story_and_shares_of_the_week(corpus):
    db, week = corpus
    with open_snapshot(db) as store:
        d = build_digest(store, week.date())
    this = week.date()
    assert d.week_articles[this] == 6  # three reposts + three
    assert d.week_stories[this] == 4
    assert d.stories[(this, "urban_rural")] == 1 and d.articles[(this, "urban_rural")] == 3
    assert d.stories[(this, "jiaolianti")] == 2  # school-alliance sense only
    assert d.stories[(this, "jiaolianti_home_school")] == 1  # the other sense, apart
    assert d.trailing_mean("jiaolianti") == 1.0
    assert len(d.weeks) == 13 and all(d.collected(w) for w in d.weeks)
    top = d.top_stories[0]
    assert (top.title, top.articles, top.outlets) == ("杭州组建城乡教育共同体", 3, 3)
    assert (top.province, top.city, top.url) == ("浙江省", "杭州市", "https://ex.cn/25")
    assert top.snippet.startswith("杭州市城乡教育共同体建设")
    firsts = {(f.label, f.level, f.province, f.city) for f in d.first_reports}
    assert ("urban_rural", "province", "浙江省", None) in firsts
    assert ("jiaolianti", "province", "四川省", None) in firsts
    assert not any(f.province == "广东省" and f.label == "jiaolianti" for f in d.first_reports)
    assert not any(f.province == "湖南省" for f in d.first_reports)  # home–school sense is not 教联体's spread
    zhejiang = next(f for f in d.first_reports if f.label == "urban_rural" and f.level == "province")
    assert zhejiang.url == "https://ex.cn/25" and zhejiang.title == "杭州组建城乡教育共同体"
    assert d.reporting_after[("urban_rural", "province")] == d.reporting_before.get(("urban_rural", "province"), 0) + 1
    # Source health from this week's runs, not from when articles were stored.
    assert len(d.runs) == 2  # this week's crawl and the failed one
    health = {s.source: s for s in d.sources}
    assert (health["test"].new, health["test"].updated, health["test"].errors) == (6, 1, 1)
    assert d.sources_delivering == 1
    assert d.silent_sources == [("silent-source", 3)]
    assert d.flags and "silent-source" in d.flags[0]
    assert any(who == "broken.example.cn" and stage == "fetch" for who, stage, *_ in d.errors)
    assert any(who == "moe-news" and stage == "crawl" for who, stage, *_ in d.errors)
    assert len(d.failed_runs) == 1
    assert set(d.diffusion) == {"urban_rural", "jiaolianti", "group_run"}
    assert [name for _, name in d.diffusion["urban_rural"]] == ["浙江省"]


def test_both_languages_are_written_with_the_same_numbers(written):
    names = sorted(p.name for p in written)
    stem = written[0].name.split(".")[0]
    for lang in ("zh", "en"):
        assert f"{stem}.{lang}.md" in names and f"{stem}.{lang}.html" in names
        assert f"{stem}.{lang}.weekly.png" in names
    assert names[-1] == "feed.xml" or "feed.xml" in names
    by_name = {p.name: p for p in written}
    zh = by_name[f"{stem}.zh.md"].read_text(encoding="utf-8")
    en = by_name[f"{stem}.en.md"].read_text(encoding="utf-8")
    assert zh.startswith("# 教育政策动态周报") and "## 各模式报道数" in zh and "## 本周要闻" in zh
    assert en.startswith("# Policy-trend digest") and "## Top stories" in en
    assert "浙江省 (Zhejiang) 杭州市 (Hangzhou)" in en  # regions glossed in English
    assert "浙江省 杭州市" in zh and "(Zhejiang)" not in zh
    assert "可能超过 100%" in zh and "more than 100%" in en
    numbers = [re.findall(r"\| (\d+) \| (\d+) \| ([\d.]+%) \|", text) for text in (zh, en)]
    assert numbers[0] == numbers[1] and len(numbers[0]) == 5


def test_markdown_has_every_section_and_no_raw_html(written):
    md = next(p for p in written if p.name.endswith(".en.md")).read_text(encoding="utf-8")
    for heading in ("## Stories per model type", "## Regions reporting a model for the first time",
                    "### Diffusion so far", "## Top stories", "## Emerging terms", "## Sources"):
        assert heading in md
    assert "silent-source" in md and "broken.example.cn" in md
    assert "[杭州组建城乡教育共同体](<https://ex.cn/25>)" in md  # top story and first report linked
    assert "<script" not in md and "<img" not in md and "<svg" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md
    assert "javascript:" not in md


def test_html_is_self_contained_and_escapes_crawled_text(written):
    for lang in ("zh", "en"):
        html = next(p for p in written if p.name.endswith(f".{lang}.html")).read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert active_markup(HOSTILE_TITLE + HOSTILE_OUTLET)  # the detector sees them when unescaped
        assert active_markup(html) == []
        assert "javascript:" not in html
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
        # Inline charts: weekly lines, this week's bars, and the diffusion of the three models that spread.
        assert html.count("<svg") == 5
        assert html.count('data-chart="diffusion-') == 3
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html.split('<h2>')[1])
        assert '<a href="https://ex.cn/25"' in html
        for colour in (COLOURS[label] for label in LABELS):
            assert colour in html


def test_charts_are_png_images_for_mail(written):
    pngs = [p for p in written if p.suffix == ".png"]
    assert len(pngs) == 10  # weekly, week and three diffusion charts, per language
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_atom_feed_lists_digests_newest_first(corpus, written, tmp_path):
    db, week = corpus
    out = written[0].parent
    with open_snapshot(db) as store:
        earlier = write_digest(store, week=week_name(week - timedelta(weeks=1)), out_dir=out,
                               feed_base_url="https://digests.example.org/edu")
    feed = ElementTree.parse(earlier[-1]).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    titles = [e.find("a:title", ns).text for e in entries]
    assert titles == [f"教育政策动态周报 {week_name(week)}", f"Policy-trend digest {week_name(week)}",
                      f"教育政策动态周报 {week_name(week - timedelta(weeks=1))}",
                      f"Policy-trend digest {week_name(week - timedelta(weeks=1))}"]
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert links[0] == f"https://digests.example.org/edu/digest-{week_name(week)}.zh.html"
    assert all(e.find("a:updated", ns).text.endswith("Z") for e in entries)
    assert "stories" in entries[1].find("a:summary", ns).text


def test_cli_digest_reads_the_snapshot_while_the_writer_holds_the_database(corpus, tmp_path):
    db, week = corpus
    with Store(db):  # the writer is busy: the digest must not need its file
        result = CliRunner().invoke(main, ["--db", str(db), "digest", "--week", week_name(week),
                                           "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"digest-{week_name(week)}.zh.html").exists()
    assert (tmp_path / f"digest-{week_name(week)}.en.html").exists()
    english = CliRunner().invoke(main, ["--db", str(db), "digest", "--week", week_name(week), "--lang", "en",
                                        "--out", str(tmp_path / "en")])
    assert english.exit_code == 0, english.output
    assert sorted(p.name for p in (tmp_path / "en").glob("*.md")) == [f"digest-{week_name(week)}.en.md"]
    assert (tmp_path / "feed.xml").exists()


def test_digest_of_an_empty_week_still_writes(corpus, tmp_path):
    db, week = corpus
    with open_snapshot(db) as store:
        paths = write_digest(store, week=week_name(week - timedelta(weeks=60)), out_dir=tmp_path, langs="en")
    md = paths[0].read_text(encoding="utf-8")
    assert "No story about a reform model this week." in md and "0 stories" in md
    assert "before collection began" in md


# -- e-mail over a real SMTP server on 127.0.0.1 ------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_email_is_delivered_to_a_local_smtp_server(corpus, tmp_path):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        port = controller.port
        db, week = corpus
        result = CliRunner().invoke(main, [
            "--db", str(db), "digest", "--week", week_name(week), "--out", str(tmp_path),
            "--email", "team@example.org", "--email", "lead@example.org",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-from", "digest@example.org",
        ])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "sent to team@example.org, lead@example.org" in result.output
    assert len(received) == 1
    envelope = received[0]
    assert sorted(envelope.rcpt_tos) == ["lead@example.org", "team@example.org"]
    assert envelope.mail_from == "digest@example.org"
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == (f"教育政策动态周报 {week_name(week)} / "
                                  f"edualliance policy-trend digest {week_name(week)}")
    parts = [part for part in message.walk() if not part.is_multipart()]
    text = {p.get_content_type(): p.get_payload(decode=True).decode("utf-8")
            for p in parts if p.get_content_maintype() == "text"}
    assert "## Stories per model type" in text["text/plain"] and "## 各模式报道数" in text["text/plain"]
    html = text["text/html"]
    assert "<svg" not in html and "<script" not in html.lower()  # mail clients show no inline SVG
    images = [p for p in parts if p.get_content_type() == "image/png"]
    assert len(images) == 10
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert sorted(cids) == sorted(p["Content-ID"].strip().strip("<>") for p in images)


def test_email_failure_is_a_clear_error(corpus, tmp_path):
    port = _free_port()  # nobody listens on it
    db, week = corpus
    result = CliRunner().invoke(main, [
        "--db", str(db), "digest", "--week", week_name(week), "--out", str(tmp_path),
        "--email", "team@example.org", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
    ])
    assert result.exit_code != 0
    assert "could not send the digest" in result.output


# -- headless Chromium -----------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour_type in (2, 6)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, ul = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + left) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa_, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                line[i] = (line[i] + (left if pa_ <= pb and pa_ <= pc else up if pb <= pc else ul)) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=120, env={**os.environ, "HOME": str(profile)},
    )


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                    reason="chromium is not installed (apt-get install -y chromium); CI installs it")
def test_html_renders_in_headless_chromium_with_the_chart_colours(written, tmp_path):
    binary = _chromium()
    page = next(p for p in written if p.name.endswith(".zh.html")).resolve().as_uri()
    shot = tmp_path / "digest.png"
    done = _run_chromium(binary, tmp_path / "profile-shot", "--window-size=1000,1400",
                         f"--screenshot={shot}", page)
    assert done.returncode == 0 and shot.exists(), done.stderr.decode(errors="replace")[-2000:]
    width, channels, rows = _png_pixels(shot.read_bytes())
    seen = set()
    for row in rows[::2]:
        for x in range(0, width * channels, channels * 2):
            seen.add(row[x:x + 3])
    assert len(seen) > 20, "the screenshot is blank"

    def near(colour: str) -> bool:
        target = bytes.fromhex(colour[1:])
        return any(all(abs(a - b) <= 12 for a, b in zip(px, target)) for px in seen)

    for label in LABELS:
        assert near(COLOURS[label]), f"no {label} colour {COLOURS[label]} in the rendered charts"


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                    reason="chromium is not installed (apt-get install -y chromium); CI installs it")
def test_no_script_from_a_crafted_title_survives_into_the_rendered_page(written, tmp_path):
    binary = _chromium()
    page = next(p for p in written if p.name.endswith(".en.html"))
    done = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    dom = done.stdout.decode("utf-8")
    assert "Policy-trend digest" in dom and "<svg" in dom
    assert active_markup(dom) == []
    assert "&lt;script&gt;alert" in dom  # shown as text, not run
