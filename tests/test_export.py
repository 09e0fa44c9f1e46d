"""edualliance export: Parquet partitioned by year and label; CSV with an optional BOM."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow.dataset as ds

from synthetic_corpus import generate  # bench/ (tests/conftest.py puts it on the path)

from edualliance.pipeline.export import BOM, export_csv, export_parquet
from edualliance.pipeline.snapshot import publish_snapshot
from edualliance.pipeline.store import Store


def _store(tmp_path: Path, n: int = 300) -> Store:
    store = Store(tmp_path / "corpus.duckdb")
    articles, labels = generate(n, seed=11, years=3)
    store.bulk_load_articles(articles)
    store.bulk_load_classifications(labels)
    return store


def test_parquet_is_partitioned_by_year_and_label_and_complete(tmp_path: Path):
    with _store(tmp_path) as store:
        files = export_parquet(store, tmp_path / "export")
        expected = store.conn.execute(
            "SELECT year(published_at), primary_label, count(*) FROM research_articles GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert files
    parts = {(p.parent.parent.name, p.parent.name) for p in files}
    assert all(y.startswith("year=") and lab.startswith("label=") for y, lab in parts)
    dataset = ds.dataset(tmp_path / "export", format="parquet", partitioning="hive")
    exported = dataset.to_table()
    assert exported.num_rows == 300
    got = duckdb.sql(
        "SELECT year, label, count(*) FROM exported GROUP BY ALL ORDER BY ALL").fetchall()
    assert [(int(y), lab, n) for y, lab, n in got] == expected
    assert "text_normalized" in exported.column_names and "labels" in exported.column_names


def test_export_again_replaces_the_old_files(tmp_path: Path):
    with _store(tmp_path, 50) as store:
        export_parquet(store, tmp_path / "export")
        export_parquet(store, tmp_path / "export")
    table = ds.dataset(tmp_path / "export", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 50


def test_csv_round_trips_chinese_with_and_without_bom(tmp_path: Path):
    with _store(tmp_path, 40) as store:
        plain = export_csv(store, tmp_path / "a.csv")
        marked = export_csv(store, tmp_path / "b.csv", bom=True, with_text=False)
    assert not plain.read_bytes().startswith(BOM)
    assert marked.read_bytes().startswith(BOM)
    with open(plain, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40
    assert any("教" in (r["title"] or "") for r in rows)
    assert "text_normalized" in rows[0]
    labelled = [r for r in rows if r["labels"]]
    assert labelled and all(set(r["labels"].split(";")) <= {
        "jiaolianti", "group_run", "district_community", "urban_rural"} for r in labelled)
    with open(marked, encoding="utf-8-sig", newline="") as f:
        rows_b = list(csv.DictReader(f))
    assert "text_normalized" not in rows_b[0] and list(rows_b[0])[0] == "article_id"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".bom"))]


def test_export_reads_the_snapshot_too(tmp_path: Path):
    with _store(tmp_path, 30) as store:
        publish_snapshot(store)
    from edualliance.pipeline.snapshot import open_snapshot

    with open_snapshot(tmp_path / "corpus.duckdb") as snap:
        files = export_parquet(snap, tmp_path / "out")
    assert ds.dataset(files, format="parquet").count_rows() == 30


def test_cli_export_reads_the_snapshot_while_the_writer_holds_the_database(tmp_path: Path):
    from click.testing import CliRunner

    from edualliance.pipeline.cli import main

    db = tmp_path / "corpus.duckdb"
    with _store(tmp_path, 25) as store:
        publish_snapshot(store)
        # The writer stays open: export must not need its file.
        csv_out = CliRunner().invoke(main, ["--db", str(db), "export", "--format", "csv", "--bom",
                                            "--no-text", "--out", str(tmp_path / "x.csv")])
        pq_out = CliRunner().invoke(main, ["--db", str(db), "export", "--format", "parquet",
                                           "--out", str(tmp_path / "pq")])
    assert csv_out.exit_code == 0, csv_out.output
    assert pq_out.exit_code == 0, pq_out.output
    assert (tmp_path / "x.csv").read_bytes().startswith(BOM)
    assert ds.dataset(tmp_path / "pq", format="parquet", partitioning="hive").count_rows() == 25
