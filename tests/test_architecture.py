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
    "readiness",
    "policy",
    "diagnose",
    "models.py",
    "config.py",
    "errors.py",
    "job_request.py",
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


JOB_STARTS = {"start_copy_job", "start_restore_job"}


def test_jobs_start_only_from_a_confirmed_job_request() -> None:
    """StartCopyJob and StartRestoreJob are called in one place, `JobsApi.start(request)`,
    with nothing but that request's own parameters: no other code can send a request that
    differs from the JobRequest the operator confirmed (DESIGN.md section 9)."""
    calls: list[tuple[str, str, ast.Call]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE))
        if where.startswith("sandbox/"):
            continue  # the sandbox is AWS itself
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            named = isinstance(node, ast.Constant) and node.value in JOB_STARTS
            assert not named, f"{where}:{node.lineno} names a job start as a string"
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr in JOB_STARTS
                ):
                    calls.append((where, node.name, inner))
    assert sorted({(where, name) for where, name, _ in calls}) == [("aws/jobs.py", "start")]
    assert sorted(call.func.attr for _, _, call in calls) == sorted(JOB_STARTS)  # type: ignore[attr-defined]
    for _, _, call in calls:
        assert not call.args and len(call.keywords) == 1, "a start takes only **parameters"
        spread = call.keywords[0]
        assert spread.arg is None and isinstance(spread.value, ast.Name)
        assert spread.value.id == "parameters"
    jobs = ast.parse((PACKAGE / "aws" / "jobs.py").read_text())
    start = next(n for n in ast.walk(jobs) if isinstance(n, ast.FunctionDef) and n.name == "start")
    arguments = [
        (a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in start.args.args
    ]
    # the request, and the id of its audit intent (what was sent is logged, not rebuilt)
    assert arguments == [("self", ""), ("request", "JobRequest"), ("intent", "str | None")]
    assigned = [
        ast.unparse(n)
        for n in ast.walk(start)
        if isinstance(n, ast.Assign) and any(ast.unparse(t) == "parameters" for t in n.targets)
    ]
    assert assigned == ["parameters = request.parameters"], "the request's parameters, as they are"


def built_or_subclassed(widget: str, except_in: str) -> list[str]:
    """Where `drconsole/tui` builds `widget` or subclasses it, outside the file `except_in`."""
    places: list[str] = []
    for path in sorted((PACKAGE / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            built = isinstance(node, ast.Call) and getattr(node.func, "id", "") == widget
            based = isinstance(node, ast.ClassDef) and any(
                widget in ast.unparse(base) for base in node.bases
            )
            if (built or based) and path.name != except_in:
                places.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return places


def test_console_tables_are_fitted_tables() -> None:
    """Every table of the console is built as a FittedTable (or a subclass of it): a plain
    DataTable drawn before it measured its rows keeps its cells cut to the header's width."""
    plain = built_or_subclassed("DataTable", except_in="fitted_table.py")
    assert not plain, f"plain DataTable (use FittedTable): {plain}"


def test_console_logs_wrap_at_their_own_width() -> None:
    """Every log of the console is a WrappedLog: a plain RichLog renders each line at least
    78 columns wide and cuts the end of a long line off at 80x24."""
    plain = built_or_subclassed("RichLog", except_in="wrapped_log.py")
    assert not plain, f"plain RichLog (use WrappedLog): {plain}"
