from __future__ import annotations

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
