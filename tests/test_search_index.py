"""The search index (migration 0014): the same results as the text scan, kept current,
built resumably, carried by the snapshot, and the `index` command."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

from edualliance.pipeline.cli import main
from edualliance.pipeline.records import LABELS
from edualliance.pipeline.search import BY_INDEX, NO_KEYS, search
from edualliance.pipeline.searchwords import TOKENIZER_VERSION, index_terms, lookup_keys, tokenizer
from edualliance.pipeline.snapshot import open_snapshot, publish_snapshot, snapshot_path
from edualliance.pipeline.store import Store
from edualliance.pipeline.store.research import SearchFilters as Filters
from synthetic_corpus import generate  # bench/ (tests/conftest.py puts it on the path)

#: Written for these tests: false friends (学区房), a word only inside a longer one,
#: Latin letters, repeated and overlapping characters, and a title that holds the term.
EXTRA = [
    ("x1", "学区房价格走低", "某地学区房价格下降，买房者观望。学区房学区房。"),
    ("x2", "学区制改革", "全面推行学区制，每个学区设学区长，学区之间交流。"),
    ("x3", "AI赋能教联体", "教联体引入AI助教，AI课堂在教联体成员校推广。教教联联体体。"),
    ("x4", "城乡教育共同体", "城乡教育共同体\n结对帮扶：城乡、教育、共同体分开写也算。"),
    ("x5", "哈哈哈哈", "共同共同共同体体，共同体共同体共同体。"),
]

QUERIES = ["教联体", "教聯體", "城乡 共同体", '"城乡教育共同体" 结对', "学区", "学区房", "集团化办学 名校+",
           "AI 教联体", "「结对帮扶」", "共同体", "共同", "教育 学校 发展", "不存在的词语组合"]


def _corpus(n: int = 400) -> tuple[pa.Table, pa.Table]:
    articles, labels = generate(n, years=1, with_clusters=True, seed=7)
    rows = articles.to_pylist()
    when = datetime(2025, 6, 1, 9)
    for i, (aid, title, text) in enumerate(EXTRA):
        extra = dict(rows[0], article_id=aid, page_id=f"px{i}", page_key=f"kx{i}", title=title, text=text,
                     text_normalized=text, content_hash=aid, cluster_id=None, published_at=when + timedelta(days=i),
                     region_province="浙江省")
        rows.append(extra)
    more = [{"article_id": aid, "model_version": labels.column("model_version")[0].as_py(), "label": lab,
             "score": 0.1, "assigned": False, "is_primary": False, "sense": None, "classified_at": when}
            for aid, _, _ in EXTRA for lab in LABELS]
    return pa.Table.from_pylist(rows, schema=articles.schema), pa.concat_tables(
        [labels, pa.Table.from_pylist(more, schema=labels.schema)])


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("index") / "corpus.duckdb"
    articles, labels = _corpus()
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        assert store.index_missing(batch=150) == articles.num_rows  # three segments, then merged
        publish_snapshot(store)
    return db


def test_index_terms_are_the_dictionary_words_the_text_holds_with_scan_counts():
    freq = tokenizer().FREQ
    title, text = "教联体共同体", "共同共同共同体体，共同体共同体。学区房不是学区制。"
    terms = index_terms(title, text)
    for term, count in terms.items():
        assert freq.get(term) and len(term) > 1
        assert count == text.count(term) + 2 * title.count(term), term
    # Every dictionary word occurring in the text is there (what the scan would find).
    for start in range(len(text)):
        for end in range(start + 2, len(text) + 1):
            piece = text[start:end]
            if freq.get(piece) and all("\u4e00" <= ch <= "\u9fd5" for ch in piece):
                assert piece in terms, piece
    assert terms["学区"] == 2 and "学区房" in terms


def test_lookup_keys_exact_for_dictionary_words_narrowing_otherwise():
    assert lookup_keys("教联体") == (("教联体",), True)
    keys, exact = lookup_keys("城乡教育共同体结对")  # a phrase: the words inside narrow, the text decides
    assert not exact and {"城乡", "教育", "共同体"} <= set(keys)
    assert lookup_keys("AI") == ((), False)


@pytest.mark.parametrize("query", QUERIES)
def test_index_gives_the_scan_results(indexed, query):
    with open_snapshot(indexed) as snap:
        assert snap.has_search_fields()  # exact queries rank on the snapshot's fields table
        for filters in (Filters(), Filters(region="浙江省"), Filters(since=datetime(2025, 3, 1), label="urban_rural"),
                        Filters(sense="school_alliance", until=datetime(2025, 9, 1))):
            for merge in (True, False):
                by_index = search(snap, query, filters=filters, limit=15, merge_stories=merge)
                by_scan = search(snap, query, filters=filters, limit=15, merge_stories=merge, scan=True)
                assert by_index.method in (BY_INDEX, NO_KEYS)
                assert by_scan.method.startswith("scan")
                assert by_index.hits == by_scan.hits, (query, filters, merge)
                assert by_index.searched == by_scan.searched


def test_index_is_used_and_finds_what_it_should(indexed):
    with open_snapshot(indexed) as snap:
        result = search(snap, "学区", merge_stories=False, limit=50)
        assert result.method == BY_INDEX
        ids = {hit.article_id for hit in result.hits}
        assert "x2" in ids and "x1" not in ids  # 学区房 alone is not 学区
        assert search(snap, "AI 教联体").hits[0].article_id == "x3"


def test_partly_indexed_corpus_scans_the_rest_with_the_same_results(tmp_path):
    db = tmp_path / "part.duckdb"
    articles, labels = _corpus(200)
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(articles.slice(0, 120))
        store.bulk_load_classifications(labels)
        store.index_missing()
        store.bulk_load_articles(articles.slice(120))  # stored, not indexed (as a bulk load or a crawl)
        for query in ("教联体", "城乡 共同体", '"城乡教育共同体"'):
            partly = search(store, query, limit=30)
            assert partly.method.startswith("index, and a scan of")
            assert partly.hits == search(store, query, limit=30, scan=True).hits
        assert store.index_missing() == articles.num_rows - 120
        assert search(store, "教联体").method == BY_INDEX


def test_ingest_indexes_in_its_transaction_and_a_changed_text_is_indexed_again(tmp_path):
    db, page = tmp_path / "ingest.duckdb", tmp_path / "page.txt"
    page.write_text("某县推进学区制改革\n该县将全县中小学划分为8个学区，每个学区由一所优质学校任学区长学校。\n",
                    encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "ingest", str(page), "--classifier", "keywords"]).exit_code == 0
    with open_snapshot(db) as snap:
        assert snap.search_index_status(TOKENIZER_VERSION).complete
        result = search(snap, "学区长")
        assert result.method == BY_INDEX and len(result.hits) == 1
    page.write_text("某县推进城乡教育共同体建设\n该县城区学校与乡村学校结对帮扶，组建城乡教育共同体。\n",
                    encoding="utf-8")
    assert runner.invoke(main, ["--db", str(db), "ingest", str(page), "--classifier", "keywords"]).exit_code == 0
    with open_snapshot(db) as snap:
        assert snap.search_index_status(TOKENIZER_VERSION).complete
        entries = snap.conn.execute("SELECT d.content_hash = a.content_hash FROM search_docs d"
                                    " JOIN articles a USING (article_id)").fetchall()
        assert entries and all(same for (same,) in entries)  # every entry describes the stored text
        assert search(snap, "结对帮扶").method == BY_INDEX
        assert len(search(snap, "结对帮扶").hits) == 1


def test_an_updated_article_loses_its_entry_until_indexed_again(indexed, tmp_path):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(indexed, db)
    with Store(db) as store:
        cursor = store.conn.execute("SELECT * EXCLUDE (cluster_id, is_canonical) FROM articles WHERE article_id = 'x2'")
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchall()[0]))
        row.update(text_normalized="学区长读书沙龙举行。", text="学区长读书沙龙举行。", content_hash="x2b")
        store.bulk_load_articles(pa.Table.from_pylist([row]), replace=True)
        assert not store.search_index_status(TOKENIZER_VERSION).complete
        assert [h.article_id for h in search(store, "沙龙").hits] == ["x2"]  # scanned, not missed
        assert store.index_missing() == 1
        assert search(store, "沙龙").method == BY_INDEX
        assert [h.article_id for h in search(store, "沙龙").hits] == ["x2"]
        old = search(store, "推行", merge_stories=False, limit=1000)  # in the old text only
        assert "x2" not in {hit.article_id for hit in old.hits}
        assert old.hits == search(store, "推行", merge_stories=False, limit=1000, scan=True).hits


def test_backfill_resumes_after_a_crash(tmp_path):
    db = tmp_path / "crash.duckdb"
    articles, labels = _corpus(300)
    with Store(db) as store:
        store.bulk_load_articles(articles)

        def crash(done, status):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.index_missing(batch=100, on_progress=crash)
        assert store.search_index_status(TOKENIZER_VERSION).indexed == 100  # the finished batch stays
        assert store.index_missing(batch=100) == articles.num_rows - 100
        docs, distinct = store.conn.execute("SELECT count(*), count(DISTINCT article_id) FROM search_docs").fetchone()
        assert docs == distinct == articles.num_rows
        assert store.index_missing() == 0


def test_index_command_indexes_and_publishes(tmp_path):
    db = tmp_path / "cli.duckdb"
    articles, labels = _corpus(100)
    with Store(db) as store:
        store.publish_on_finish = False
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
    result = CliRunner().invoke(main, ["--db", str(db), "index", "--batch", "1000"])
    assert result.exit_code == 0, result.output
    assert f"indexed {articles.num_rows:,} articles" in result.output
    with open_snapshot(db) as snap:
        assert search(snap, "教联体").method == BY_INDEX
    again = CliRunner().invoke(main, ["--db", str(db), "index"])
    assert "indexed 0 articles" in again.output


def test_search_command_says_when_it_scans(tmp_path):
    db = tmp_path / "unindexed.duckdb"
    articles, labels = _corpus(60)
    with Store(db) as store:
        store.bulk_load_articles(articles)
        store.bulk_load_classifications(labels)
        publish_snapshot(store)
    runner = CliRunner()
    before = runner.invoke(main, ["--db", str(db), "search", "教联体"])
    assert before.exit_code == 0, before.output
    assert "searched by index, and a scan of" in before.stderr and "edualliance index" in before.stderr
    assert runner.invoke(main, ["--db", str(db), "index"]).exit_code == 0
    after = runner.invoke(main, ["--db", str(db), "search", "教联体"])
    assert "searched by" not in after.stderr
    assert after.stdout == before.stdout  # the same stories either way


def test_snapshot_ranks_exact_queries_on_its_fields_table_and_others_on_the_research_table(indexed, monkeypatch):
    calls = []
    original = Store._candidates_by_fields

    def spy(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "_candidates_by_fields", spy)
    with open_snapshot(indexed) as snap:
        fields = snap.conn.execute(
            "SELECT count(*), count(DISTINCT doc), count(*) FILTER (WHERE id_rank IS NULL) FROM search_doc_fields"
        ).fetchone()
        assert fields == (snap.conn.execute("SELECT count(*) FROM search_docs").fetchone()[0],) * 2 + (0,)
        search(snap, "教聯體 共同体", filters=Filters(region="浙江省"))
        assert calls == [["教联体", "共同体"]]  # Traditional converted; every word an index term
        search(snap, '"联体共同"')  # not a dictionary word: its text must be read
        assert len(calls) == 1
    with Store(indexed) as writer:  # the writer's database has no fields table: the general path
        writer.publish_on_finish = False
        search(writer, "教联体")
        assert len(calls) == 1


def test_a_snapshot_published_by_an_earlier_version_is_searched_by_the_general_path(indexed, tmp_path, monkeypatch):
    """A snapshot whose search_doc_fields has no label_mask (published before it existed) is not
    ranked on that table, and gives the same hits as the scan."""
    import shutil

    old = tmp_path / "old.snapshot.duckdb"
    shutil.copy(snapshot_path(indexed), old)
    old.chmod(0o644)
    with duckdb.connect(str(old)) as con:
        con.execute("DROP INDEX search_doc_fields_doc")  # an index blocks ALTER TABLE
        con.execute("ALTER TABLE search_doc_fields DROP COLUMN label_mask")
    calls = []
    original = Store._candidates_by_fields
    monkeypatch.setattr(Store, "_candidates_by_fields", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    with Store(old, read_only=True) as snap:
        assert not snap.has_search_fields()
        filters = Filters(since=datetime(2025, 3, 1), label="urban_rural")
        by_index = search(snap, "城乡 共同体", filters=filters)
        assert by_index.method == BY_INDEX and calls == []
        assert by_index.hits == search(snap, "城乡 共同体", filters=filters, scan=True).hits
