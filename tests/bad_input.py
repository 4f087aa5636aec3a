"""Running the real command line on bad input, in process or as a process, and judging the answer.

A `Case` is one invocation: its arguments, environment changes and the files it needs (written
under a scratch home, `{home}` in an argument stands for it). `run_in_process` calls
`drconsole.cli.main` with the environment swapped in and stdout/stderr captured (the real code,
without a Python start-up per case); `run_process` runs `python -m drconsole`. The judges say what
every user mistake must give: exit 2, exactly one line on stderr naming it, no traceback, no
control character raw, nothing written to the state directory.

`BAD_INPUT` maps a group name to a Hypothesis strategy of Cases that are user mistakes by
construction; `tests/test_fuzz_bad_input.py` runs every group. A new command adds its own group
with `register("drill run", strategy)` (runbooks, say) and is fuzzed with the rest.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from tests import forked_cli

# Nothing answers here: a case that wrongly got past validation fails as NETWORK (exit 3) at
# once, and nothing can reach a real AWS.
DEAD_ENDPOINT = "http://127.0.0.1:9"
# Control characters that must never reach a terminal raw (ESC starts colour and cursor codes).
CONTROL_CHARACTERS = "\x1b\x07\x08\x0b\x0c\r\x7f\x9b\u202e"

COUNTS: Counter[str] = Counter()


@dataclass(frozen=True)
class Case:
    """One invocation of the command line."""

    argv: tuple[str, ...]
    env: Mapping[str, str | None] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    stdin: bytes = b""  # what standard input holds (never a terminal)
    fifos: tuple[str, ...] = ()  # named pipes no one writes to, made under the home

    def args_for(self, home: Path) -> list[str]:
        """The arguments with `{home}` replaced by the scratch home."""
        return [arg.replace("{home}", str(home)) for arg in self.argv]


@dataclass(frozen=True)
class Outcome:
    """What one run gave."""

    code: int
    stdout: str
    stderr: str


BAD_INPUT: dict[str, st.SearchStrategy[Case]] = {}


def register(group: str, strategy: st.SearchStrategy[Case]) -> None:
    """Add a group of user mistakes to the fuzz suite (a new subcommand, runbooks...)."""
    BAD_INPUT[group] = strategy


def base_env(home: Path) -> dict[str, str]:
    """An environment that reaches no AWS and keeps every drconsole file under `home`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "XDG_", "DRCONSOLE"))
    }
    env.update(
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_REGION="eu-central-1",
        AWS_ENDPOINT_URL=DEAD_ENDPOINT,
        AWS_EC2_METADATA_DISABLED="true",
        NO_COLOR="1",
        COLUMNS="120",
    )
    return env


@contextlib.contextmanager
def prepared(case: Case, home: Path) -> Iterator[dict[str, str]]:
    """The case's files written under `home` and its environment; files removed afterwards."""
    env = base_env(home)
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value.replace("{home}", str(home))
    written = []
    for relative, content in case.files.items():
        path = home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    for relative in case.fifos:
        path = home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        written.append(path)
    try:
        yield env
    finally:
        for path in written:
            path.unlink(missing_ok=True)


def run_in_process(case: Case, home: Path) -> Outcome:
    """`drconsole.cli.main(argv)` with the case's environment, output captured."""
    from drconsole.cli import main

    with prepared(case, home) as env:
        saved = dict(os.environ)
        out, err = io.StringIO(), io.StringIO()
        saved_stdin = sys.stdin
        try:
            os.environ.clear()
            os.environ.update(env)
            sys.stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(case.args_for(home))
        finally:
            sys.stdin = saved_stdin
            os.environ.clear()
            os.environ.update(saved)
    return Outcome(code, out.getvalue(), err.getvalue())


def run_process(
    case: Case, home: Path, timeout: float = 60, max_memory: int | None = None
) -> Outcome:
    """`python -m drconsole` with the case's environment; `max_memory` bytes of address space
    at most (a case that would read without end fails instead of filling the machine)."""

    def limit_memory() -> None:
        if max_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    with prepared(case, home) as env:
        done = forked_cli.run(
            [sys.executable, "-m", "drconsole", *case.args_for(home)],
            input=case.stdin,
            capture_output=True,
            env=env,
            timeout=timeout,
            preexec_fn=limit_memory,
        )
    decode = lambda data: data.decode("utf-8", "backslashreplace")  # noqa: E731
    return Outcome(done.returncode, decode(done.stdout), decode(done.stderr))


def state_files(home: Path) -> dict[str, int]:
    """Every file under the state directory, with its size."""
    state = home / "state"
    if not state.exists():
        return {}
    return {str(p.relative_to(state)): p.stat().st_size for p in state.rglob("*") if p.is_file()}


def assert_one_line_usage_error(outcome: Outcome, case: Case) -> None:
    """Exit 2 and exactly one line on stderr, from drconsole, with nothing raw or internal."""
    where = f"{case.argv!r} env={dict(case.env)!r}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, where
    assert "unexpected error" not in outcome.stderr, f"{where}: {outcome.stderr}"
    assert outcome.code == 2, f"{where}: exit {outcome.code}: {outcome.stderr}{outcome.stdout}"
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, f"{where}: {outcome.stderr!r}"
    assert lines[0].startswith("drconsole"), f"{where}: {lines[0]!r}"
    assert outcome.stderr.endswith("\n")
    assert not any(c in outcome.stderr for c in CONTROL_CHARACTERS), f"{where}: {lines[0]!r}"
