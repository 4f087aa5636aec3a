"""Standard output that cannot take what drconsole prints: a narrow encoding, closed, full."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_input import (
    Case,
    Outcome,
    assert_one_line_usage_error,
    prepared,
    run_process,
    state_files,
)

PRINCIPAL = "arn:aws:iam::111122223333:root"
ALLOW_ALL = json.dumps({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_text_a_narrow_encoding_cannot_show_prints_as_question_marks(
    encoding: str, tmp_path: Path
) -> None:
    """A resource name in Greek on an ASCII or Latin-1 terminal: the answer is printed whole,
    with '?' for what the terminal cannot show, exit 0 (ALLOW), nothing on stderr."""
    case = Case(
        (
            "policy",
            "simulate",
            "--policy",
            "{home}/p.json",
            "--action",
            "s3:GetObject",
            "--principal",
            PRINCIPAL,
            "--resource",
            "arn:aws:s3:::αβγ/key",
        ),
        {"PYTHONIOENCODING": encoding},
        {"p.json": ALLOW_ALL.encode()},
    )
    outcome = run_process(case, tmp_path)
    assert outcome.stderr == ""
    assert outcome.code == 0
    assert outcome.stdout.startswith("ALLOW s3:GetObject")
    assert "arn:aws:s3:::???/key" in outcome.stdout


@pytest.mark.parametrize(
    "argv",
    [("ls", "vaults"), ("explain", "AccessDenied"), ("jobs",)],
    ids=lambda argv: " ".join(argv),
)
def test_a_closed_standard_output_is_one_line_and_exit_2(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    """`drconsole ... >&-`: refused before anything is read or written, not a traceback nor
    work done unseen."""
    case = Case(argv)
    with prepared(case, tmp_path) as env:
        done = subprocess.run(
            [sys.executable, "-m", "drconsole", *argv],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            preexec_fn=lambda: os.close(1),
        )
    outcome = Outcome(done.returncode, "", done.stderr.decode("utf-8", "backslashreplace"))
    assert_one_line_usage_error(outcome, case)
    assert "standard output is closed" in outcome.stderr
    assert state_files(tmp_path) == {}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "argv",
    [("explain", "AccessDenied"), ("policy", "simulate", "--policy", "{home}/p.json")],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_full_standard_output_is_one_line_not_a_defect(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    """`drconsole ... > /dev/full` (a full disk under `> FILE`): one line saying the write
    failed and why, exit 1; not 'a defect of drconsole', nor Python's 'Exception ignored'."""
    extra = ("--action", "s3:GetObject", "--principal", PRINCIPAL, "--resource", "arn:aws:s3:::b")
    case = Case(
        (*argv, *extra) if argv[0] == "policy" else argv, files={"p.json": ALLOW_ALL.encode()}
    )
    with prepared(case, tmp_path) as env, open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "drconsole", *case.args_for(tmp_path)],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
        )
    lines = done.stderr.decode("utf-8", "backslashreplace").splitlines()
    assert lines == ["drconsole: could not write: No space left on device (is the disk full?)"]
    assert done.returncode == 1


# Raises KeyboardInterrupt when drconsole.cli is imported: Ctrl+C at that moment, every time.
INTERRUPT_AT_IMPORT = """
import sys


class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "drconsole.cli":
            raise KeyboardInterrupt
        return None


sys.meta_path.insert(0, CtrlC())
"""


@pytest.mark.parametrize("how", ["python -m drconsole", "drconsole"])
def test_ctrl_c_while_drconsole_loads_is_quiet(how: str, tmp_path: Path) -> None:
    """Ctrl+C in the first tenth of a second (while Python imports the command line) printed
    Python's traceback; now it ends as Ctrl+C does later: exit 130, nothing on stderr."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(INTERRUPT_AT_IMPORT)
    script = Path(sys.executable).parent / "drconsole"
    command = [sys.executable, "-m", "drconsole"] if how.startswith("python") else [str(script)]
    env = {**os.environ, "PYTHONPATH": str(hook)}
    done = subprocess.run(
        [*command, "explain", "AccessDenied"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (done.returncode, done.stderr, done.stdout) == (130, "", "")


def test_a_width_of_zero_columns_still_prints_the_answer(tmp_path: Path) -> None:
    """COLUMNS=0 (a `docker exec` without a terminal) printed nothing at all, exit 0."""
    explained = run_process(
        Case(("explain", "ThrottlingException"), env={"COLUMNS": "0"}), tmp_path
    )
    assert explained.code == 0 and "THROTTLED" in explained.stdout, explained
    simulated = run_process(
        Case(
            ("policy", "simulate", "--policy", "{home}/p.json", "--action", "s3:GetObject",
             "--principal", PRINCIPAL),
            env={"COLUMNS": "0"},
            files={"p.json": ALLOW_ALL.encode()},
        ),
        tmp_path,
    )  # fmt: skip
    assert simulated.code == 0 and "allow" in simulated.stdout.lower(), simulated
