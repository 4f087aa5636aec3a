"""Runbook files: the examples parse; every malformed runbook is one line with its place, exit 2,
and nothing is written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from drconsole.drills.parse import format_duration, load_runbook, parse_duration, parse_runbook
from drconsole.drills.yaml_nodes import RunbookError
from tests import forked_cli

DRILL = [sys.executable, "-m", "drconsole", "drill"]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "runbooks"

GOOD = """\
name: payments
objectives: {rpo: 24h, rto: 90m}
cleanup: always
restore_to: {account: "056737219498", region: eu-central-1, vault: qa-vault}
targets:
  - name: db
    resource: {account: "336580474362", type: Aurora, name: prod-payments-cluster}
  - name: bucket
    resource: arn:aws:s3:::prod-assets
    recovery_point: newest-before 2026-12-01T06:00:00Z
    restore_to: {account: "012345678901"}
"""


def test_examples_parse() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert files
    for file in files:
        runbook = load_runbook(file)
        assert runbook.targets and len(runbook.sha256) == 64


def test_a_good_runbook_becomes_typed_structures() -> None:
    runbook = parse_runbook(GOOD, "good.yaml")
    assert runbook.name == "payments" and runbook.cleanup == "always"
    assert runbook.objectives.rpo_seconds == 86400 and runbook.objectives.rto_seconds == 5400
    db, bucket = runbook.targets
    assert db.resource.resource_type == "Aurora" and db.recovery_point.kind == "newest"
    assert db.restore_to.vault_arn == (
        "arn:aws:backup:eu-central-1:056737219498:backup-vault:qa-vault"
    )
    # An account id with a leading zero stays text; defaults merge field by field.
    assert bucket.restore_to.account == "012345678901"
    assert bucket.restore_to.vault == "qa-vault"
    assert bucket.recovery_point.kind == "newest-before"
    assert bucket.recovery_point.before is not None
    assert bucket.recovery_point.before.isoformat() == "2026-12-01T06:00:00+00:00"


def test_durations() -> None:
    assert parse_duration("1h30m") == 5400 and parse_duration("2d") == 172800
    assert format_duration(5400) == "1h30m00s" and format_duration(12.34) == "12.3s"
    for bad in ("", "h", "90", "1.5h", "0s", "-1h", "1h1d"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_the_longest_durations_and_layout_in_texts_are_accepted() -> None:
    runbook = parse_runbook(
        GOOD.replace("rto: 90m", "rto: 365d")
        + "    validate:\n      timeout: 1d\n      command: |\n        set -e\n        \ttrue\n"
        + 'manual_steps:\n  - {name: ask, text: "first\\n\\tthen"}\n',
        "good.yaml",
    )
    assert runbook.objectives.rto_seconds == 365 * 86400
    command = runbook.targets[1].validation.command
    assert command is not None and command.timeout_seconds == 86400
    assert command.argv == ("set -e\n\ttrue",)
    assert runbook.manual_steps[0].text == "first\n\tthen"


TARGET = (
    '  - name: db\n    resource: {account: "336580474362", type: Aurora, name: prod-db}\n'
    '    restore_to: {account: "056737219498", region: eu-central-1, vault: qa-vault}\n'
)
HEAD = "name: drill\ntargets:\n"

# (runbook text, the exact one-line message after "bad.yaml:")
BROKEN: list[tuple[str, str]] = [
    ("", "1:1: the runbook is empty"),
    ("name: [drill\n", "2:1: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("name: a: b\n", "1:8: not valid YAML: mapping values are not allowed here"),
    (
        "- a\n- b\n",
        "1:1: expected a mapping with keys name, description, objectives, cleanup, "
        "manual_steps, source, restore_to, allow_backup_account_restore, copy_retention_days, "
        "targets, got a list",
    ),
    ("name: x\n", "1:1: missing key targets (the resources to restore)"),
    ("targets: []\n", "1:1: missing key name (the drill's name)"),
    # Its evidence folder would be <state dir>/drills/journal.jsonl: the drill journal itself.
    (
        "name: journal.jsonl\ntargets: []\n",
        "1:7: name: 'journal.jsonl' is the name of drconsole's own drill journal or locks folder; "
        "choose another drill name",
    ),
    (
        HEAD + TARGET + "colour: blue\n",
        "6:1: colour: unknown key (known keys: name, description, "
        "objectives, cleanup, manual_steps, source, restore_to, allow_backup_account_restore, "
        "copy_retention_days, targets)",
    ),
    ("name: drill\nname: again\ntargets: []\n", "2:1: name: key given twice"),
    (
        "name: 'bad name!'\ntargets: []\n",
        "1:7: name: 'bad name!' is not a name: 1-64 letters, "
        "digits, '.', '_' or '-', starting with a letter or digit",
    ),
    ("name: drill\ntargets: []\n", "2:10: targets: expected at least one target"),
    ("name: drill\ntargets: {a: 1}\n", "2:10: targets: expected a list, got a mapping"),
    (
        HEAD + TARGET + "cleanup: sometimes\n",
        "6:10: cleanup: expected one of always, on-success, never, got 'sometimes'",
    ),
    (
        HEAD + TARGET + "objectives: {rpo: 24 hours}\n",
        "6:19: objectives.rpo: '24 hours' is not a "
        "duration: use d, h, m and s, e.g. 24h, 90m, 1h30m",
    ),
    (
        HEAD + TARGET + "objectives: {rpo: 24h, rtt: 1h}\n",
        "6:24: objectives.rtt: unknown key (known keys: rpo, rto)",
    ),
    (
        HEAD + TARGET + "objectives: {rto: 0s}\n",
        "6:19: objectives.rto: '0s' is not a duration: use d, h, m and s, e.g. 24h, 90m, 1h30m",
    ),
    (
        HEAD + "  - name: db\n    resource: {account: '336580474362', type: Aurora, name: x}\n",
        "3:5: targets[0]: missing restore_to.account (here or in the runbook's top-level "
        "restore_to)",
    ),
    (HEAD + "  - resource: arn:aws:s3:::b\n", "3:5: targets[0]: missing key name"),
    (HEAD + "  - name: db\n", "3:5: targets[0]: missing key resource"),
    (
        HEAD + TARGET + "    source: {account: 12345}\n",
        "6:23: targets[0].source.account: expected a 12-digit account id (quote it), got '12345'",
    ),
    (
        HEAD + "  - name: db\n    resource: arn:aws:s3:::b\n    restore_to: {account: "
        '"056737219498", region: eu-central-1, vault: qa-vault}\n  - name: db2\n'
        "    resource: arn:aws:s3:::b\n    restore_to: {account: '1', region: eu-central-1, "
        "vault: v1}\n",
        "8:27: targets[1].restore_to.account: expected a 12-digit account id (quote it), got '1'",
    ),
    (
        HEAD + TARGET + "    restore_to: {region: Frankfurt}\n",
        "6:5: targets[0].restore_to: key given twice",
    ),
    (
        HEAD + "  - name: db\n    resource: arn:aws:s3:::b\n    restore_to: {account: "
        '"056737219498", region: Frankfurt, vault: qa-vault}\n',
        "5:51: targets[0].restore_to."
        "region: expected a Region such as eu-central-1, got 'Frankfurt'",
    ),
    (
        HEAD + "  - name: db\n    resource: arn:aws:s3:::b\n    restore_to: {account: "
        '"056737219498", region: eu-central-1, vault: "a b"}\n',
        "5:72: targets[0].restore_to."
        "vault: expected a vault name (2-50 letters, digits, '_', '-'), got 'a b'",
    ),
    (
        HEAD + TARGET.replace("type: Aurora", "type: Oracle"),
        "4:47: targets[0].resource.type: "
        "expected one of EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, got 'Oracle'",
    ),
    (
        HEAD + TARGET.replace("resource: {", "resource: {arn: 'arn:aws:s3:::b', "),
        "4:15: targets[0].resource: give the resource by arn alone, or by account, type and name",
    ),
    (
        HEAD + TARGET.replace(", name: prod-db", ""),
        "4:15: targets[0].resource: missing key name (or give the resource's arn)",
    ),
    (HEAD + TARGET + "    resource: not-an-arn\n", "6:5: targets[0].resource: key given twice"),
    (
        HEAD
        + TARGET.replace('{account: "336580474362", type: Aurora, name: prod-db}', "s3://bucket"),
        "4:15: targets[0].resource: expected an ARN (arn:aws:...), got 's3://bucket'",
    ),
    (
        HEAD + TARGET + "    recovery_point: latest\n",
        "6:21: targets[0].recovery_point: expected "
        "newest, newest-before TIME or a recovery point ARN, got 'latest'",
    ),
    (
        HEAD + TARGET + "    recovery_point: newest-before yesterday\n",
        "6:21: targets[0]."
        "recovery_point: expected an ISO 8601 time such as 2026-12-01T06:00:00Z, got 'yesterday'",
    ),
    (
        HEAD + TARGET + "    recovery_point: newest-before 2026-12-01T06:00:00\n",
        "6:21: targets[0]"
        ".recovery_point: the time '2026-12-01T06:00:00' needs a time zone (e.g. Z or +01:00)",
    ),
    (
        HEAD + TARGET + "    recovery_point: {newest-before: '2026-12-01T06:00Z', arn: 'arn:aws:x:"
        "y:1:z'}\n",
        "6:21: targets[0].recovery_point: give exactly one of newest-before or arn",
    ),
    (
        HEAD + TARGET + "    metadata: {Port: [1, 2]}\n",
        "6:22: targets[0].metadata.Port: expected a text value, got a list",
    ),
    (
        HEAD + TARGET + "    metadata: [a]\n",
        "6:15: targets[0].metadata: expected a mapping, got a list",
    ),
    (
        HEAD + TARGET + "    validate: {builtin: maybe}\n",
        "6:25: targets[0].validate.builtin: expected true or false, got 'maybe'",
    ),
    (
        HEAD + TARGET + "    validate: {tolerance: lots}\n",
        "6:27: targets[0].validate.tolerance: expected a percentage from 0% to 100%, got 'lots'",
    ),
    (
        HEAD + TARGET + "    validate: {timeout: 1m}\n",
        "6:25: targets[0].validate.timeout: timeout applies to a command: add command",
    ),
    (
        HEAD + TARGET + "    validate: {command: []}\n",
        "6:25: targets[0].validate.command: expected a command, got an empty list",
    ),
    (
        HEAD + TARGET + "    validate: {command: 'echo \"unclosed'}\n",
        "6:25: targets[0].validate"
        ".command: the command does not parse as shell words: No closing quotation",
    ),
    (
        HEAD + TARGET + "    validate: {builtin: false, compare_with_source: true}\n",
        "6:53: targets[0].validate.compare_with_source: compare_with_source needs builtin: true",
    ),
    (HEAD + TARGET + TARGET, "6:5: targets[1]: target name 'db' is used twice; names must differ"),
    (HEAD + TARGET + "manual_steps:\n  - name: ask\n", "7:5: manual_steps[0]: missing key text"),
    (
        HEAD + TARGET + "manual_steps:\n  - {name: ask, text: hi, when: during}\n",
        "7:33: manual_steps[0].when: expected one of before, after, got 'during'",
    ),
    (
        HEAD + TARGET + "manual_steps:\n  - {name: ask, text: hi, required: 1}\n",
        "7:37: manual_steps[0].required: expected true or false, got '1'",
    ),
    (
        HEAD + TARGET + "manual_steps:\n  - {name: ask, text: ~}\n",
        "7:23: manual_steps[0].text: expected the step's instructions, got nothing",
    ),
    # Bounds: a timeout no subprocess can wait, a NUL no program can be given, an escape sequence
    # in a command, an objective past a year, a role or metadata value AWS cannot take.
    (
        HEAD + TARGET + "    validate: {command: 'true', timeout: 110000d}\n",
        "6:42: targets[0].validate.timeout: '110000d' is too long: "
        "at most 1d (a command's timeout)",
    ),
    (
        HEAD + TARGET + "    validate: {command: 'true', timeout: 24h1s}\n",
        "6:42: targets[0].validate.timeout: '24h1s' is too long: at most 1d (a command's timeout)",
    ),
    (
        HEAD + TARGET + "    validate: {command: ['true', \"a\\0b\"]}\n",
        "6:34: targets[0].validate.command[1]: 'a\\x00b' holds control characters",
    ),
    (
        HEAD + TARGET + '    validate: {command: "true\\0x"}\n',
        "6:25: targets[0].validate.command: 'true\\x00x' holds control characters",
    ),
    (
        HEAD + TARGET + '    validate: {command: "echo \\e[31m"}\n',
        "6:25: targets[0].validate.command: 'echo \\x1b[31m' holds control characters",
    ),
    (
        HEAD + TARGET + "    objectives: {rpo: 1000000000d}\n",
        "6:23: targets[0].objectives.rpo: '1000000000d' is too long: at most 365d (an objective)",
    ),
    (
        HEAD + TARGET + "objectives: {rto: 366d}\n",
        "6:19: objectives.rto: '366d' is too long: at most 365d (an objective)",
    ),
    (
        HEAD + TARGET + '    metadata: {targetTableName: "a\\0b"}\n',
        "6:33: targets[0].metadata.targetTableName: 'targetTableName': the value holds control "
        "characters",
    ),
    (
        HEAD + TARGET + '    restore_role: "a\\0b"\n',
        "6:19: targets[0].restore_role: 'a\\x00b': "
        "expected an IAM role name, path/name or role ARN",
    ),
    (
        HEAD + TARGET + '    copy_role: "bad role!"\n',
        "6:16: targets[0].copy_role: 'bad role!': an IAM role name is 1 to 64 letters, digits and "
        "+=,.@_- (optionally after a path, or as arn:aws:iam::ACCOUNT:role/NAME)",
    ),
    (
        HEAD + TARGET.replace("name: prod-db", 'name: "p\\0"'),
        "4:61: targets[0].resource.name: 'p\\x00' holds control characters",
    ),
    ("name: drill\ntargets: *nowhere\n", "2:10: not valid YAML: found undefined alias 'nowhere'"),
    (
        "name: drill\n---\nname: other\n",
        "2:1: not valid YAML: expected a single document in the stream, but found another document",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_a_malformed_runbook_is_one_line_naming_where(text: str, message: str) -> None:
    with pytest.raises(RunbookError) as caught:
        parse_runbook(text, "bad.yaml")
    assert str(caught.value) == f"bad.yaml:{message}"
    assert "\n" not in str(caught.value)


CLI_REFUSED = [
    (
        "cleanup: sometimes\n",
        "6:10: cleanup: expected one of always, on-success, never, got 'sometimes'",
    ),
    # Both passed `drill plan` and then crashed `drill run` after its restore, and every resume.
    (
        "    validate: {command: 'true', timeout: 110000d}\n",
        "6:42: targets[0].validate.timeout: '110000d' is too long: "
        "at most 1d (a command's timeout)",
    ),
    (
        '    validate: {command: ["true", "a\\0b"]}\n',
        "6:34: targets[0].validate.command[1]: 'a\\x00b' holds control characters",
    ),
]


@pytest.mark.parametrize(("extra", "message"), CLI_REFUSED, ids=["cleanup", "timeout", "NUL"])
def test_the_cli_says_one_line_exits_2_and_writes_nothing(
    tmp_path: Path, extra: str, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + TARGET + extra)
    state = tmp_path / "state"
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(state),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never reached: the runbook is read first
    }
    for command in (["plan"], ["run", "--yes"]):
        done = forked_cli.run(
            [sys.executable, "-m", "drconsole", "drill", *command, str(bad)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr == f"drconsole: {bad}:{message}\n"
    assert not state.exists()


def test_a_drill_driven_by_another_process_is_not_resumed_twice(tmp_path: Path) -> None:
    from drconsole.drills.journal import DrillJournal
    from drconsole.flows.journal import FlowLock

    runbook = EXAMPLES / "payments.yaml"
    state = tmp_path / "state" / "drconsole"
    DrillJournal(state).append(
        "20261203T000000Z-abcdef",
        "drill-start",
        runbook="payments",
        path=str(runbook),
        sha256=load_runbook(runbook).sha256,
        started="2026-12-03T00:00:00+00:00",
        targets=[],
    )
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never reached: the lock is taken first
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-secret",
        "AWS_REGION": "eu-central-1",
    }
    lock = FlowLock(state / "drills", "20261203T000000Z-abcdef")
    assert lock.acquire()
    try:
        done = forked_cli.run(
            [*DRILL, "resume", "20261203T000000Z-abcdef", "--yes"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        lock.release()
    assert done.returncode == 2
    assert done.stderr == (
        "drconsole: drill 20261203T000000Z-abcdef is being run by another drconsole process\n"
    )
    unknown = forked_cli.run(
        [*DRILL, "resume", "20261203T000000Z-000000", "--yes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert unknown.returncode == 2 and unknown.stderr.startswith(
        "drconsole: no drill 20261203T000000Z-000000"
    )


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a value in a YAML-shaped structure."""
    found: list[tuple[object, ...]] = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(value: object, path: tuple[object, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replace(v, rest, new) if k == head else v for k, v in value.items()}
    assert isinstance(value, list)
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


def test_any_mutation_of_a_runbook_parses_or_is_one_line_with_its_place() -> None:
    """Property: replace any value of a good runbook by anything YAML can hold; the runbook
    either parses into typed structures or fails as one line naming the file and line:column."""
    import re

    import yaml
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    good = yaml.safe_load((EXAMPLES / "payments.yaml").read_text())
    paths = _paths(good)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.sampled_from(["newest", "24h", "0s", "arn:aws:s3:::x", "eu-central-1", "123456789012"]),
    )
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(paths), values)
    @example((), {"\n": None})  # a key holding a line break, once written into the message
    @example(("targets",), [{"name": "x", "a\rb": 1}])
    def check(path: tuple[object, ...], new: object) -> None:
        text = yaml.safe_dump(_replace(good, path, new), sort_keys=False)
        try:
            runbook = parse_runbook(text, "bad.yaml")
        except RunbookError as error:
            message = str(error)
            assert "\n" not in message
            assert re.match(r"bad\.yaml:\d+:\d+: ", message), message
        else:
            assert runbook.name and runbook.targets

    check()


def test_regions_of_every_partition_and_vault_names_as_aws_spells_them() -> None:
    """A Region of the European Sovereign Cloud (eusc-de-east-1) is a Region; a vault name is
    CreateBackupVault's ^[a-zA-Z0-9\\-\\_]{2,50}$ (no dot)."""
    eusc = GOOD.replace("region: eu-central-1", "region: eusc-de-east-1")
    assert parse_runbook(eusc, "eusc.yaml").targets
    with pytest.raises(RunbookError, match="expected a vault name"):
        parse_runbook(GOOD.replace("vault: qa-vault", "vault: qa.vault"), "dot.yaml")
