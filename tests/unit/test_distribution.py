"""The installable distribution is the runtime alone: the image's `pip install .` gets no local-stack tooling.

Read from pyproject.toml with setuptools' own package discovery (what a wheel build runs), so the
check costs milliseconds instead of a build.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

from setuptools import find_namespace_packages

from doable.config import REPO_ROOT

PYPROJECT: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
DEVELOPMENT_ONLY = {"confluent_kafka", "doable_dev"}


def packaged() -> list[str]:
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    return find_namespace_packages(
        where=str(REPO_ROOT / find["where"][0]),
        include=find.get("include", ["*"]),
        exclude=find.get("exclude", []),
    )


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_wheel_holds_the_doable_package_and_not_the_local_stack() -> None:
    packages = packaged()
    assert "doable" in packages and "doable.adapters.repositories" in packages, packages
    assert [p for p in packages if p.split(".")[0] != "doable"] == []
    # The development package is really there to leave out: the venv imports it from shared/.
    assert (REPO_ROOT / "shared" / "doable_dev" / "stack.py").is_file()


def test_the_runtime_dependencies_leave_the_stack_and_test_tools_to_extras() -> None:
    runtime = {requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "confluent-kafka" not in runtime
    assert "confluent-kafka" in {requirement_name(r) for r in extras["dev"]}
    assert runtime.isdisjoint(requirement_name(r) for r in extras["test"] if not r.startswith("doable["))


def _imported_modules(path: Path) -> list[tuple[str, ast.stmt]]:
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node))
    return found


def test_no_runtime_module_needs_the_development_only_code() -> None:
    """The image has neither; the one exception asks for `up`/`down` and goes on without them."""
    offenders = []
    for path in sorted((REPO_ROOT / "shared" / "doable").rglob("*.py")):
        for module, node in _imported_modules(path):
            if module.split(".")[0] in DEVELOPMENT_ONLY:
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} imports {module}")
    assert offenders == [f"shared/doable/cli.py:{_guarded_line()} imports doable_dev.cli"]


def _guarded_line() -> int:
    """The line of cli.py's import of the development commands, inside its ModuleNotFoundError guard."""
    tree = ast.parse((REPO_ROOT / "shared" / "doable" / "cli.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(handler.type, ast.Name) and handler.type.id == "ModuleNotFoundError"
            for handler in node.handlers
        ):
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.module == "doable_dev.cli":
                    return inner.lineno
    raise AssertionError("cli.py imports doable_dev.cli outside a ModuleNotFoundError guard")
