"""Break-glass credentials as an SRE uses them when single sign-on is down: stored in a real
keyring backend (keyrings.alt's file backend, chosen through keyring's own PYTHON_KEYRING_BACKEND
in a scratch XDG_DATA_HOME), then `--break-glass NAME` with MFA through the sandbox's STS, a copy
flow whose audit log marks every call, and the secret nowhere in what the run left or printed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests import forked_cli
from tests.bad_input import Case, Outcome, run_in_process
from tests.cli_box import NORTH, TIMEOUT, Box, audit_path, json_lines

MFA_CODE = "424242"
FILE_KEYRING = "keyrings.alt.file.PlaintextKeyring"
# An SSO profile whose token cache is empty: what `aws sso login` would fix, if SSO were up.
BROKEN_SSO = """[profile corp-admin]
sso_session = corp
sso_account_id = {account}
sso_role_name = AdministratorAccess
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
"""


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0, mfa_code=MFA_CODE))
    try:
        yield Box(sandbox, info)
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def breakglass_user(box: Box) -> dict[str, str]:
    """An IAM user of the management account with an access key and a virtual MFA device."""
    iam = box.sandbox.client("iam", box.accounts["management"])
    iam.create_user(UserName="breakglass")
    key = iam.create_access_key(UserName="breakglass")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="breakglass")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="breakglass",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="111111",
        AuthenticationCode2="222222",
    )
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
        "mfa_serial": device["SerialNumber"],
        "arn": iam.get_user(UserName="breakglass")["User"]["Arn"],
    }


def environment(box: Box, home: Path, **extra: str) -> dict[str, str]:
    """The sandbox endpoint, a broken SSO profile, no keys in the environment, a file keyring
    under `home`."""
    env = box.env(home)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    config = home / "aws-config"
    config.write_text(BROKEN_SSO.format(account=box.accounts["management"]))
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_PROFILE="corp-admin",
        XDG_DATA_HOME=str(home / "xdg-data"),
        PYTHON_KEYRING_BACKEND=FILE_KEYRING,
        NO_COLOR="1",
    )
    env.pop("DRCONSOLE_MFA_CODE", None)
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def answers(user: dict[str, str], *, mfa: bool = True) -> str:
    lines = [
        "# from the IAM console",
        "[ops]",
        f"aws_access_key_id = {user['aws_access_key_id']}",
        f"aws_secret_access_key = {user['aws_secret_access_key']}",
    ]
    if mfa:
        lines.append(f"mfa_serial = {user['mfa_serial']}")
    return "\n".join(lines) + "\n"


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def in_process(home: Path, *argv: str, stdin: str = "", **env: str) -> Outcome:
    """The real command line, run in this process (no Python start-up per call)."""
    return run_in_process(Case(argv, {**KEYRING_ENV, **env}, {}, stdin.encode()), home)


KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": FILE_KEYRING}
USER = {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "mfa_serial": "arn:aws:iam::123456789012:mfa/ops",
}


def single_line(done: Outcome, code: int) -> str:
    assert done.code == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_set_list_delete(tmp_path: Path) -> None:
    stored = in_process(tmp_path, "credentials", "set", "ops", stdin=answers(USER))
    assert stored.code == 0, stored.stderr
    assert "stored break-glass credentials 'ops' (key AKIA…MPLE" in stored.stdout
    assert in_process(tmp_path, "credentials", "set", "spare", stdin=answers(USER, mfa=False))
    listed = in_process(tmp_path, "credentials", "list", "--json")
    rows = json.loads(listed.stdout)["credentials"]
    assert rows == [
        {"name": "ops", "access_key_id": "AKIA…MPLE", "mfa": True},
        {"name": "spare", "access_key_id": "AKIA…MPLE", "mfa": False},
    ]
    again = in_process(tmp_path, "credentials", "set", "spare", stdin=answers(USER, mfa=False))
    assert "replaced break-glass credentials 'spare'" in again.stdout
    # The keyring holds them (read back with keyring itself, as another tool would).
    ring = KEYRING_ENV["PYTHON_KEYRING_BACKEND"]
    assert (tmp_path / ".local/share/python_keyring/keyring_pass.cfg").exists(), ring

    # A mistake stores nothing and quotes no secret.
    bad = answers(USER).replace(USER["aws_secret_access_key"], "x" * 39)
    line = single_line(in_process(tmp_path, "credentials", "set", "other", stdin=bad), 2)
    assert "39 characters" in line and "x" * 39 not in line

    assert in_process(tmp_path, "credentials", "delete", "spare").code == 0
    line = single_line(in_process(tmp_path, "credentials", "delete", "spare"), 2)
    assert "no break-glass credentials named 'spare' (stored: ops)" in line
    table = in_process(tmp_path, "credentials", "list").stdout
    assert "ops" in table and "AKIA…MPLE" in table and "spare" not in table
    for output in (stored, listed, again, table):
        text = str(output)
        assert USER["aws_access_key_id"] not in text
        assert USER["aws_secret_access_key"] not in text


def test_read_only_neither_stores_nor_deletes_credentials(tmp_path: Path) -> None:
    """Read-only changes nothing, the keyring included, however it was chosen; `list` works."""
    assert in_process(tmp_path, "credentials", "set", "ops", stdin=answers(USER)).code == 0
    ring = tmp_path / ".local/share/python_keyring/keyring_pass.cfg"
    before = ring.read_bytes()
    config = tmp_path / "config" / "drconsole" / "config.toml"
    config.parent.mkdir(parents=True)
    for flags, config_text in (("--read-only",), ""), ((), "read_only = true\n"):
        config.write_text(config_text)
        gone = in_process(tmp_path, *flags, "credentials", "delete", "ops")
        line = single_line(gone, 2)
        assert line == (
            "drconsole: read-only mode is on: deleting break-glass credentials writes the OS "
            "keyring, so it was refused before any change; run without --read-only"
        )
        added = in_process(tmp_path, *flags, "credentials", "set", "ops2", stdin=answers(USER))
        assert "storing break-glass credentials writes the OS keyring" in single_line(added, 2)
        assert ring.read_bytes() == before
        listed = in_process(tmp_path, *flags, "credentials", "list", "--json")
        assert [row["name"] for row in json.loads(listed.stdout)["credentials"]] == ["ops"]


def test_no_keyring_backend_is_one_line_exit_3(tmp_path: Path) -> None:
    fail = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    line = single_line(in_process(tmp_path, "credentials", "list", **fail), 3)
    assert "no usable OS keyring" in line and "SecretService" in line and "D-Bus" in line
    assert "PYTHON_KEYRING_BACKEND" in line
    line = single_line(in_process(tmp_path, "--break-glass", "ops", "ls", "accounts", **fail), 3)
    assert "no usable OS keyring" in line
    # Secrets are not asked for when they could not be kept.
    typed = answers(USER)
    line = single_line(in_process(tmp_path, "credentials", "set", "ops", stdin=typed, **fail), 3)
    assert "no usable OS keyring" in line
    assert not (tmp_path / ".local").exists()
    # Nothing chosen and no Secret Service: keyrings.alt's file backend is installed and viable,
    # yet drconsole does not fall back to it on its own.
    unchosen = {"PYTHON_KEYRING_BACKEND": None, "DBUS_SESSION_BUS_ADDRESS": None}
    done = run_in_process(Case(("credentials", "list"), unchosen), tmp_path)
    line = single_line(done, 3)
    assert "keyring found none" in line and "DBUS_SESSION_BUS_ADDRESS is unset" in line
    assert not (tmp_path / ".local").exists()


def test_mfa_code_comes_from_the_environment_or_a_person(tmp_path: Path) -> None:
    in_process(tmp_path, "credentials", "set", "ops", stdin=answers(USER))
    line = single_line(in_process(tmp_path, "--break-glass", "ops", "ls", "accounts"), 2)
    assert "DRCONSOLE_MFA_CODE" in line and USER["mfa_serial"] in line
    line = single_line(
        in_process(tmp_path, "--break-glass", "ops", "ls", "accounts", DRCONSOLE_MFA_CODE="12a"), 2
    )
    assert "an MFA code is 6 digits" in line


def test_break_glass_with_mfa_lists_copies_audits_and_leaks_nothing(
    box: Box, breakglass_user: dict[str, str], tmp_path: Path
) -> None:
    user = breakglass_user
    env = environment(box, tmp_path)
    run(env, "credentials", "set", "ops", stdin=answers(user))
    outputs: list[str] = []

    def drconsole(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        done = run({**env, **extra}, *args)
        outputs.extend([done.stdout, done.stderr])
        return done

    # A wrong code fails as AWS fails it.
    line = one_line(
        drconsole("--break-glass", "ops", "ls", "accounts", DRCONSOLE_MFA_CODE="123456"), 3
    )
    assert "MultiFactorAuthentication failed with invalid MFA one time pass code" in line
    # The right code: the organization, from the keyring.
    mark = box.sandbox.request_log.mark()
    listed = drconsole(
        "--break-glass", "ops", "ls", "accounts", "--json", DRCONSOLE_MFA_CODE=MFA_CODE
    )
    assert listed.returncode == 0, listed.stderr
    names = {a["name"] for a in json.loads(listed.stdout)["items"]}
    assert {"management", "backup", "prod"} <= names
    sent = [r.name for r in box.sandbox.request_log.since(mark)]
    assert sent.count("sts:GetSessionToken") == 1

    # Read-only still holds with break-glass: nothing is started.
    rp = box.newest("dr-eu-north-1", NORTH, "EFS")
    to = box.vault("prod", "prod-vault")
    copy = ("copy", "--recovery-point", rp, "--to", to, "--yes", "--json")
    refused = drconsole("--break-glass", "ops", "--read-only", *copy, DRCONSOLE_MFA_CODE=MFA_CODE)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert box.copy_jobs("prod", NORTH, rp) == [] or all(
        j["SourceRecoveryPointArn"] != rp for j in box.copy_jobs("prod", NORTH, rp)
    )

    # A copy flow: every audited call names the break-glass identity and the IAM user.
    done = drconsole(
        "--break-glass", "ops", *copy, "--poll-interval", "0.1", DRCONSOLE_MFA_CODE=MFA_CODE
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json_lines(done.stdout)[-1]["status"] == "completed"
    entries = [json.loads(line) for line in audit_path(tmp_path).read_text().splitlines()]
    assert entries and {e["entry"] for e in entries} == {"intent", "outcome"}
    assert all(e["break_glass"] == "ops" for e in entries)
    assert {e["caller"] for e in entries} == {user["arn"]}
    assert any(e.get("operation") == "backup:StartCopyJob" for e in entries)

    # No secret anywhere: state, config, the keyring's neighbours, every output of the run.
    secrets = [user["aws_secret_access_key"], *issued_session_secrets(box)]
    files = [p for p in tmp_path.rglob("*") if p.is_file() and "xdg-data" not in p.parts]
    assert any(p.name == "journal.jsonl" for p in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"a secret is in {path}"
    for text in outputs:
        for secret in secrets:
            assert secret not in text


def test_break_glass_mfa_session_is_asked_of_the_next_region_when_aws_regions_is_down(
    box: Box, breakglass_user: dict[str, str], tmp_path: Path
) -> None:
    """A Regional outage of AWS_REGION's Region: GetSessionToken was asked there only, and
    break-glass (the way in when SSO is down too) could not be used at all."""
    env = environment(box, tmp_path)
    run(env, "credentials", "set", "ops", stdin=answers(breakglass_user))
    box.sandbox.options.regions_down = {"eu-central-1": "reset"}
    try:
        mark = box.sandbox.request_log.mark()
        listed = run(
            {**env, "DRCONSOLE_MFA_CODE": MFA_CODE}, "--break-glass", "ops", "ls", "accounts"
        )
        sent = [(r.name, r.region) for r in box.sandbox.request_log.since(mark)]
    finally:
        box.sandbox.options.regions_down = {}
    assert listed.returncode == 0, listed.stderr
    asked = [region for name, region in sent if name == "sts:GetSessionToken"]
    assert asked[0] == "eu-central-1" and asked[-1] == "us-east-1", sent


def issued_session_secrets(box: Box) -> list[str]:
    """The secret keys of the sessions the sandbox's GetSessionToken issued (read in moto)."""
    from moto.iam.models import iam_backends

    from drconsole.sandbox import sts_mfa

    keys = iam_backends[box.accounts["management"]]["aws"].access_keys
    found: list[Any] = [keys[k] for k in sts_mfa._session_keys if k in keys]
    assert found, "no session was issued"
    return [key.secret_access_key for key in found]


def test_a_registered_secret_is_redacted_whatever_its_shape() -> None:
    from drconsole.errors import AwsError
    from drconsole.redact import exception_text, redact_fields, redact_text, register_secret

    odd = "not-base64-shaped secret!"
    register_secret(odd)
    assert odd not in redact_text(f"failed: {odd}.")
    assert odd not in json.dumps(redact_fields({"note": [f"x{odd}y"]}))
    assert odd not in exception_text(RuntimeError(odd)) and odd not in str(AwsError(odd))


def test_the_sandbox_sts_checks_mfa_as_aws_does(box: Box, breakglass_user: dict[str, str]) -> None:
    """Plain boto3 against the sandbox: moto's own GetSessionToken accepts any code."""
    import boto3
    from botocore.exceptions import ClientError

    user = breakglass_user
    session = boto3.Session(
        aws_access_key_id=user["aws_access_key_id"],
        aws_secret_access_key=user["aws_secret_access_key"],
        region_name="eu-central-1",
    )
    sts = session.client("sts", endpoint_url=box.sandbox.endpoint_url)

    def refused(**params: str) -> str:
        with pytest.raises(ClientError) as caught:
            sts.get_session_token(**params)
        error = caught.value.response["Error"]
        return f"{error['Code']}: {error['Message']}"

    serial = user["mfa_serial"]
    assert refused(SerialNumber=serial, TokenCode="123456") == (
        "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code. "
    )
    other = serial.replace("breakglass", "someone-else")
    assert "unable to validate MFA code" in refused(SerialNumber=other, TokenCode=MFA_CODE)
    assert refused(SerialNumber=serial, TokenCode="12345a").startswith("ValidationError")
    issued = sts.get_session_token(SerialNumber=serial, TokenCode=MFA_CODE)["Credentials"]
    assert issued["AccessKeyId"].startswith("ASIA")
    through = boto3.client(
        "sts",
        endpoint_url=box.sandbox.endpoint_url,
        region_name="eu-central-1",
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )
    identity = through.get_caller_identity()
    assert (identity["Arn"], identity["Account"]) == (user["arn"], box.accounts["management"])


# A real OS keyring: gnome-keyring's Secret Service in a private D-Bus session, unlocked with a
# password on standard input, as over SSH on a server (scripts/ensure-system-tools.sh installs it).
IN_SECRET_SERVICE = """
eval "$(printf 'test-password\\n' | gnome-keyring-daemon --unlock --components=secrets)"
printf '%s' "$ANSWERS" | "$PYTHON" -m drconsole credentials set ops
"$PYTHON" -m drconsole --break-glass ops ls accounts --json
"$PYTHON" -m drconsole credentials delete ops
"""


@pytest.mark.skipif(
    shutil.which("dbus-run-session") is None or shutil.which("gnome-keyring-daemon") is None,
    reason="no D-Bus or gnome-keyring: run scripts/ensure-system-tools.sh",
)
def test_the_os_keyring_keyring_recommends(
    box: Box, breakglass_user: dict[str, str], tmp_path: Path
) -> None:
    """No backend named anywhere: keyring's recommended Secret Service is found and used."""
    env = environment(box, tmp_path, DRCONSOLE_MFA_CODE=MFA_CODE)
    del env["PYTHON_KEYRING_BACKEND"]
    env.update(ANSWERS=answers(breakglass_user), PYTHON=sys.executable)
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-euc", IN_SECRET_SERVICE],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in the OS keyring (keyring.backends.SecretService)" in done.stdout
    documents = json_documents(done.stdout)
    assert {"management", "prod"} <= {a["name"] for a in documents[0]["items"]}
    assert "deleted break-glass credentials 'ops'" in done.stdout
    # gnome-keyring keeps its own (encrypted) store in XDG_DATA_HOME; keyrings.alt's file is not.
    assert not (tmp_path / "xdg-data" / "python_keyring").exists()
    assert breakglass_user["aws_secret_access_key"] not in done.stdout + done.stderr


def json_documents(text: str) -> list[Any]:
    """The JSON documents printed one after another among other lines."""
    decoder, found, position = json.JSONDecoder(), [], 0
    while (start := text.find("{", position)) != -1:
        document, position = decoder.raw_decode(text, start)
        found.append(document)
    return found


def test_a_damaged_entry_is_said_on_its_row_and_the_others_are_listed(tmp_path: Path) -> None:
    """An entry another tool damaged (not JSON, nested beyond reading): `credentials list` says
    so on its row and still lists the others (it stopped at the first damaged one)."""
    for name in ("bad", "deep", "ops"):
        assert in_process(tmp_path, "credentials", "set", name, stdin=answers(USER)).code == 0
    damage = (
        "import keyring; keyring.set_password('drconsole', 'break-glass:bad', '{not json');"
        "keyring.set_password('drconsole', 'break-glass:deep', '[' * 100000)"
    )
    env = {**os.environ, **KEYRING_ENV, "HOME": str(tmp_path)}
    env.pop("XDG_DATA_HOME", None)
    subprocess.run([sys.executable, "-c", damage], env=env, check=True, timeout=TIMEOUT)
    listed = in_process(tmp_path, "credentials", "list", "--json")
    assert listed.code == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)["credentials"]}
    assert rows["ops"]["access_key_id"] == "AKIA…MPLE" and "damaged" not in rows["ops"]
    for name in ("bad", "deep"):
        assert f"break-glass:{name} is damaged" in rows[name]["damaged"], rows[name]
    table = in_process(tmp_path, "credentials", "list")
    assert table.code == 0 and "AKIA…MPLE" in table.stdout and "(damaged)" in table.stdout
    assert table.stderr.count("is damaged") == 2
