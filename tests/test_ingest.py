"""Bad input is reported per file, recorded, and never stops the run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from edualliance.pipeline.cli import main
from edualliance.pipeline.store import Store

GOOD = "某县推进学区制改革\n该县将全县中小学划分为8个学区，每个学区由一所优质学校任学区长学校，统筹学区内教研、师资和课程资源。\n"


def _bad_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {
        "empty": folder / "empty.txt",
        "binary": folder / "image.html",
        "latin1": folder / "latin1.txt",
        "missing": folder / "does-not-exist.html",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    files["latin1"].write_bytes("Caf\xe9 cr\xe8me br\xfbl\xe9e, \xa9 1998 \xae\n".encode("latin-1"))
    return files


def test_each_bad_input_gets_a_one_line_error_and_is_recorded(tmp_path: Path, db_path: Path):
    files = _bad_inputs(tmp_path / "in")
    good = tmp_path / "in" / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(db_path), "ingest", *map(str, files.values()), str(good)])
    assert result.exit_code == 1, result.output  # some inputs failed, one was stored
    error_lines = [x for x in result.stderr.splitlines() if x.startswith("edualliance: ")]
    assert len(error_lines) == 4
    for name, path in files.items():
        assert any(path.name in line for line in error_lines), name
    with Store(db_path, read_only=True) as store:
        targets = {t for (t,) in store.conn.execute("SELECT target FROM errors").fetchall()}
        assert store.article_count() == 1
    assert {Path(t).name for t in targets} == {p.name for p in files.values()}


def test_exit_codes_all_some_nothing(tmp_path: Path, db_path: Path):
    """0: every input yielded records; 1: some inputs failed; 2: nothing was processed."""
    files = _bad_inputs(tmp_path / "in")
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    for command in (["--db", str(db_path), "ingest"], ["extract"]):
        result = CliRunner().invoke(main, [*command, *map(str, files.values())])
        assert result.exit_code == 2, result.output
        if command == ["extract"]:
            assert result.stdout == ""
        result = CliRunner().invoke(main, [*command, str(files["empty"]), str(good)])
        assert result.exit_code == 1, result.output
        result = CliRunner().invoke(main, [*command, str(good)])
        assert result.exit_code == 0, result.output


def test_earlier_data_survives_a_run_of_bad_files(tmp_path: Path, db_path: Path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    CliRunner().invoke(main, ["--db", str(db_path), "ingest", str(good)])
    files = _bad_inputs(tmp_path / "in")
    CliRunner().invoke(main, ["--db", str(db_path), "ingest", *map(str, files.values())])
    with Store(db_path, read_only=True) as store:
        assert store.article_count() == 1
        runs = store.conn.execute("SELECT status FROM runs ORDER BY run_id").fetchall()
        sources = store.conn.execute("SELECT name, kind FROM sources").fetchall()
    assert runs == [("finished",), ("finished",)]
    assert sources == [("local", "local")]


# -- issue 12: every input accounted for ------------------------------------------------------

import os  # noqa: E402

import pytest  # noqa: E402

from edualliance.models.keywords import KeywordClassifier  # noqa: E402
from edualliance.pipeline.ingest import ingest_paths  # noqa: E402

HTML = ("<html><head><title>学区制改革</title></head><body><h1>学区制改革</h1><p>{}</p></body></html>")
PROSE = "该县将全县中小学划分为8个学区，每个学区由一所优质学校任学区长学校，统筹学区内教研、师资和课程资源。"


def _ingest(store_path: Path, *paths) -> tuple[dict, list, list]:
    seen = []
    with Store(store_path) as store:
        run_id, counts = ingest_paths(store, list(paths), KeywordClassifier(), on_error=seen.append)
        rows = store.conn.execute("SELECT target, stage, message FROM errors WHERE run_id = ?", [run_id]).fetchall()
    return counts.as_dict(), seen, rows


def test_the_walk_names_everything_it_does_not_read(tmp_path: Path, db_path: Path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.html").write_text(HTML.format(PROSE), encoding="utf-8")
    (folder / "b.xhtml").write_text(HTML.format(PROSE + "一"), encoding="utf-8")
    (folder / "show.php").write_text(HTML.format(PROSE + "二"), encoding="utf-8")
    (folder / "index").write_text(HTML.format(PROSE + "三"), encoding="utf-8")  # no extension
    (folder / "old.asp").write_bytes(b"Microsoft VBScript runtime error '800a000d'")
    (folder / "logo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (folder / "gone.html").symlink_to(folder / "nowhere.html")
    os.mkfifo(folder / "pipe.html")
    counts, seen, rows = _ingest(db_path, folder)
    with Store(db_path, read_only=True) as store:
        assert store.article_count() == 4
    why = {Path(e.target).name: e.message for e in seen}
    assert set(why) == {"old.asp", "logo.jpg", "gone.html", "pipe.html"}
    assert "FIFO" in why["pipe.html"] and "broken symbolic link" in why["gone.html"]
    assert ".jpg is not a page extension" in why["logo.jpg"] and "does not start like HTML" in why["old.asp"]
    assert len(rows) == 4 and counts["skipped"] == 4 and counts["errors"] == 4


def test_a_file_name_that_is_not_utf8_is_stored_with_escapes(tmp_path: Path, db_path: Path):
    folder = tmp_path / "gbk-names"
    folder.mkdir()
    name = os.fsdecode("学区".encode("gbk") + b".html")  # a GBK name on a UTF-8 file system
    (folder / name).write_text(HTML.format(PROSE), encoding="utf-8")
    (folder / "ok.html").write_text(HTML.format(PROSE + "二"), encoding="utf-8")
    counts, seen, _ = _ingest(db_path, folder)
    assert seen == [] and counts["articles_new"] == 2
    with Store(db_path, read_only=True) as store:
        paths = [p for (p,) in store.conn.execute("SELECT path FROM pages ORDER BY path").fetchall()]
    assert any(p.endswith("\\xc7\\xf8.html") for p in paths), paths  # D1 A7 happens to be UTF-8


def test_a_page_of_links_is_a_named_no_article_line(tmp_path: Path, db_path: Path):
    links = "".join(f"<li><a href='/n/{i}.html'>某区学区制改革第{i}次推进会召开</a></li>" for i in range(12))
    page = tmp_path / "links.html"
    page.write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    counts, seen, rows = _ingest(db_path, page)
    assert [e.stage for e in seen] == ["no-article"] and "a page of links" in seen[0].message
    assert rows == [(str(page.resolve()), "no-article", seen[0].message)]
    assert counts["no_article"] == 1 and counts["errors"] == 1


def test_a_bogus_charset_among_good_files_loses_nothing(tmp_path: Path, db_path: Path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for n, charset in enumerate(["utf-8", "undefined", "idna", "gbk"]):
        (folder / f"p{n}.html").write_bytes(
            HTML.format(PROSE + "一二三四"[n]).replace("<head>", f"<head><meta charset='{charset}'>")
            .encode("gbk" if charset == "gbk" else "utf-8"))
    counts, seen, _ = _ingest(db_path, folder)
    assert seen == [] and counts["articles_new"] == 4


def test_a_page_the_database_refuses_does_not_lose_its_batch(tmp_path: Path, db_path: Path, monkeypatch):
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(4):
        (folder / f"p{n}.html").write_text(HTML.format(PROSE + "一二三四"[n]), encoding="utf-8")
    original = Store.save_pages

    def refuse_p2(self, items, run_id):
        if any((raw.path or "").endswith("p2.html") for raw, _ in items):
            raise ValueError("refused by the database")
        return original(self, items, run_id)

    monkeypatch.setattr(Store, "save_pages", refuse_p2)
    counts, seen, rows = _ingest(db_path, folder)
    assert [(Path(e.target).name, e.stage) for e in seen] == [("p2.html", "store")]
    assert counts["articles_new"] == 3 and counts["errors"] == 1
    assert [Path(t).name for t, _, _ in rows] == ["p2.html"]


def test_a_classifier_failure_on_one_text_keeps_the_others(tmp_path: Path, db_path: Path, monkeypatch):
    folder = tmp_path / "cls"
    folder.mkdir()
    for n in range(3):
        (folder / f"p{n}.html").write_text(HTML.format(PROSE + "一二三"[n]), encoding="utf-8")
    original = KeywordClassifier.classify

    def fail_on_two(self, texts):
        if any(text.endswith("二") for _, text in texts):
            raise RuntimeError("model failed")
        return original(self, texts)

    monkeypatch.setattr(KeywordClassifier, "classify", fail_on_two)
    counts, seen, _ = _ingest(db_path, folder)
    assert [e.stage for e in seen] == ["classify"]
    assert counts["articles_new"] == 3 and sum(counts["labels"].values()) == 2


@pytest.mark.parametrize("charset", ["undefined", "idna"])
def test_extract_survives_a_bogus_charset(tmp_path: Path, charset):
    page = tmp_path / "p.html"
    page.write_bytes(HTML.format(PROSE).replace("<head>", f"<head><meta charset='{charset}'>").encode("utf-8"))
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 0 and PROSE in result.stdout
