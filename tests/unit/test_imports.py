"""Services stand in layers: no import cycles among them, no jobs, and no late imports beyond the few listed."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ideas_portal"

# Imports inside functions that must stay there, each for its reason; any other late import fails this test.
ALLOWED_LATE = {
    # the job registry imports the jobs, which call services, which enqueue through the outbox
    ("outbox.py", "enqueue", ".jobs"),
    ("outbox.py", "push", ".jobs"),
    # boto3 is only installed with the `s3` extra
    ("storage.py", "storage", "boto3"),
    ("storage.py", "exists", "botocore.exceptions"),
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(path: Path, node: ast.Import | ast.ImportFrom) -> set[str]:
    """Absolute names an import statement may load: the module and, for `from x import y`, x.y."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if node.level:
        base = _module(path).split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - node.level + 1]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return {module} | {f"{module}.{alias.name}" for alias in node.names}


def _imports(path: Path):
    """(function name or None for module level, import node) for every import in the file."""
    tree = ast.parse(path.read_text(), str(path))
    late = {}
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    late.setdefault(id(node), func.name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield late.get(id(node)), node


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


def _services_graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in _sources()}
    services = {m: p for m, p in modules.items() if m.startswith("ideas_portal.services.")}
    graph = {}
    for name, path in services.items():
        graph[name] = {
            t
            for func, node in _imports(path)
            if func is None
            for t in _targets(path, node)
            if t in services and t != name and not name.startswith(t + ".")
        }  # a parent is loaded first
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_among_services():
    assert _cycles(_services_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_services_never_import_jobs():
    offenders = []
    for path in _sources():
        if _module(path).startswith("ideas_portal.services"):
            for _func, node in _imports(path):
                if any(t == "ideas_portal.jobs" or t.startswith("ideas_portal.jobs.") for t in _targets(path, node)):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == [], "services enqueue jobs by name through outbox.enqueue(), never import jobs"


def test_imports_inside_functions_are_only_the_listed_ones():
    late = set()
    for path in _sources():
        for func, node in _imports(path):
            if func is not None:
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                late.add((str(path.relative_to(PACKAGE)), func, "." * getattr(node, "level", 0) + (module or "")))
    assert late - ALLOWED_LATE == set(), "import at the top of the module, or move the code to where it belongs"
