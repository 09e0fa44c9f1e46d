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
    assert result.exit_code == 0, result.output  # something was processed
    error_lines = [x for x in result.stderr.splitlines() if x.startswith("edualliance: ")]
    assert len(error_lines) == 4
    for name, path in files.items():
        assert any(path.name in line for line in error_lines), name
    with Store(db_path, read_only=True) as store:
        targets = {t for (t,) in store.conn.execute("SELECT target FROM errors").fetchall()}
        assert store.article_count() == 1
    assert {Path(t).name for t in targets} == {p.name for p in files.values()}


def test_exit_code_is_nonzero_only_when_nothing_could_be_processed(tmp_path: Path, db_path: Path):
    files = _bad_inputs(tmp_path / "in")
    result = CliRunner().invoke(main, ["--db", str(db_path), "ingest", *map(str, files.values())])
    assert result.exit_code == 1
    result = CliRunner().invoke(main, ["extract", *map(str, files.values())])
    assert result.exit_code == 1
    assert result.stdout == ""


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
