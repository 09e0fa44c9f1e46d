"""No import cycles anywhere in the installed source tree.

Every module of the packages pyproject.toml installs is parsed with ``ast``;
every import of a project module counts, at module level and inside
functions alike (a lazy import hides a cycle, it does not remove it), except
under ``if TYPE_CHECKING:``, which never runs. Relative imports are resolved
the way Python resolves them.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def source_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every module of the packages pyproject.toml maps."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    package_dirs = config["tool"]["setuptools"]["package-dir"]
    modules = {}
    for package, folder in package_dirs.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = path.relative_to(root / folder).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Absolute names of everything ``module`` imports (``from a import b`` gives a and a.b:
    b may be a submodule), outside ``if TYPE_CHECKING:`` blocks."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found = imported_names(tree, module, path.name == "__init__.py")
        graph[module] = {name for name in found if name in modules and name != module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle ([a, b, ..., a]) for each group of modules that import each other
    (each strongly connected component of more than one module; Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_cycle_within(graph, component) for component in components]


def _cycle_within(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{sorted(component)} is not strongly connected")


def test_the_project_has_no_import_cycles():
    modules = source_modules()
    # The walk found the tree (a wrong root would find nothing and pass).
    assert {"edualliance.pipeline.store", "edualliance.models.classifier",
            "edualliance.crawler.spiders.sources", "edualliance.corpus"} <= set(modules)
    cycles = find_cycles(import_graph(modules))
    assert not cycles, "import cycles: " + "; ".join(" → ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    two = find_cycles({"a": {"b"}, "b": {"a"}, "x": {"y"}, "y": {"x", "a"}})
    assert sorted(two) == [["a", "b", "a"], ["x", "y", "x"]]


def test_imports_inside_functions_count_and_type_checking_ones_do_not(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools.package-dir]\n"pkg.app" = "app"\n', encoding="utf-8")
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "first.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .third import Hint\n"
        "def late():\n    from .sub import second\n", encoding="utf-8")
    (tmp_path / "app" / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "sub" / "second.py").write_text("from ..first import late\n", encoding="utf-8")
    (tmp_path / "app" / "third.py").write_text("import pkg.app.first\n", encoding="utf-8")
    modules = source_modules(tmp_path)
    assert set(modules) == {"pkg.app", "pkg.app.first", "pkg.app.sub", "pkg.app.sub.second", "pkg.app.third"}
    graph = import_graph(modules)
    assert graph["pkg.app.first"] == {"pkg.app.sub", "pkg.app.sub.second"}
    assert graph["pkg.app.sub.second"] == {"pkg.app.first"}
    assert graph["pkg.app.third"] == {"pkg.app.first"}
    assert find_cycles(graph) == [["pkg.app.first", "pkg.app.sub.second", "pkg.app.first"]]
