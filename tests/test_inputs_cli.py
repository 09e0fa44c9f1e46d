"""Issue 12 through the command line: classify's hostile input, extract's UTF-8 output,
sql's one read statement, repost reach in stories, and the national region level."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from edualliance.pipeline.cli import main
from edualliance.pipeline.store import Store

TEXT = "该区大力推进集团化办学，组建6个教育集团，实行总校长负责制，集团内师资统一调配。"
GOOD = json.dumps({"id": "a", "text": TEXT}, ensure_ascii=False)


def classify(data: bytes):
    return CliRunner().invoke(main, ["classify", "-"], input=data)


def labelled(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- classify ---------------------------------------------------------------------------------


def test_one_invalid_utf8_line_is_named_and_the_others_are_labelled():
    data = GOOD.encode() + b'\n{"text": "\xff\xfe\x80"}\n' + GOOD.replace('"a"', '"b"').encode()
    result = classify(data)
    assert [r["id"] for r in labelled(result)] == ["a", "b"]
    assert "<stdin>:2: not a JSON record with text" in result.stderr
    assert result.exit_code == 1


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le"])
def test_gbk_and_utf16_files_are_read(encoding):
    result = classify((GOOD + "\n" + GOOD.replace('"a"', '"b"')).encode(encoding))
    assert [r["primary"] for r in labelled(result)] == ["group_run", "group_run"]
    assert result.exit_code == 0, result.stderr


def test_a_100000_deep_array_is_one_line_error():
    result = classify(b"[" * 100_000 + b"]" * 100_000 + b"\n" + GOOD.encode())
    assert [r["id"] for r in labelled(result)] == ["a"]
    assert "<stdin>:1: not a JSON record with text: JSON nested too deeply" in result.stderr
    assert result.exit_code == 1


def test_a_lone_surrogate_is_replaced_and_the_output_is_utf8():
    result = classify(b'{"id": "s", "text": "\\ud800' + TEXT.encode() + b'"}')
    (record,) = labelled(result)
    assert record["text"].startswith("\ufffd") and record["primary"] == "group_run"
    result.stdout_bytes.decode("utf-8")  # strict
    assert result.exit_code == 0


def test_classify_exits_2_when_no_line_is_a_record():
    result = classify(b"not json\n[1, 2]\n")
    assert result.stdout == "" and result.exit_code == 2
    assert "<stdin>:1:" in result.stderr and "<stdin>:2:" in result.stderr


def test_classify_names_a_record_left_without_prose():
    menu = json.dumps({"id": "nav", "text": "首页 > 新闻中心 > 正文\n分享到：\n【打印】【关闭】"}, ensure_ascii=False)
    result = classify(f"{GOOD}\n{menu}\n".encode())
    first, second = labelled(result)
    assert first["primary"] == "group_run" and second["primary"] == "none" and result.exit_code == 0
    assert "record 2 (id 'nav'): no prose left" in result.stderr and "record 1" not in result.stderr


# -- extract → classify -----------------------------------------------------------------------


def test_extract_writes_valid_utf8_for_non_utf8_names_and_lone_surrogates(tmp_path: Path):
    name = os.fsdecode(b"\xc7\xf8\xd3\xf2.html")  # 区域 in GBK: not UTF-8
    page = tmp_path / name
    page.write_bytes(f"<html><body><h1>集团化办学</h1><p>{TEXT}&#xD800;</p></body></html>".encode()
                     .replace(b"<p>", b"<p>\xed\xa0\x80", 1))
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 0, result.stderr
    line = result.stdout_bytes.decode("utf-8")  # strict: would raise on surrogate escapes
    record = json.loads(line)
    assert record["source_path"].endswith("\\xc7\\xf8\\xd3\\xf2.html") and TEXT in record["text"]
    piped = classify(result.stdout_bytes)
    assert piped.exit_code == 0 and labelled(piped)[0]["primary"] == "group_run"


def test_extract_names_a_page_of_links(tmp_path: Path):
    links = "".join(f"<li><a href='/n/{i}.html'>某区学区制改革第{i}次推进会召开</a></li>" for i in range(12))
    page = tmp_path / "links.html"
    page.write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "links.html: no article: a page of links" in result.stderr


# -- sql: exactly one read statement -------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sql") / "corpus.duckdb"
    seeds = Path(__file__).resolve().parents[1] / "corpus" / "seeds"
    CliRunner().invoke(main, ["--db", str(db), "ingest", str(seeds)])
    return db


@pytest.mark.parametrize("query", [
    "SELECT count(*) FROM articles",
    "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
    "FROM articles SELECT count(*)",
    "DESCRIBE articles",
    "SHOW TABLES",
    "SUMMARIZE SELECT 1 AS x",
    "EXPLAIN SELECT count(*) FROM articles",
])
def test_sql_runs_one_read_statement(corpus_db: Path, query: str):
    result = CliRunner().invoke(main, ["--db", str(corpus_db), "sql", query])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("query, why", [
    ("CALL enable_logging(storage_path='/tmp/l'); SELECT 1", "2 statements"),
    ("SELECT 1; SELECT 2", "2 statements"),
    ("CALL enable_logging(storage_path='/tmp/l')", "CALL"),
    ("PRAGMA show_tables", "PRAGMA"),
    ("SET threads = 1", "SET"),
    ("ATTACH 'other.duckdb'", "ATTACH"),
    ("COPY articles TO 'out.csv'", "COPY"),
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'", "only a read statement can be explained"),
    ("   ", "no SQL statement"),
    ("SELEC 1", "not valid SQL"),
])
def test_sql_refuses_everything_else_with_a_message(corpus_db: Path, query: str, why: str):
    result = CliRunner().invoke(main, ["--db", str(corpus_db), "sql", query])
    assert result.exit_code == 1
    assert "query refused" in result.output and why in result.output


def test_a_select_cannot_switch_a_setting_on(corpus_db: Path):
    result = CliRunner().invoke(main, ["--db", str(corpus_db), "sql",
                                       "SELECT * FROM enable_logging(storage_path='/tmp/l')"])
    assert result.exit_code == 1 and "locked" in result.output


# -- stories count carrying outlets; national news has no province -------------------------------

STORY = ("新华社北京3月1日电 教育部近日印发《关于推进城乡学校共同体建设的意见》，要求到2027年，"
         "城乡学校共同体覆盖所有乡村学校，城区优质学校骨干教师每学期到乡村学校任教不少于一个月。"
         "意见提出，共同体内学校实行管理、教研、考核一体化，推动城乡义务教育优质均衡发展。")


def _repost(site: str, n: int) -> bytes:
    return (f"<html><head><title>教育部印发城乡学校共同体意见_{site}</title>"
            f"<meta property='og:site_name' content='{site}'></head><body>"
            f"<h1>教育部印发城乡学校共同体意见</h1><div>2024-03-0{n} 来源：新华社</div>"
            f"<p>{STORY}</p><p>（第{n}次转载）</p></body></html>").encode()


def test_a_story_carried_by_three_sites_counts_three_outlets(tmp_path: Path):
    folder = tmp_path / "reposts"
    folder.mkdir()
    for n, site in enumerate(["新浪网", "搜狐网", "某某教育网"], 1):
        (folder / f"p{n}.html").write_bytes(_repost(site, n))
    db = tmp_path / "c.duckdb"
    assert CliRunner().invoke(main, ["--db", str(db), "ingest", str(folder)]).exit_code == 0
    with Store(db, read_only=True) as store:
        rows = store.conn.execute(
            "SELECT outlet, carrier, region_level, region_province FROM articles ORDER BY carrier").fetchall()
        story = store.conn.execute("SELECT articles, outlets, outlet_names, original_outlets FROM stories").fetchall()
    assert rows == [("新华社", site, "national", None) for site in sorted(["新浪网", "搜狐网", "某某教育网"])]
    assert story == [(3, 3, sorted(["新浪网", "搜狐网", "某某教育网"]), ["新华社"])]
