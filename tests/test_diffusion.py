"""edualliance diffusion: first report per province and city, table and chart."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from synthetic_corpus import generate  # bench/ (tests/conftest.py puts it on the path)

from edualliance.pipeline.cli import main
from edualliance.pipeline.diffusion import first_reports
from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot
from edualliance.pipeline.store import Store


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.duckdb"
    with Store(path) as store:
        articles, labels = generate(3000, seed=5, years=3, with_clusters=True)
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        publish_snapshot(store)
    return path


def test_first_reports_match_the_earliest_labelled_article(tmp_path: Path):
    db = _db(tmp_path)
    with open_snapshot(db) as store:
        provinces = first_reports(store, "jiaolianti", "province")
        cities = first_reports(store, "jiaolianti", "city")
        earliest = dict(store.conn.execute(
            "SELECT region_province, min(published_at) FROM research_articles"
            " WHERE list_contains(labels, 'jiaolianti') GROUP BY 1").fetchall())
    assert provinces and len(provinces) == len(earliest)
    assert {r.province: r.first_published for r in provinces} == earliest
    assert [r.first_published for r in provinces] == sorted(r.first_published for r in provinces)
    assert all(r.city for r in cities) and len(cities) >= len(provinces)


def test_cli_prints_the_table_and_writes_the_chart(tmp_path: Path):
    db = _db(tmp_path)
    result = CliRunner().invoke(main, ["--db", str(db), "diffusion", "--label", "jiaolianti",
                                       "--out", str(tmp_path / "charts")])
    assert result.exit_code == 0, result.output
    assert "first report" in result.output and "省" in result.output
    svg = (tmp_path / "charts" / "diffusion-jiaolianti-province.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "#d62728" in svg and "<circle" in svg
    html = (tmp_path / "charts" / "diffusion-jiaolianti-province.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html
    table_only = CliRunner().invoke(main, ["--db", str(db), "diffusion", "--label", "urban_rural", "--level",
                                           "city", "--no-files"])
    assert table_only.exit_code == 0 and "市" in table_only.output and ".svg" not in table_only.output


def test_escapes_region_names():
    from datetime import datetime

    from edualliance.pipeline.diffusion import FirstReport, html, markdown

    hostile = [FirstReport("<b>省</b>", None, datetime(2025, 1, 1), 1, "<script>x</script>", "o")]
    assert "<script>" not in html(hostile, "jiaolianti", "province")
    assert "<b>" not in markdown(hostile, "jiaolianti", "province")
