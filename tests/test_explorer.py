"""The explorer through Flask's test client: pages, filters, escaping, CSP, token, CSV,
parameterised queries. (tests/test_explorer_chromium.py drives it in a real browser.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from edualliance.pipeline.explorer import CONTENT_SECURITY_POLICY, create_app
from edualliance.pipeline.explorer.serve import ServeError, check_token
from edualliance.pipeline.hosts import is_loopback

from explorer_corpus import SCRIPT_TITLE, TOKEN, build
from test_digest import active_markup


class NoExplain:
    """Stands in for the classifier only where the page asks for terms (speed); labels come from the db."""

    def classify(self, items):
        from types import SimpleNamespace

        return [SimpleNamespace(evidence={"jiaolianti": ("教联体", "名校")}, model_version="test-1") for _ in items]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    snapshot = build(tmp_path_factory.mktemp("explorer") / "corpus.duckdb")
    return create_app(snapshot, classifier=NoExplain()).test_client()


def test_search_merges_reposts_and_filters(client):
    page = client.get("/search?q=教联体").get_data(as_text=True)
    assert page.count('class="hit"') == 3  # 温州 (3 copies), 长沙, 广州
    assert "3 copies" in page and "浙江在线" in page
    only_zj = client.get("/search?q=教联体&region=浙江省").get_data(as_text=True)
    assert only_zj.count('class="hit"') == 1 and "温州启动教联体建设" in only_zj
    home = client.get("/search?q=教联体&sense=home_school_society").get_data(as_text=True)
    assert home.count('class="hit"') == 1 and "长沙家校社教联体" in home
    dated = client.get("/search?label=group_run&since=2025-03-20&until=2025-03-24").get_data(as_text=True)
    assert dated.count('class="hit"') == 1 and "南京组建教育集团" in dated
    by_outlet = client.get("/search?outlet=四川日报").get_data(as_text=True)
    assert by_outlet.count('class="hit"') == 1
    traditional = client.get("/search?q=教聯體").get_data(as_text=True)
    assert traditional.count('class="hit"') == 3


def test_hostile_input_is_text_and_sql_is_parameterised(client):
    page = client.get("/search?q=教联体").get_data(as_text=True)
    assert active_markup(page) == [] and "javascript:" not in page
    assert "&lt;script&gt;document.title=" in page
    article_id = page.split('href="/article/')[-1].split('"')[0]
    for url in ("/search?region=' OR 1=1 --", "/search?q=教联体' OR '1'='1", "/search?outlet=%22%3B DROP TABLE articles"):
        response = client.get(url)
        assert response.status_code == 200
        assert 'class="hit"' not in response.get_data(as_text=True)
    assert client.get(f"/article/{article_id}").status_code == 200  # still there


def test_article_page_shows_everything_about_an_article(client):
    page = client.get("/search?q=温州").get_data(as_text=True)
    article_id = page.split('href="/article/')[1].split('"')[0]
    article = client.get(f"/article/{article_id}").get_data(as_text=True)
    for expected in ("温州启动教联体建设", "温州市教联体建设启动", "浙江省 温州市", "(Zhejiang, Wenzhou)", "test-1",
                     "0.900", "<code>名校</code>", "Other copies of this story (2)", "repost", "Raw capture",
                     "bytes SHA-256", "https://ex.cn/", "数字 Figures (1)", "<td>三所</td>",
                     "三所名校牵头组建教联体"):
        assert expected in article, expected
    assert client.get("/article/nope").status_code == 404


def test_model_page_and_csv(client):
    page = client.get("/model/jiaolianti").get_data(as_text=True)
    assert "浙江省 (Zhejiang)" in page and "广东省 (Guangdong)" in page
    assert "湖南省" not in page.split("Diffusion")[1]  # the home–school sense does not spread 教联体
    assert page.count("<svg") == 2
    assert client.get("/model/nothing").status_code == 404
    response = client.get("/search.csv?q=教联体")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and {r["region_province"] for r in rows} == {"浙江省", "湖南省", "广东省"}
    assert all(r["url"] for r in rows)
    firsts = client.get("/model/jiaolianti/first-reports.csv").get_data(as_text=True)
    assert "浙江省" in firsts and "湖南省" not in firsts


def test_every_response_forbids_scripts(client):
    for url in ("/search", "/model/urban_rural", "/static/explorer.css", "/article/none"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_token_is_required_when_given(tmp_path: Path):
    snapshot = build(tmp_path / "corpus.duckdb")
    client = create_app(snapshot, token=TOKEN, classifier=NoExplain()).test_client()
    assert client.get("/search").status_code == 401
    assert client.get("/search?token=wrong-token-0123456789").status_code == 401
    assert client.get("/search.csv", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/search", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    first = client.get(f"/search?q=教联体&token={TOKEN}")
    assert first.status_code == 303 and "token" not in first.headers["Location"]
    assert client.get(first.headers["Location"]).status_code == 200  # the cookie now proves it


def test_other_addresses_need_a_token():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    check_token("127.0.0.1", None)
    with pytest.raises(ServeError, match="give a token"):
        check_token("0.0.0.0", None)
    with pytest.raises(ServeError, match="at least"):
        check_token("0.0.0.0", "short")
    check_token("0.0.0.0", TOKEN)


def test_cli_serve_refuses_another_address_without_a_token(tmp_path: Path):
    from click.testing import CliRunner

    from edualliance.pipeline.cli import main

    db = tmp_path / "corpus.duckdb"
    build(db)
    refused = CliRunner().invoke(main, ["--db", str(db), "serve", "--host", "0.0.0.0", "--port", "0"],
                                 env={"EDUALLIANCE_SERVE_TOKEN": ""})
    assert refused.exit_code != 0 and "give a token" in refused.output
    missing = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "serve"])
    assert missing.exit_code != 0 and "no published snapshot" in missing.output
