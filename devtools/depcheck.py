"""`make lint`'s dependency check: pyproject.toml names every package the code imports, in the group that
installs it, and both lock files pin every package pyproject.toml names (else: `make lock`)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"requirements/run.lock": ("dev",), "requirements/test.lock": ("dev", "test")}
FIRST_PARTY = {"ideas_portal", "devtools", "tests", "migrations", "wsgi"}
# Which groups may provide what a folder imports: the app only what a production install has.
FOLDERS = {
    "ideas_portal": ("s3",),
    "migrations": (),
    "wsgi.py": (),
    "devtools": ("dev",),
    "tests": ("s3", "dev", "test"),
    "bench": ("s3", "dev", "test"),
}


def requirements(project: dict, extras: tuple[str, ...]) -> list[Requirement]:
    """The runtime dependencies plus the named extras, following an extra that names this project's own."""
    own = canonicalize_name(project["name"])
    found, pending, seen = [Requirement(r) for r in project.get("dependencies", [])], list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for line in project.get("optional-dependencies", {}).get(extra, []):
            req = Requirement(line)
            if canonicalize_name(req.name) == own:
                pending.extend(req.extras)
            else:
                found.append(req)
    return [req for req in found if req.marker is None or req.marker.evaluate()]


def imported_modules(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def undeclared_imports(project: dict) -> list[str]:
    providers = packages_distributions()
    problems = []
    for folder, extras in FOLDERS.items():
        declared = {canonicalize_name(req.name) for req in requirements(project, extras)}
        base = ROOT / folder
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        local = {path.stem for path in files} if folder == "bench" else set()  # bench's scripts import each other
        for path in files:
            for module in sorted(imported_modules(path) - FIRST_PARTY - local - set(sys.stdlib_module_names)):
                dists = {canonicalize_name(d) for d in providers.get(module, [])}
                if not dists:
                    problems.append(f"{path.relative_to(ROOT)} imports {module}, which no installed package provides")
                elif not dists & declared:
                    groups = "dependencies" + "".join(f" or the {e} extra" for e in extras)
                    problems.append(
                        f"{path.relative_to(ROOT)} imports {module}: name {' or '.join(sorted(dists))}"
                        f" in pyproject.toml's {groups}"
                    )
    return problems


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            name, _, version = line.split(" ")[0].partition("==")
            found[canonicalize_name(name)] = version
    return found


def stale_locks(project: dict) -> list[str]:
    problems, pinned = [], {}
    for name, extras in LOCKS.items():
        lock = ROOT / name
        if not lock.exists():
            problems.append(f"{name} is missing: run `make lock`")
            continue
        pinned[name] = pins(lock)
        for req in requirements(project, extras):
            version = pinned[name].get(canonicalize_name(req.name))
            if version is None or not req.specifier.contains(version, prereleases=True):
                problems.append(f"{name} does not satisfy {req} (pinned: {version}): run `make lock`")
    if len(pinned) == 2:
        run, test = pinned.values()
        problems += [
            f"{package}: run.lock pins {version}, test.lock {test.get(package)}: run `make lock`"
            for package, version in run.items()
            if test.get(package) != version
        ]
    return problems


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    problems = undeclared_imports(project) + stale_locks(project)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
