"""The library's layout: every room one job (issue "One house").

Walks rooflib's source with ``ast`` (nothing is imported) and fails on
- an import cycle between rooflib modules (every import counts, late imports inside functions too,
  since a late import only hides a cycle; ``if TYPE_CHECKING:`` blocks do not run and do not count);
- a private name (``_x``) imported from another module;
- a module over MAX_LINES lines (a topic with several jobs becomes a package of short modules).

The checks are plain functions over a {module: source} mapping, so the first tests feed them
small made-up packages and show that each catches what it claims to.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rooflib"
MAX_LINES = 400


def read_package(folder: Path = PACKAGE, name: str = "rooflib") -> dict[str, str]:
    """{dotted module name: source} for every .py file under ``folder``."""
    sources = {}
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        sources[".".join([name, *parts])] = path.read_text(encoding="utf-8")
    return sources


def _is_package(module: str, sources: dict[str, str]) -> bool:
    return any(m.startswith(module + ".") for m in sources)


def _resolve(module: str, node: ast.ImportFrom, sources: dict[str, str]) -> str:
    """The absolute module an ``from X import ...`` refers to."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module, sources):   # a plain module: relative imports start at its package
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(tree: ast.Module):
    """Every import statement that can run (all but those under ``if TYPE_CHECKING:``)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        else:
            todo += list(ast.iter_child_nodes(node))


def import_graph(sources: dict[str, str], top: str = "rooflib") -> dict[str, set[str]]:
    """module -> the rooflib modules it imports."""
    graph: dict[str, set[str]] = {m: set() for m in sources}
    for module, src in sources.items():
        for node in _imports(ast.parse(src)):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                target = _resolve(module, node, sources)
                # `from . import kernels` imports the submodule kernels, not the package itself
                targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in sources else target for a in node.names]
            for t in targets:
                while t and t not in sources and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in sources and t != module and t.split(".")[0] == top:
                    graph[module].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle (each reported once, as a path that returns to its start)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def private_imports(sources: dict[str, str]) -> list[str]:
    """``from X import _name`` across modules (anywhere in the file, late imports included)."""
    problems = []
    for module, src in sources.items():
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                target = _resolve(module, node, sources) if node.level else (node.module or "")
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        problems.append(f"{module} imports private {alias.name!r} from {target}")
    return problems


def long_modules(sources: dict[str, str], limit: int = MAX_LINES) -> list[str]:
    return [f"{m}: {len(s.splitlines())} lines (> {limit})" for m, s in sources.items()
            if len(s.splitlines()) > limit]


# --- the checks catch what they claim to ---------------------------------------------------------

TOY = {
    "pkg": "from . import a\n",
    "pkg.a": "from .b import thing\n",
    "pkg.b": "from .a import other\n",             # a <-> b: a cycle
    "pkg.c": "def f():\n    from .a import x\n",   # a late import: not a cycle edge
    "pkg.sub": "from ._impl import public\n",
    "pkg.sub._impl": "from ..a import _hidden\npublic = 1\n",
}


def test_cycle_check_finds_a_two_module_cycle_and_counts_late_imports():
    found = cycles(import_graph(TOY, top="pkg"))
    assert found and set(found[0]) == {"pkg.a", "pkg.b"}
    assert import_graph(TOY, top="pkg")["pkg.c"] == {"pkg.a"}
    late = {"pkg": "", "pkg.x": "def f():\n    from .y import g\n", "pkg.y": "from .x import f\n"}
    assert cycles(import_graph(late, top="pkg"))
    typing_only = {"pkg": "", "pkg.x": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .y import g\n",
                   "pkg.y": "from .x import f\n"}
    assert cycles(import_graph(typing_only, top="pkg")) == []


def test_relative_imports_resolve_inside_packages():
    graph = import_graph(TOY, top="pkg")
    assert graph["pkg.sub"] == {"pkg.sub._impl"}
    assert graph["pkg.sub._impl"] == {"pkg.a"}


def test_private_import_check_names_the_module_and_the_name():
    assert private_imports(TOY) == ["pkg.sub._impl imports private '_hidden' from pkg.a"]


def test_long_module_check():
    assert long_modules({"m": "x = 1\n" * 401}) == ["m: 401 lines (> 400)"]
    assert long_modules({"m": "x = 1\n" * 400}) == []


# --- the library itself ----------------------------------------------------------------------------

SOURCES = read_package()


def test_rooflib_has_no_import_cycles():
    assert cycles(import_graph(SOURCES)) == []


def test_rooflib_imports_no_private_names_across_modules():
    assert private_imports(SOURCES) == []


def test_no_rooflib_module_is_over_400_lines():
    assert long_modules(SOURCES) == []


@pytest.mark.parametrize("module", sorted(m for m in SOURCES if _is_package(m, SOURCES)))
def test_every_package_declares_its_public_names(module):
    tree = ast.parse(SOURCES[module])
    names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert "__all__" in names, f"{module}/__init__.py has no __all__"
    assert ast.get_docstring(tree), f"{module}/__init__.py has no docstring saying what the package is for"
