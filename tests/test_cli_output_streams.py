"""Standard output that cannot take what drconsole prints: a narrow encoding, closed, full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bad_input import Case, run_process

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
