"""The learned classifier: shipped artifact, round-trip, seeds, loader, cross-validated floor."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from edualliance.models import artifact
from edualliance.models.classifier import LearnedClassifier
from edualliance.models import corpus, training
from edualliance.models.loader import load_classifier
from edualliance.pipeline.clean import clean_page
from edualliance.pipeline.ingest import read_page_file
from edualliance.pipeline.records import LABELS

#: Cross-validated macro-F1 the shipped model's card must not fall below.
SHIPPED_CV_FLOOR = 0.96
#: Floor for the quick cross-validation on a subset of the corpus, run here. The draws are fixed,
#: so the figure moves only with the code or the corpus: 0.927 for seeds 0–2 with the seventh
#: writing round in the pool and paragraphs cut at 180 characters; with the character n-grams cut
#: to one it is 0.918, with the word vocabulary cut to 5 terms 0.894, and both must fail.
SUBSET_CV_FLOOR = 0.92
#: Files the floor's draws leave out: a new writing round shifts every draw (with the eighth and
#: ninth rounds in the pool the same code gives 0.920), so the floor is held on the pool it was
#: measured on, every later round left out; what a new round does is measured by
#: bench/cv_classify.py --by-round.
LATER_ROUNDS = ("texts_writers_pages.jsonl", "texts_writers_recall.jsonl", "texts_writers_plain.jsonl",
                "texts_writers_topic.jsonl")


def small_corpus(n_per_class: int = 30, seed: int = 0, leave_out: tuple[str, ...] = ()) -> list[corpus.Example]:
    """A stratified subset with every output (labels, relevance, both senses) represented."""
    examples, _ = corpus.load_corpus(seeds=False)
    examples = [e for e in examples if e.origin.split(":", 1)[0] not in leave_out]
    rng = random.Random(seed)
    chosen: list[corpus.Example] = []
    groups = {
        "hss": [e for e in examples if e.sense == "home_school_society"],
        "sa": [e for e in examples if "jiaolianti" in e.labels and e.sense != "home_school_society"],
        **{label: [e for e in examples if e.primary == label and label != "jiaolianti"] for label in LABELS},
        "none": [e for e in examples if not e.labels],
    }
    for group in groups.values():
        chosen.extend(rng.sample(group, min(n_per_class, len(group))))
    return list(dict.fromkeys(chosen))


def test_loader_prefers_the_shipped_model(shipped):
    assert isinstance(load_classifier(), LearnedClassifier)
    assert load_classifier("keywords").version == "keywords-1"


def test_shipped_artifact_is_small_and_carded(shipped):
    directory = artifact.artifacts_dir()
    assert (directory / artifact.ARTIFACT_NAME).stat().st_size < 5 * 2**20
    card = json.loads((directory / artifact.CARD_JSON).read_text(encoding="utf-8"))
    assert card["version"] == shipped.version
    assert len(card["training_data"]["sha256"]) == 64
    assert (directory / artifact.CARD_MD).read_text(encoding="utf-8").startswith(f"# Model card: {card['version']}")


def test_shipped_model_was_trained_on_the_corpus_as_shipped(shipped):
    """A change to corpus/ (texts, paragraph bank, shells, seeds) must come with a retrained shipped model."""
    examples, problems = corpus.load_corpus()
    assert problems == []
    assert shipped.card["training_data"]["sha256"] == corpus.data_hash(examples), \
        "corpus/ changed since the shipped model was trained: retrain it (README, Changes)"


def test_shipped_cross_validated_macro_f1_floor(shipped):
    figures = shipped.card["cross_validation"]
    assert figures["macro_f1"] >= SHIPPED_CV_FLOOR
    assert all(m["f1"] >= SHIPPED_CV_FLOOR - 0.05 for m in figures["per_label"].values())


def test_cross_validated_macro_f1_on_a_corpus_subset_stays_above_floor():
    # The mean of three draws: one draw of 240 texts from a corpus with many short and nameless
    # texts swings by ±0.02 (0.909–0.948 over seeds 0–5), more than a regression this guards against.
    figures = [training.cross_validate(small_corpus(n_per_class=40, seed=seed, leave_out=LATER_ROUNDS),
                                       {"threshold_cv": 3},
                                       folds=3).scores.macro_f1
               for seed in range(3)]
    assert sum(figures) / len(figures) >= SUBSET_CV_FLOOR, figures


def test_round_trip_gives_the_same_verdicts(tmp_path: Path):
    examples = small_corpus(n_per_class=12)
    pipeline = training.fit(examples, {"threshold_cv": 3})
    card = training.make_card(examples, {}, None, 0.0, pipeline)
    artifact.save(pipeline, card, tmp_path)
    loaded = artifact.load(tmp_path)
    before = LearnedClassifier(pipeline, card["version"])
    items = [(e.title, e.text) for e in examples[:15]]
    assert [v.labels for v in before.classify(items)] == [v.labels for v in loaded.classify(items)]
    assert [v.scores for v in before.classify(items)] == [v.scores for v in loaded.classify(items)]
    assert loaded.version == card["version"]


def test_untrusted_types_are_refused(tmp_path: Path, monkeypatch):
    examples = small_corpus(n_per_class=8)
    pipeline = training.fit(examples, {"threshold_cv": 2})
    artifact.save(pipeline, training.make_card(examples, {}, None, 0.0, pipeline), tmp_path)
    monkeypatch.setattr(artifact, "TRUSTED_TYPES", tuple(t for t in artifact.TRUSTED_TYPES if "tokenize" not in t))
    with pytest.raises(artifact.UntrustedArtifactError, match="tokenize"):
        artifact.load(tmp_path)


def _seed(seeds_dir: Path, prefix: str):
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    return clean_page(read_page_file(path)).articles


def test_seed_pages(shipped, seeds_dir):
    expect = {"000": {"jiaolianti"}, "001": {"group_run"}, "003": {"group_run"}, "004": {"district_community"}}
    for prefix, needed in expect.items():
        (article,) = _seed(seeds_dir, prefix)
        verdict = shipped.classify([(article.title, article.text_normalized)])[0]
        assert needed <= set(verdict.labels), (prefix, verdict)
        assert verdict.primary in needed, (prefix, verdict)
    (article,) = _seed(seeds_dir, "004")
    verdict = shipped.classify([(article.title, article.text_normalized)])[0]
    assert "urban_rural" not in verdict.labels  # only the teasers after the disclaimer mention it
    (article,) = _seed(seeds_dir, "000")
    assert shipped.classify([(article.title, article.text_normalized)])[0].sense == "school_alliance"
    records = _seed(seeds_dir, "002")
    verdicts = shipped.classify([(a.title, a.text_normalized) for a in records])
    assert sum("urban_rural" in v.labels for v in verdicts) >= 0.7 * len(records)


def test_evidence_names_the_terms_that_drove_each_label(shipped):
    verdict = shipped.classify([("", "本市深化集团化办学改革，新组建紧密型教育集团12个，集团内实行总校长负责制，"
                                     "成员校统一管理、教师统一调配、课程共建共享。")])[0]
    assert verdict.labels == ("group_run",)
    assert set(verdict.evidence) == {"group_run"}
    assert any("集团" in term for term in verdict.evidence["group_run"])


def test_fast_feature_counting_gives_scikit_learns_matrix(shipped):
    """vectorize.union_transform replaces FeatureUnion.transform in scoring: same matrix, bit for bit."""
    from edualliance.models import text as textprep
    from edualliance.models.vectorize import union_transform

    union = shipped.pipeline.named_steps["features"]
    texts = [example.text for example in corpus.load_corpus(seeds=False)[0][:40]]
    texts += ["", "  \n ", "no Chinese here at all", "教联体教联体 集团化办学\t学区制 结对帮扶 2026年"]
    prepared = textprep.prepare_texts(texts)
    expected = union.transform(prepared).tocsr()
    got = union_transform(union, prepared)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert (got.indptr == expected.indptr).all() and (got.indices == expected.indices).all()
    assert (got.data == expected.data).all()
    assert got.nnz > 40 * 20  # the texts have features: the comparison is not of two empty matrices


def test_home_school_society_sense(shipped):
    verdict = shipped.classify([("", "根据教育部等十七部门印发的家校社协同育人“教联体”工作方案，本区以学校为圆心，"
                                     "联动家庭、社区、妇联、公安和文化场馆，建设家校社协同育人教联体。")])[0]
    assert "jiaolianti" in verdict.labels and verdict.sense == "home_school_society"


def test_link_list_mentions_do_not_label_a_text(shipped):
    page = ("学校开展秋季运动会，全体师生参加了田径、跳绳和拔河比赛，家长志愿者协助组织，活动圆满结束。\n"
            "相关新闻：\n• 集团化办学推进会召开\n• 城乡教共体结对学校联合教研\n• 学区制改革试点扩大\n• 教联体建设现场会")
    assert shipped.classify([(None, page)])[0].labels == ()


def test_empty_input(shipped):
    assert shipped.classify([]) == []


def test_a_broken_model_module_is_an_error_not_a_silent_fallback(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "edualliance.models.artifact", None)  # import raises ImportError
    with pytest.raises(ImportError):
        load_classifier("auto")
    assert load_classifier("keywords").version == "keywords-1"


def test_missing_artifact_falls_back_to_the_rules(monkeypatch, tmp_path: Path):
    from edualliance.models import registry

    monkeypatch.setattr(registry, "shipped_dir", lambda: tmp_path)
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path / "no-trained-models"))
    assert artifact.load_shipped() is None
    assert load_classifier("auto").version == "keywords-1"
    with pytest.raises(FileNotFoundError):
        load_classifier("model")


def test_artifact_trained_with_other_patterns_is_refused(tmp_path: Path, monkeypatch):
    examples = small_corpus(n_per_class=8)
    pipeline = training.fit(examples, {"threshold_cv": 2})
    card = training.make_card(examples, {}, None, 0.0, pipeline)
    artifact.save(pipeline, card, tmp_path)
    monkeypatch.setattr(artifact, "feature_signature", lambda: "something else")
    with pytest.raises(artifact.IncompatibleArtifactError):
        artifact.load(tmp_path)


BENCH = Path(__file__).resolve().parents[1] / "bench"
HOLDOUTS = tuple(BENCH / f"classify_holdout{suffix}.jsonl" for suffix in ("", "2", "3", "4", "5"))
CV_BENCH = BENCH / "cv_classify.py"


@pytest.mark.parametrize("holdout", HOLDOUTS, ids=lambda path: path.name)
def test_the_held_out_writers_are_never_trained_on(holdout):
    """bench/classify_holdout*.jsonl measure the model on writers it has not seen: none of them may be in corpus/."""
    from edualliance.pipeline.normalize import normalize

    held = [json.loads(line) for line in holdout.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(held) >= 40
    writers = {r["id"].split("-")[0] + "-" for r in held}
    examples, _ = corpus.load_corpus()
    trained = {e.text for e in examples}
    assert not [r["id"] for r in held if normalize(r["text"])[0] in trained]
    assert not [e.origin for e in examples if e.origin.split(":")[-1].startswith(tuple(writers))]


def test_every_training_file_belongs_to_a_writing_round():
    """bench/cv_classify.py --by-round scores each round by a model of the earlier ones: a new file needs a round."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("cv_classify", CV_BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    examples, _ = corpus.load_corpus()
    rounds = {bench.round_of(e) for e in examples}
    assert rounds == set(range(1, max(rounds) + 1)) and len(rounds) >= 3
    assert bench.round_of(next(e for e in examples if e.origin.startswith("texts_writers_topic"))) == max(rounds)
