from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.duckdb"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return Path(str(resources.files("edualliance.corpus"))) / "seeds"


@pytest.fixture(scope="session")
def bundled_pages_dir() -> Path:
    return Path(str(resources.files("edualliance.corpus"))) / "pages"
