"""Layering rules of DESIGN.md section 3, enforced on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "drconsole"
CORE = [
    "aws",
    "checks",
    "flows",
    "drills",
    "policy.py",
    "policy_conditions.py",
    "policy_principals.py",
    "diagnose.py",
    "diagnose_rules.py",
    "diagnose_remedies.py",
    "diagnose_facts.py",
    "models.py",
    "config.py",
    "errors.py",
]
SANDBOX_FORBIDDEN = ("drconsole.policy", "drconsole.checks", "drconsole.diagnose")
# The sandbox is AWS: it may use nothing of drconsole but its own package.
SANDBOX_ALLOWED_PREFIX = "drconsole.sandbox"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, absolute or relative (resolved against the package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package_parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def python_files(*relative: str) -> list[Path]:
    """The .py files under the given package-relative files or folders."""
    files: list[Path] = []
    for name in relative:
        target = PACKAGE / name
        if target.is_file():
            files.append(target)
        elif target.is_dir():
            files.extend(sorted(target.rglob("*.py")))
    return files


@pytest.mark.parametrize("path", python_files(*CORE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_does_not_import_textual_or_questionary(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in {"textual", "questionary"}}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", python_files("sandbox"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sandbox_has_its_own_rules(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith(SANDBOX_FORBIDDEN)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert not missing, f"modules without a docstring: {missing}"


@pytest.mark.parametrize("path", python_files("sandbox"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sandbox_uses_only_its_own_package(path: Path) -> None:
    ours = {m for m in imported_modules(path) if m.startswith("drconsole")}
    bad = {m for m in ours if not m.startswith(SANDBOX_ALLOWED_PREFIX)}
    assert not bad, f"{path.name} imports {sorted(bad)}"
