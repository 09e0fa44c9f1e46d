"""The prediction-only form of a learned model (models/runtime.py): what a crawl's workers classify with."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edualliance.models import registry, runtime
from edualliance.models.artifact import ARTIFACT_NAME, load_cached

TRAINING = Path(__file__).resolve().parents[1] / "corpus" / "training"


def _texts() -> list[tuple[str | None, str]]:
    """A few hundred texts of every kind the training set has (prose, lists, hard cases, none)."""
    items = []
    for path in sorted(TRAINING.glob("texts_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        items += [(row.get("title"), row["text"]) for row in rows[::3]]
    return items + [("", ""), (None, "<p class='x'>教联体</p>"), ("天气", "明天多云。")]


@pytest.fixture(scope="module")
def shipped_runtime():
    if not (registry.shipped_dir() / ARTIFACT_NAME).exists():
        pytest.skip("no shipped model")
    model = runtime.load_runtime(registry.shipped_dir())
    assert model is not None
    return model


def test_the_prediction_only_form_gives_the_models_verdicts_scores_and_evidence(shipped_runtime):
    items = _texts()
    assert len(items) > 250
    expected = load_cached(registry.shipped_dir()).classify(items)
    got = shipped_runtime.classify(items)
    assert got == expected
    assert sum(1 for verdict in got if verdict.labels) > 100  # the set exercises the labels, not only `none`
    assert shipped_runtime.version == expected[0].model_version


def test_it_is_plain_arrays_and_json_and_loads_without_scikit_learn(shipped_runtime, tmp_path: Path):
    folder = runtime.cache_dir(registry.shipped_dir().resolve())
    assert sorted(p.name for p in folder.iterdir()) == [runtime.RUNTIME_ARRAYS, runtime.RUNTIME_JSON]
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from edualliance.models.runtime import read_runtime
        model = read_runtime(Path({str(folder)!r}))
        verdict = model.classify([("县域教联体建设", "全县组建融合型教联体，城乡教育联合体覆盖全部乡镇学校。")])[0]
        print(json.dumps({{"heavy": sorted({{m.split(".")[0] for m in sys.modules}} & {{"sklearn", "scipy", "skops"}}),
                          "labels": list(verdict.labels)}}))
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    expected = shipped_runtime.classify([("县域教联体建设", "全县组建融合型教联体，城乡教育联合体覆盖全部乡镇学校。")])[0]
    assert "jiaolianti" in result["labels"] and result["labels"] == list(expected.labels)


def test_another_artifact_is_converted_anew_and_one_that_does_not_load_gives_none(tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(registry.shipped_dir(), copy)
    card = json.loads((copy / "model_card.json").read_text(encoding="utf-8"))
    card["version"] = "linear-copy"
    (copy / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    assert runtime.cache_dir(copy) != runtime.cache_dir(registry.shipped_dir())
    model = runtime.load_runtime(copy)
    assert model is not None and model.version == "linear-copy" and model.source == str(copy.resolve())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ARTIFACT_NAME).write_bytes(b"not a skops file")
    assert runtime.load_runtime(broken) is None
    assert not runtime.cache_dir(broken).exists()
