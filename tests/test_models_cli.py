"""train, evaluate, label and reclassify through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edualliance.models import corpus
from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline.cli import main
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.store import Store

from test_models_classifier import small_corpus


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def seeded_db(db_path: Path, seeds_dir: Path) -> Path:
    with Store(db_path) as store:
        ingest_paths(store, [seeds_dir], KeywordClassifier())
    return db_path


def test_label_loop_stores_answers(seeded_db: Path):
    # 1st: group_run + district_community, primary d; 2nd: skip; 3rd: a typo, then none with a note;
    # 4th: jiaolianti, home-school sense; then quit.
    answers = "g d\nd\ns\nx\nn # only a passing mention\nj\nh\nq\n"
    result = run("--db", str(seeded_db), "label", "--limit", "6", "--classifier", "keywords",
                 "--labeler", "tester", input=answers)
    assert result.exit_code == 0, result.output
    assert "unknown key" in result.output and "stopped: 3 stored, 1 skipped" in result.output
    with Store(seeded_db, read_only=True) as store:
        _, rows = store.run_user_query(
            "SELECT labels, primary_label, sense, labeler, model_version, note FROM labels ORDER BY label_id")
        stored = store.researcher_labels()
    assert rows[0][:4] == (["group_run", "district_community"], "district_community", None, "tester")
    assert rows[0][4] == "keywords-1"
    assert rows[1][:2] == ([], "none") and rows[1][5] == "only a passing mention"
    assert rows[2][:3] == (["jiaolianti"], "jiaolianti", "home_school_society")
    assert len(stored) == 3
    # The snapshot researchers read has them at once, not only after the next run.
    result = run("--db", str(seeded_db), "sql", "SELECT count(*) AS n FROM labels", "--csv")
    assert result.stdout.splitlines() == ["n", "3"]


def test_label_shows_least_certain_first_and_keeps_to_unlabeled(seeded_db: Path):
    run("--db", str(seeded_db), "label", "--limit", "2", "--classifier", "keywords", input="u\nu\n")
    result = run("--db", str(seeded_db), "label", "--limit", "100", "--classifier", "keywords", input="q\n")
    with Store(seeded_db, read_only=True) as store:
        labeled = {row[0] for row in store.researcher_labels()}
        total = store.article_count()
    assert len(labeled) == 2
    assert f"/{total - 2}" in result.output  # the queue holds only unlabeled articles


def test_reclassify_keeps_old_versions(seeded_db: Path):
    result = run("--db", str(seeded_db), "reclassify")
    assert result.exit_code == 0, result.output
    with Store(seeded_db, read_only=True) as store:
        _, versions = store.run_user_query(
            "SELECT model_version, count(DISTINCT article_id) FROM classifications GROUP BY 1 ORDER BY 1")
        _, runs = store.run_user_query("SELECT kind, status FROM runs WHERE kind = 'reclassify'")
    names = [v for v, _ in versions]
    assert "keywords-1" in names and any(v.startswith("linear-") for v in names)
    assert len({n for _, n in versions}) == 1  # every article under both versions
    assert runs == [("reclassify", "finished")]


def test_train_on_a_small_corpus_and_db_labels(tmp_path: Path, seeded_db: Path):
    folder = tmp_path / "corpus" / "training"
    folder.mkdir(parents=True)
    with (folder / "texts.jsonl").open("w", encoding="utf-8") as handle:
        for e in small_corpus(n_per_class=10):
            handle.write(json.dumps({"text": e.text, "labels": list(e.labels), "primary": e.primary,
                                     "sense": e.sense}, ensure_ascii=False) + "\n")
        handle.write('{"text": "cut off mid-wri')  # a file still being written
    run("--db", str(seeded_db), "label", "--limit", "1", "--classifier", "keywords", input="g\n")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(
        json.dumps({"id": i, "text": e.text, "labels": list(e.labels), "script": e.script}, ensure_ascii=False) + "\n"
        for i, e in enumerate(small_corpus(n_per_class=2, seed=1))), encoding="utf-8")
    out = tmp_path / "model"
    result = run("--db", str(seeded_db), "train", "--corpus", str(tmp_path / "corpus"), "--out", str(out),
                 "--no-cv", "--gold", str(gold))
    assert result.exit_code == 0, result.output
    assert "1 researcher labels" in result.output and "skipped texts.jsonl" in result.output
    assert "on gold.jsonl: macro-F1" in result.output
    card = json.loads((out / "model_card.json").read_text(encoding="utf-8"))
    assert card["training_data"]["by_source"].get("db") == 1
    assert card["cross_validation"] is None
    assert card["evaluation"]["file"] == "gold.jsonl" and "macro_f1" in card["evaluation"]["baseline"]
    assert "Measured on real texts" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    result = run("evaluate", "--gold", str(gold), "--model", str(out), "--json", str(tmp_path / "fig.json"))
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "keywords (keywords-1)" in result.output
    assert "confusion of primary labels" in result.output
    figures = json.loads((tmp_path / "fig.json").read_text(encoding="utf-8"))
    assert set(figures) == {"model", "keywords"}


def test_classify_explain_uses_the_learned_model():
    record = {"id": "a", "text": "全区深化集团化办学，组建紧密型教育集团，实行总校长负责制和成员校统一管理。"}
    result = run("classify", "--explain", input=json.dumps(record, ensure_ascii=False) + "\n")
    out = json.loads(result.output)
    assert out["labels"] == ["group_run"] and out["model_version"].startswith("linear-")
    assert out["explain"]["group_run"]


def test_corpus_files_are_valid():
    for path in corpus.training_files():
        examples, problems = corpus.read_jsonl(path)
        assert examples, path
        assert len(problems) <= 1, problems  # at most a last line still being written


def test_weak_labels_only_where_the_rules_are_confident(seeded_db: Path):
    with Store(seeded_db) as store:
        weak = corpus.weak_examples(store)
        run_ids = {row[0] for row in store.researcher_labels()}
    assert not run_ids
    assert weak and all(e.weight == corpus.WEAK_WEIGHT and e.origin.startswith("weak:") for e in weak)
    assert all(len(e.labels) <= 1 and "jiaolianti" not in e.labels and e.sense is None for e in weak)
    from edualliance.models.keywords import THRESHOLD, score_text

    for e in weak:
        hits, _ = score_text(e.title, e.text)
        if e.labels:
            assert hits[e.labels[0]] >= 2 * THRESHOLD
            assert all(hits[label] == 0 for label in hits if label != e.labels[0])
        else:
            assert not any(hits.values())


def test_reclassify_pages_through_the_corpus_in_batches(seeded_db: Path):
    from edualliance.models.database import reclassify
    from edualliance.models.loader import load_classifier

    classifier = load_classifier("model")
    seen = []
    with Store(seeded_db) as store:
        _, counts = reclassify(store, classifier, batch=5, progress=lambda done, total: seen.append((done, total)))
        total = store.article_count()
        _, rows = store.run_user_query(
            "SELECT count(DISTINCT article_id) FROM classifications WHERE model_version = ?", [classifier.version])
    assert total > 5 and counts["articles"] == total and rows == [(total,)]
    assert seen[-1] == (total, total) and len(seen) == -(-total // 5)
