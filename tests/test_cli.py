"""The CLI contract, run through click's CliRunner on temporary databases."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from click.testing import CliRunner

from edualliance.pipeline.cli import main

EXTRACT_KEYS = {"source_path", "part", "title", "text", "published", "outlet", "author", "url"}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_every_command_help_has_an_example():
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"`edualliance {name} --help` shows no Example:"


def test_extract_prints_the_contract_keys_for_seeds_and_html(seeds_dir: Path, bundled_pages_dir: Path):
    result = run("extract", str(seeds_dir / "000_3a03fd8061864d4f.txt"),
                 str(bundled_pages_dir / "yichang-jiaolianti-gbk.html"))
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    for record in records:
        assert EXTRACT_KEYS <= record.keys()
        assert record["part"] == 0
    seed, gbk = records
    assert seed["title"] == "榕城区试点“教联体”模式,推动基础教育优质均衡发展"
    assert "•" not in seed["text"]
    # GBK page declared as gb2312: decoded, headline not the site name, date and outlet found.
    assert gbk["title"] == "夷陵区：紧密型教联体让山区孩子在家门口上好学"
    assert gbk["published"] == "2026-11-17T09:30:00"
    assert gbk["outlet"] == "夷陵区教育局"
    assert "龙头校" in gbk["text"]
    for boilerplate in ("责任编辑", "分享到", "ICP", "伍家岗区集团化办学推进会召开", "当前位置"):
        assert boilerplate not in gbk["text"], boilerplate


def test_extract_listing_page_gives_one_record_per_item(seeds_dir: Path):
    result = run("extract", str(seeds_dir / "002_229304e13f3f3a57.txt"))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["part"] for r in records] == list(range(20))
    assert all("相似文献" not in r["text"] for r in records)
    assert records[14]["author"] == "李丽、张苗妙"
    assert records[14]["text"].startswith("为推动城乡义务教育优质均衡发展")


def test_classify_writes_labels_primary_and_scores():
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "text": "该区大力推进集团化办学，组建6个教育集团，实行总校长负责制，集团内师资统一调配。"},
        {"id": "b", "text": "今天天气晴朗，市民纷纷外出踏青。"},
        {"id": "c", "text": "麗水推進城鄉教育共同體建設，融合型教共體實現鄉村學校全覆蓋。"},
    ])
    result = run("classify", "-", input=lines + "\nnot json\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["a", "b", "c"]
    assert out[0]["primary"] == "group_run" and out[0]["labels"] == ["group_run"]
    assert out[1]["primary"] == "none" and out[1]["labels"] == []
    assert out[2]["primary"] == "urban_rural"  # Traditional script is normalized first
    assert set(out[0]["scores"]) == {"jiaolianti", "group_run", "district_community", "urban_rural"}
    assert "<stdin>:4: not a JSON record" in result.stderr


def test_classify_explain_names_terms():
    line = json.dumps({"text": "宜昌市推进教联体建设，龙头校带动成员校，教联体内教师统一调配。"}, ensure_ascii=False)
    out = json.loads(run("classify", "--explain", input=line).stdout)
    assert out["primary"] == "jiaolianti"
    assert out["explain"]["jiaolianti"]


def test_ingest_stores_once_and_sql_reads_back(db_path: Path, seeds_dir: Path):
    first = run("--db", str(db_path), "ingest", str(seeds_dir / "000_3a03fd8061864d4f.txt"))
    assert first.exit_code == 0, first.output
    second = run("--db", str(db_path), "ingest", str(seeds_dir))
    assert "1 already stored" in second.output
    third = run("--db", str(db_path), "ingest", str(seeds_dir))
    assert "5 already stored" in third.output
    # sql reads the snapshot: each run, in its own process as here, published its own.
    result = run("--db", str(db_path), "sql", "SELECT count(*) AS n FROM pages", "--json")
    assert json.loads(result.stdout) == {"n": 5}
    result = run("--db", str(db_path), "sql", "SELECT count(*) AS n FROM articles", "--csv")
    assert result.stdout.splitlines() == ["n", "24"]  # 4 articles + 20 listing items
    table = run("--db", str(db_path), "sql", "SELECT title FROM articles WHERE part = 0 ORDER BY title")
    assert "青海乐都:集团化办学助推教育事业高质量发展" in table.stdout
    assert "(5 rows)" in table.stdout


def test_sql_is_read_only(db_path: Path, seeds_dir: Path):
    run("--db", str(db_path), "ingest", str(seeds_dir / "000_3a03fd8061864d4f.txt"))
    result = CliRunner().invoke(main, ["--db", str(db_path), "sql", "DELETE FROM articles"])
    assert result.exit_code != 0
    assert "read-only" in result.output.lower()
    with duckdb.connect(str(db_path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_sql_on_missing_database_says_what_to_do(tmp_path: Path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "sql", "SELECT 1"])
    assert result.exit_code != 0
    assert "edualliance demo" in result.output


def test_db_from_environment(tmp_path: Path, seeds_dir: Path, monkeypatch):
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv("EDUALLIANCE_DB", str(target))
    assert run("ingest", str(seeds_dir / "001_3322f59d8fa83714.txt")).exit_code == 0
    assert target.exists()


SEED_TITLES = {  # seeds 000, 001, 003 and 004 are article pages of the fixture web
    "000": "榕城区试点“教联体”模式",
    "001": "某区集团化办学加快教育均衡发展",
    "003": "青海乐都：集团化办学助推教育事业高质量发展",
    "004": "南昌试点建设片区学校优质均衡发展共同体",
}


def test_demo_stores_seeds_once_with_expected_primary_labels_and_writes_digest(tmp_path: Path):
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    db = out / "demo.duckdb"
    assert f"Database: {db}" in result.output
    assert len([x for x in result.output.splitlines() if x.strip().startswith("edualliance --db")]) == 5
    digests = list(out.glob("digest-*.en.md"))
    assert digests and "Stories per model type" in digests[0].read_text(encoding="utf-8")
    assert list(out.glob("digest-*.zh.html")) and list(out.glob("digest-*.en.html"))
    with duckdb.connect(str(out / "demo.snapshot.duckdb"), read_only=True) as conn:
        # A demo worth looking at: half a year of articles, reposts across outlets, models spreading.
        articles, weeks = conn.execute(
            "SELECT count(*), count(DISTINCT week_start) FILTER (WHERE published_at >= DATE '2026-05-25')"
            " FROM research_articles").fetchone()
        carried = conn.execute("SELECT count(*) FROM stories WHERE outlets >= 2").fetchone()[0]
        spread = conn.execute(
            "SELECT count(*), count(DISTINCT date_trunc('week', first_published)) FROM first_reports"
            " WHERE label = 'jiaolianti' AND level = 'province' AND first_published >= DATE '2026-05-25'").fetchone()
    assert articles >= 150 and weeks >= 26
    assert carried >= 20
    assert spread[0] >= 5 and spread[1] >= 5  # provinces taking up 教联体 in different weeks
    primary = (
        "SELECT coalesce(c.label, 'none') FROM articles a LEFT JOIN classifications c"
        " ON c.article_id = a.article_id AND c.is_primary AND c.assigned"
    )
    with duckdb.connect(str(db), read_only=True) as conn:
        found = {
            seed: conn.execute(f"{primary} WHERE a.title LIKE ? || '%'", [title]).fetchall()
            for seed, title in SEED_TITLES.items()
        }
        listing = conn.execute(
            f"{primary} JOIN pages p ON p.page_id = a.page_id WHERE p.path LIKE '%002_%.txt'"
        ).fetchall()
        pages_002 = conn.execute("SELECT count(*) FROM pages WHERE path LIKE '%002_%.txt'").fetchone()[0]
    assert found == {
        "000": [("jiaolianti",)],
        "001": [("group_run",)],
        "003": [("group_run",)],
        "004": [("district_community",)],
    }
    assert pages_002 == 1 and len(listing) == 20
    labels = [label for (label,) in listing]
    assert max(set(labels), key=labels.count) == "urban_rural"


def test_digest_rejects_bad_week(db_path: Path, seeds_dir: Path):
    run("--db", str(db_path), "ingest", str(seeds_dir))
    result = CliRunner().invoke(main, ["--db", str(db_path), "digest", "--week", "2026-47"])
    assert result.exit_code != 0
    assert "ISO week like 2026-W47" in result.output


def test_cli_start_up_imports_no_heavy_library():
    """`edualliance --help` must answer at once: heavy libraries load inside commands."""
    import subprocess
    import sys

    heavy = ["duckdb", "sklearn", "jieba", "scrapy", "trafilatura", "lxml", "opencc", "twisted"]
    code = (
        "import sys; from edualliance.pipeline.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
