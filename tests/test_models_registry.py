"""Models as versioned artifacts: train outside the package, --model, `models list|use`, and the
教联体 sense in the research views (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edualliance.models import artifact
from edualliance.models.keywords import KeywordClassifier
from edualliance.pipeline.cli import main
from edualliance.pipeline.ingest import ingest_paths
from edualliance.pipeline.store import Store

from test_models_classifier import small_corpus

HSS_PAGE = """关于推进家校社协同育人“教联体”建设的通知
发布时间：2025-03-12　来源：湖北省武汉市教育局
为落实教育部等十七部门《家校社协同育人“教联体”工作方案》，武汉市各区要以学校为圆心，联合社区、妇联、关工委、公安、
卫健等部门建设家校社协同育人“教联体”，开放图书馆、体育场馆等服务阵地，为学生身心健康和安全提供支持。
各校要在学期内建立“教联体”资源清单，每月开展一次协同育人活动，家长学校每学期开课不少于四次。
"""


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(autouse=True)
def models_root(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "user-models"
    monkeypatch.setenv("EDUALLIANCE_MODELS", str(root))
    return root


@pytest.fixture
def two_version_db(db_path: Path, seeds_dir: Path, tmp_path: Path) -> Path:
    """Seeds and a 家校社 教联体 notice, labeled by the keyword rules and by the shipped model."""
    page = tmp_path / "pages" / "hss.txt"
    page.parent.mkdir()
    page.write_text(HSS_PAGE, encoding="utf-8")
    with Store(db_path) as store:
        ingest_paths(store, [seeds_dir, page.parent], KeywordClassifier())
    assert run("--db", str(db_path), "reclassify", "--model", "shipped").exit_code == 0
    return db_path


def sql(db: Path, query: str) -> list[str]:
    return run("--db", str(db), "sql", query, "--csv").stdout.splitlines()[1:]


def test_models_use_switches_what_the_views_read(two_version_db: Path):
    shipped = artifact.load_shipped().version
    # No choice yet: each article's newest version (the reclassify).
    assert sql(two_version_db, "SELECT DISTINCT model_version FROM research_articles") == [shipped]
    result = run("--db", str(two_version_db), "models", "use", "keywords")
    assert result.exit_code == 0 and "now read keywords-1" in result.output
    assert sql(two_version_db, "SELECT DISTINCT model_version FROM research_articles") == ["keywords-1"]
    assert sql(two_version_db, "SELECT DISTINCT model_version FROM current_classifications") == ["keywords-1"]
    listed = run("--db", str(two_version_db), "models", "list").output
    assert any(line.startswith("* keywords-1") for line in listed.splitlines())
    assert run("--db", str(two_version_db), "models", "use", shipped).exit_code == 0
    assert sql(two_version_db, "SELECT DISTINCT model_version FROM research_articles") == [shipped]
    # Rows of the other version stay.
    assert sql(two_version_db, "SELECT count(DISTINCT model_version) FROM classifications") == ["2"]
    unknown = CliRunner().invoke(main, ["--db", str(two_version_db), "models", "use", "linear-9-nope"])
    assert unknown.exit_code != 0 and "no model version" in unknown.output


def test_the_digest_names_the_version_models_use_chose(two_version_db: Path):
    from datetime import date

    from edualliance.pipeline.digest import build_digest
    from edualliance.pipeline.snapshot import open_snapshot

    shipped = artifact.load_shipped().version
    with open_snapshot(two_version_db) as store:
        assert build_digest(store, date.today()).model_version == shipped  # no choice: the newest rows
    assert run("--db", str(two_version_db), "models", "use", "keywords").exit_code == 0
    with open_snapshot(two_version_db) as store:
        assert store.latest_model_version() == shipped  # the keyword rows are the older ones ...
        assert build_digest(store, date.today()).model_version == "keywords-1"  # ... yet they are what is read


def test_the_default_counts_leave_out_the_home_school_sense_and_the_split_views_keep_it(two_version_db: Path):
    assert run("--db", str(two_version_db), "models", "use", "keywords").exit_code == 0
    senses = sql(two_version_db, "SELECT sense FROM article_labels_all_senses WHERE label = 'jiaolianti'"
                                 " ORDER BY sense")
    assert senses == ["home_school_society", "school_alliance"]
    assert sql(two_version_db, "SELECT sense FROM article_labels WHERE label = 'jiaolianti'") == ["school_alliance"]
    assert sql(two_version_db, "SELECT sum(articles) FROM weekly_label_province WHERE label = 'jiaolianti'") == ["1"]
    assert sql(two_version_db, "SELECT sense, sum(articles) FROM weekly_label_sense_province"
                               " WHERE label = 'jiaolianti' GROUP BY 1 ORDER BY 1") == \
        ["home_school_society,1", "school_alliance,1"]
    hss_provinces = sql(two_version_db, "SELECT region_province FROM first_reports_by_sense"
                                        " WHERE label = 'jiaolianti' AND sense = 'home_school_society'"
                                        " AND level = 'province'")
    assert hss_provinces == ["湖北省"]
    assert sql(two_version_db, "SELECT count(*) FROM first_reports f JOIN research_articles r"
                               " ON r.article_id = f.first_article_id WHERE f.label = 'jiaolianti'"
                               " AND r.sense = 'home_school_society'") == ["0"]
    default = CliRunner().invoke(main, ["--db", str(two_version_db), "diffusion", "--label", "jiaolianti",
                                        "--no-files"])
    assert "school-alliance sense only" in default.output
    both = run("--db", str(two_version_db), "diffusion", "--label", "jiaolianti", "--sense", "home_school_society",
               "--no-files")
    assert "湖北省" in both.stdout


def test_train_writes_a_version_to_the_user_folder_never_into_the_package(tmp_path: Path, models_root: Path):
    folder = tmp_path / "corpus" / "training"
    folder.mkdir(parents=True)
    with (folder / "texts.jsonl").open("w", encoding="utf-8") as handle:
        for e in small_corpus(n_per_class=10):
            handle.write(json.dumps({"text": e.text, "labels": list(e.labels), "primary": e.primary,
                                     "sense": e.sense, "genre": "news"}, ensure_ascii=False) + "\n")
    package = artifact.artifacts_dir() / artifact.ARTIFACT_NAME
    before = package.stat().st_mtime_ns
    result = run("--db", str(tmp_path / "none.duckdb"), "train", "--corpus", str(tmp_path / "corpus"), "--no-cv")
    assert result.exit_code == 0, result.output
    assert package.stat().st_mtime_ns == before
    (installed,) = [p for p in models_root.iterdir() if not p.name.startswith(".")]
    version = json.loads((installed / artifact.CARD_JSON).read_text(encoding="utf-8"))["version"]
    assert installed.name == version and (installed / artifact.ARTIFACT_NAME).exists()
    assert version in run("models", "list").output
    record = json.dumps({"text": "全区深化集团化办学，组建紧密型教育集团，实行总校长负责制和成员校统一管理。"},
                        ensure_ascii=False)
    by_version = json.loads(run("classify", "--model", version, input=record + "\n").output)
    assert by_version["model_version"] == version
    # Without --model the newest trained model is the default; keywords and the shipped one on request.
    assert json.loads(run("classify", input=record + "\n").output)["model_version"] == version
    assert json.loads(run("classify", "--model", "keywords", input=record + "\n").output)["model_version"] \
        == "keywords-1"
    shipped = json.loads(run("classify", "--model", "shipped", input=record + "\n").output)
    assert shipped["model_version"] == artifact.load_shipped().version
    wrong = CliRunner().invoke(main, ["classify", "--model", "linear-0-missing"], input=record + "\n")
    assert wrong.exit_code != 0 and "installed:" in wrong.output


#: The commands that classify; each must take --model.
CLASSIFYING = {"classify", "crawl", "demo", "evaluate", "ingest", "label", "process", "reclassify", "reprocess", "run"}


def test_every_command_that_classifies_takes_model(tmp_path: Path):
    def options(command) -> set[str]:
        return {opt for param in command.params for opt in getattr(param, "opts", ())}

    commands = dict(main.commands)
    with_classifier = {name for name, command in commands.items() if "--classifier" in options(command)}
    assert with_classifier <= CLASSIFYING  # a new classifying command joins the list
    for name in CLASSIFYING:
        assert "--model" in options(commands[name]), f"`{name}` has no --model"
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--model", "linear-0-missing"])
    assert result.exit_code != 0 and "no model 'linear-0-missing'" in result.output
    assert not out.exists()  # refused before anything was built
