"""Paths and numbers a person types that Python itself refuses: `~user` of an unknown user, a
name longer than the file system allows, a duration of hundreds of digits, a digit that is not
ASCII. Each is one line naming where it was given, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import Case, assert_one_line_usage_error, run_in_process, state_files

LONG = "a" * 300  # over NAME_MAX (255) on every usual file system: ENAMETOOLONG
HUGE = "9" * 400  # a float cannot hold it (OverflowError, not ValueError)
RUNBOOK = """name: typed
restore_to: {{account: "031979786697", region: {region}, vault: recovery-vault}}
{objectives}targets:
  - name: t1
    resource: {{account: "{account}", type: DynamoDB, name: prod-sessions}}
"""


def runbook(objectives: str = "", region: str = "eu-central-1", account: str = "336580474362"):
    text = RUNBOOK.format(objectives=objectives, region=region, account=account)
    return {"r.yaml": text.encode()}


CASES = {
    "runbook rpo of 400 digits": (
        Case(("drill", "plan", "{home}/r.yaml"), files=runbook(f"objectives:\n  rpo: {HUGE}d\n")),
        "r.yaml:",
    ),
    "drill cleanup --wait of 400 digits": (
        Case(("drill", "cleanup", "20261203T001200Z-1a2b3c", "--wait", HUGE + "d")),
        "--wait",
    ),
    "runbook Region with an Arabic-Indic digit": (
        Case(("drill", "plan", "{home}/r.yaml"), files=runbook(region="eu-central-\u0661")),
        "r.yaml:",
    ),
    "runbook account of Arabic-Indic digits": (
        Case(("drill", "plan", "{home}/r.yaml"), files=runbook(account="\u0663" * 12)),
        "r.yaml:",
    ),
    "AWS_MAX_ATTEMPTS of a superscript digit": (
        Case(("ls", "vaults"), env={"AWS_MAX_ATTEMPTS": "\u00b2"}),
        "AWS_MAX_ATTEMPTS",
    ),
    "--html under ~ of an unknown user": (
        Case(("readiness", "--html", "~nosuchuser/r.html")),
        "no user 'nosuchuser'",
    ),
    "--runbooks under ~ of an unknown user": (
        Case(("--runbooks", "~nosuchuser/rb", "ls", "vaults")),
        "--runbooks",
    ),
    "init --config under ~ of an unknown user": (
        Case(("init", "--yes", "--config", "~nosuchuser/c.toml")),
        "--config",
    ),
    "drill run --junit under ~ of an unknown user": (
        Case(("drill", "run", "{home}/r.yaml", "--junit", "~nosuchuser/j.xml"), files=runbook()),
        "--junit",
    ),
    "AWS_CA_BUNDLE under ~ of an unknown user": (
        Case(("ls", "vaults"), env={"AWS_CA_BUNDLE": "~nosuchuser/ca.pem"}),
        "AWS_CA_BUNDLE",
    ),
    "config file runbooks_dir under ~ of an unknown user": (
        Case(
            ("ls", "vaults"),
            files={"config/drconsole/config.toml": b'runbooks_dir = "~nosuchuser/rb"\n'},
        ),
        "runbooks_dir",
    ),
    "--html name too long": (Case(("readiness", "--html", "{home}/" + LONG)), "--html"),
    "--report-dir name too long": (
        Case(
            ("drill", "run", "{home}/r.yaml", "--report-dir", f"{{home}}/{LONG}/x"), files=runbook()
        ),
        "--report-dir",
    ),
    "drill history name too long": (Case(("drill", "history", LONG)), "drill history"),
    "XDG_STATE_HOME name too long": (
        Case(("jobs",), env={"XDG_STATE_HOME": "{home}/" + LONG}),
        "XDG_STATE_HOME",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_said_in_one_line_naming_where(tmp_path: Path, name: str) -> None:
    case, named = CASES[name]
    outcome = run_in_process(case, tmp_path)
    assert_one_line_usage_error(outcome, case)
    assert named in outcome.stderr, outcome.stderr
    assert state_files(tmp_path) == {}
