"""Reading a submission's code before it runs: what an honest answer never needs, by cell.

Each code cell is turned into plain Python the way IPython does (magics become calls) and
walked with ``ast``. A finding flags the submission with the cell and the reason; it is evidence
for the instructor, not proof, and the score then counts only the answers that stood before that
cell. The runtime collector catches what a cell hides from this reading (code built as strings
is flagged when it runs).
"""

from __future__ import annotations

import ast
import functools
import threading

__all__ = ["scan", "rooflib_aliases"]

INTERNALS = frozenset({"__closure__", "cell_contents", "__globals__", "__code__", "__builtins__", "f_back",
                       "f_globals", "f_locals", "f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame",
                       "__subclasses__", "__bases__", "__mro__", "__dict__", "__getattribute__"})
CHECKER = frozenset({"QUESTIONS", "expected", "_RECORDED"})
CHECKER_API = frozenset({"collect", "recorded", "record", "to_jsonable", "check_function"})
"""Names the checker's module has that a student's own code never needs (``gc.collect`` is another matter)."""
INTERPRETER = {"modules": "touches the module table", "_getframe": "reads interpreter frames",
               "_current_frames": "reads interpreter frames", "settrace": "installs a trace function",
               "setprofile": "installs a profile function", "addaudithook": "adds an audit hook",
               "audit": "raises audit events", "_exit": "ends the kernel", "abort": "ends the kernel",
               "kill": "sends a signal", "killpg": "sends a signal", "fork": "starts a process",
               "get_objects": "walks the garbage collector's objects", "get_referrers": "walks the garbage collector",
               "get_referents": "walks the garbage collector"}
SHELL = frozenset({"events", "kernel", "user_ns", "user_global_ns", "user_module", "ast_transformers",
                   "input_transformers_post", "input_transformers_cleanup", "input_transformer_manager",
                   "displayhook", "display_pub", "display_formatter", "run_cell", "run_ast_nodes", "run_code",
                   "showtraceback", "set_custom_exc", "pre_run_cell", "post_run_cell", "pre_execute", "post_execute"})
MODULES = frozenset({"ctypes", "rooflib.grade", "sys.monitoring"})
DYNAMIC = frozenset({"exec", "eval", "compile", "__import__", "breakpoint"})
CHECKER_STRINGS = (CHECKER | CHECKER_API) - {"expected", "record"}  # a string naming these: a lookup by name
PATCHED_ROOTS = frozenset({"sys", "os", "json", "builtins", "rl", "rooflib", "io", "math", "IPython", "ipykernel"})
MARKER_WORDS = ("ROOFLIB_GRADE", "rooflib-grade")
_LOCK = threading.Lock()  # one IPython transformer, shared by the grading threads


def _chain(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain (``?`` for parts that are not names)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "?")
    return ".".join(reversed(parts))


def _attribute(node: ast.Attribute, aliases: frozenset[str]) -> str | None:
    attr, chain = node.attr, _chain(node)
    ours = chain.split(".")[0] in aliases or any(w in chain for w in ("check", "grade", "rooflib"))
    if attr in INTERNALS:
        return f"uses interpreter internals ({chain})"
    if attr in CHECKER or attr in CHECKER_API and ours:
        return f"reads the checker's internals ({chain})"
    if attr.startswith("_") and not attr.startswith("__") and ours:
        return f"reads a private part of rooflib ({chain})"
    if attr in INTERPRETER and attr != "audit" or attr == "audit" and chain.startswith("sys."):
        return f"{INTERPRETER[attr]} ({chain})"
    if attr in SHELL:
        return f"touches IPython's internals ({chain})"
    return None


def _import(names: list[str]) -> str | None:
    for name in names:
        if name in MODULES or name.split(".")[0] in MODULES - {"rooflib.grade"} or name.startswith("rooflib.grade"):
            return f"imports {name}"
        if name.startswith("rooflib.check._"):
            return f"imports the checker's internals ({name})"
    return None


def _call(node: ast.Call) -> str | None:
    f = node.func
    name = f.id if isinstance(f, ast.Name) else None
    if name in DYNAMIC:
        return f"runs code built at run time ({name}())"
    if name in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
        attr = node.args[1]
        if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
            return f"computes an attribute name at run time ({name}(..., <expression>))"
        value = attr.value
        if value in INTERNALS | CHECKER | CHECKER_API | SHELL or value in INTERPRETER or value.startswith("_"):
            return f"reads {value!r} through {name}()"
        if name in ("setattr", "delattr") and isinstance(node.args[0], ast.Name) and node.args[0].id in PATCHED_ROOTS:
            return f"replaces {node.args[0].id}.{value} ({name})"
    if isinstance(f, ast.Attribute) and f.attr in ("attrgetter", "methodcaller", "getmembers", "import_module"):
        return f"reads attributes or modules by name at run time ({_chain(f)})"
    return None


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return []


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _parse(source: str) -> ast.AST | None:
    try:
        with _LOCK:
            python = _transformer().transform_cell(source)
        return ast.parse(python)
    except (SyntaxError, ValueError, TypeError):
        return None  # the cell will fail when it runs; nothing to read


def rooflib_aliases(sources: list[str]) -> frozenset[str]:
    """Names a notebook binds to rooflib or its checker (``import rooflib.check as c``), besides ``rl``."""
    found = {"rl", "rooflib"}
    for tree in filter(None, map(_parse, sources)):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("rooflib")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rooflib"):
                found |= {a.asname or a.name for a in node.names}
    return frozenset(found)


def scan(source: str, aliases: frozenset[str] = frozenset({"rl", "rooflib"})) -> list[str]:
    """The reasons (plain sentences, no duplicates) that flag one code cell; [] for honest code.

    ``aliases``: the names the notebook binds to rooflib or its modules (:func:`rooflib_aliases`).
    """
    tree = _parse(source)
    if tree is None:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        why = None
        if isinstance(node, ast.Attribute):
            why = _attribute(node, aliases)
        elif isinstance(node, ast.Name) and node.id in ("QUESTIONS", "_RECORDED"):
            why = f"reads the checker's internals ({node.id})"
        elif isinstance(node, ast.Import):
            why = _import([a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            why = _import([mod]) or _import([f"{mod}.{a.name}" for a in node.names]) or next(
                (f"imports {a.name} from {mod}" for a in node.names if mod.startswith("rooflib")
                 and (a.name in CHECKER or a.name.startswith("_") or a.name == "grade")), None)
        elif isinstance(node, ast.Call):
            why = _call(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                w in node.value for w in MARKER_WORDS):
            why = "names the grader's marker"
        elif isinstance(node, ast.Constant) and node.value in CHECKER_STRINGS:
            why = f"names the checker's internals ({node.value!r})"
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and _chain(target).split(".")[0] in PATCHED_ROOTS | aliases:
                why = why or f"replaces {_chain(target)}"
        if why:
            found.append(why)
    return list(dict.fromkeys(found))
