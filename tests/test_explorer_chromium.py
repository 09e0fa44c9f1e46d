"""The explorer in real headless Chromium (Debian's `chromium`): search, filters, the
article page, a title carrying script that never runs, the token refused and accepted,
a page that renders (not blank). The explorer runs on 127.0.0.1 on a free port."""

from __future__ import annotations

import os
import re

import pytest

from edualliance.pipeline.explorer.serve import ExplorerServer

from explorer_corpus import TOKEN, build
from test_digest import _chromium, _png_pixels, _run_chromium, active_markup
from test_explorer import NoExplain

pytestmark = pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                                reason="chromium is not installed (apt-get install -y chromium); CI installs it")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return build(tmp_path_factory.mktemp("explorer-chromium") / "corpus.duckdb")


@pytest.fixture(scope="module")
def server(snapshot):
    with ExplorerServer(snapshot, classifier=NoExplain()) as running:
        yield running


def dom(tmp_path, url: str, name: str = "p") -> str:
    done = _run_chromium(_chromium(), tmp_path / f"profile-{name}", "--dump-dom", url)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8")


def hits(page: str) -> list[str]:
    return re.findall(r'<a class="title" href="/article/([^"]+)">', page)


def test_search_in_chromium_merges_reposts(server, tmp_path):
    page = dom(tmp_path, f"{server.base_url}/search?q=教联体")
    assert len(hits(page)) == 3
    assert "温州启动教联体建设" in page and "3 copies" in page and "<mark>教联体</mark>" in page


def test_filters_in_chromium(server, tmp_path):
    zhejiang = dom(tmp_path, f"{server.base_url}/search?q=教联体&region=浙江省&sense=school_alliance", "a")
    assert len(hits(zhejiang)) == 1 and "温州启动教联体建设" in zhejiang
    home = dom(tmp_path, f"{server.base_url}/search?sense=home_school_society", "b")
    assert len(hits(home)) == 1 and "长沙家校社教联体" in home
    assert 'selected="">家校社协同' in home or 'value="home_school_society" selected' in home


def test_article_page_in_chromium(server, tmp_path):
    article_id = hits(dom(tmp_path, f"{server.base_url}/search?q=温州", "s"))[0]
    page = dom(tmp_path, f"{server.base_url}/article/{article_id}", "a")
    for expected in ("温州启动教联体建设", "Other copies of this story (2)", "test-1", "<code>名校</code>",
                     "Raw capture", "(Zhejiang, Wenzhou)"):
        assert expected in page, expected


def test_script_in_a_title_is_shown_not_run(server, tmp_path):
    search = dom(tmp_path, f"{server.base_url}/search?q=联合教研", "s")
    assert len(hits(search)) == 1
    article = dom(tmp_path, f"{server.base_url}/article/{hits(search)[0]}", "a")
    assert "政策文件 Policy documents (1)" in article  # the title carries script there too
    for page in (search, article):
        assert "data-pwned" not in page  # no handler or script ran
        assert "<title>PWNED" not in page
        assert active_markup(page) == []
        assert "&lt;script&gt;document.title=" in page  # shown as text
        assert 'href="javascript:' not in page  # the URL is shown, never a link


def test_token_refused_then_accepted(snapshot, tmp_path):
    with ExplorerServer(snapshot, token=TOKEN, classifier=NoExplain()) as guarded:
        refused = dom(tmp_path, f"{guarded.base_url}/search?q=教联体", "r")
        wrong = dom(tmp_path, f"{guarded.base_url}/search?q=教联体&token=not-the-token-0123456", "w")
        accepted = dom(tmp_path, f"{guarded.base_url}/search?q=教联体&token={TOKEN}", "t")
    assert "Token required" in refused and not hits(refused)
    assert "Token required" in wrong and not hits(wrong)
    assert len(hits(accepted)) == 3 and TOKEN not in accepted


def test_model_page_renders_in_chromium(server, tmp_path):
    shot = tmp_path / "model.png"
    done = _run_chromium(_chromium(), tmp_path / "profile-shot", "--window-size=1100,1400",
                         f"--screenshot={shot}", f"{server.base_url}/model/jiaolianti")
    assert done.returncode == 0 and shot.exists(), done.stderr.decode(errors="replace")[-2000:]
    width, channels, rows = _png_pixels(shot.read_bytes())
    seen = {row[x:x + 3] for row in rows[::3] for x in range(0, width * channels, channels * 3)}
    assert len(seen) > 20, "the screenshot is blank"
    assert any(all(abs(a - b) <= 12 for a, b in zip(px, bytes.fromhex("d62728"))) for px in seen)  # 教联体 red
