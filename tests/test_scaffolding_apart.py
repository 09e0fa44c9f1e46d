"""Test and bench scaffolding stays apart from the product (issue 10).

The fixture web (``corpus/fixtureweb``) is served by ``demo`` and ``fixture-web``,
so the product may start it, but only from inside those commands' functions;
the scaffolding itself depends on nothing of the product, and nothing shipped
imports the bench helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("crawler", "pipeline", "models")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((("." * node.level) + node.module, id(node) in top))
    return found


@pytest.mark.parametrize("package", PRODUCT)
def test_the_product_starts_the_fixture_web_only_inside_functions(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        for module, at_top in _imports(path):
            if "fixtureweb" in module:
                assert not at_top, f"{path.relative_to(ROOT)} imports {module} when it is imported"
            assert "synthetic_corpus" not in module, f"{path.relative_to(ROOT)} imports a bench helper"


def test_the_fixture_web_depends_on_nothing_of_the_product():
    for path in sorted((ROOT / "corpus" / "fixtureweb").glob("*.py")):
        for module, _ in _imports(path):
            assert not module.startswith(tuple(f"edualliance.{p}" for p in PRODUCT)), (
                f"{path.relative_to(ROOT)} imports {module}")
