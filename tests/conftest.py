from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import pytest

#: Bench helpers the tests share (the synthetic corpus): they live beside the
#: benches, not in the product, so the tests import them from there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.duckdb"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return Path(str(resources.files("edualliance.corpus"))) / "seeds"


@pytest.fixture(scope="session")
def bundled_pages_dir() -> Path:
    return Path(str(resources.files("edualliance.corpus"))) / "pages"


@pytest.fixture(scope="session")
def shipped():
    """The classifier shipped in models/artifacts (loaded once per test session)."""
    from edualliance.models import artifact

    model = artifact.load_shipped()
    assert model is not None, "models/artifacts/classifier.skops is not installed"
    return model


@pytest.fixture(autouse=True, scope="session")
def _models_root(tmp_path_factory) -> Path:
    """Trained models and the prediction-only forms a crawl's workers build (models/runtime.py)
    go to a folder of the test session, never into the user's data directory."""
    root = tmp_path_factory.mktemp("models")
    before = os.environ.get("EDUALLIANCE_MODELS")
    os.environ["EDUALLIANCE_MODELS"] = str(root)
    yield root
    if before is None:
        os.environ.pop("EDUALLIANCE_MODELS", None)
    else:
        os.environ["EDUALLIANCE_MODELS"] = before
