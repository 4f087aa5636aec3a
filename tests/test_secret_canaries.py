"""Secret canaries: distinct made-up secrets planted everywhere one can come from, then searched
for in everything drconsole prints or writes.

Each canary is planted in one place a secret reaches drconsole from: the AWS environment
(`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_SECURITY_TOKEN`), the credentials file, a
`credential_process` answer, an SSO token cache, a role's `external_id`, a proxy's and an
endpoint's password, restore metadata on the command line and in a drill runbook, a job's
StatusMessage, an AWS error that quotes the request's own Authorization header and security
token (the sandbox's "echo" fault: a presigned URL's query, plain and percent-encoded), and a
message pasted into `explain`. Every command then runs as a real process against one sandbox
(success and failure: expired credentials, AccessDenied, throttling, a dead endpoint, bad
input; `--json` and text), and its standard output, standard error and every file under the
home, state and config folders it was given are searched for each canary, for its URL-encoded
and base64 forms and for its first 8 characters.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

# Each canary starts with 8 characters no other text holds, so that any piece of it that
# is 8 characters or longer and starts it is found. Shapes vary on purpose: some look like
# nothing (only the signing-credential registration or a key's name can remove them), some
# like AWS's own (40 characters of base64, a long session token).
CANARIES = {
    "env-secret": "QvEnvSk9-not-shaped-like-a-key",
    "env-token": "QvEnvTk7short+token/value",
    "env-security-token": "QvSecTk3legacy-security-token",
    "file-secret": "QvFilSk5" + "aB3/" * 8,  # 40 characters of base64
    "file-token": "QvFilTk2" + "Zx9+Yw8/" * 14,  # a long session token
    "process-secret": "QvPrcSk4-from-credential-process",
    "process-token": "QvPrcTk6-from-credential-process",
    "expired-secret": "QvExpSk8-expired-process-secret",
    # Printed unlabelled, in no AWS shape, by a credential_process program that fails.
    "failing-process": "QvFalTk2-vault-session-token",
    "sso-token": "QvSsoTk1-sso-cache-access-token",
    "external-id": "QvExtId5-role-external-id",
    "proxy-password": "QvPxyPw2-proxy-password",
    "endpoint-password": "QvEndPw6-endpoint-password",
    "metadata-cli": "QvMetPw3-master-user-password",
    "metadata-runbook": "QvRbkPw7-runbook-master-password",
    "job-message": "QvJobTk9-job-status-token",
    "explain-bearer": "QvBrrTk4.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    "explain-signature": "QvSigXx8deadbeef0123456789",
    "explain-password": "QvExpPw1-pasted-proxy-password",
}


@dataclass
class Box:
    """The sandbox, its scenario, a home folder holding every file the commands may write,
    and everything the commands printed."""

    sandbox: Sandbox
    info: ScenarioInfo
    home: Path
    printed: list[tuple[str, str]] = field(default_factory=list)

    def env(self, **changes: str | None) -> dict[str, str]:
        """A clean environment on the sandbox, signing with the management account's key id
        and the environment canaries."""
        key = self.sandbox.credentials_for(self.info.accounts["management"])["aws_access_key_id"]
        home = self.home
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
        env = {k: v for k, v in env.items() if k.lower() not in ("http_proxy", "https_proxy")}
        env.update(
            AWS_ENDPOINT_URL=self.sandbox.endpoint_url,
            AWS_ACCESS_KEY_ID=key,
            # The sandbox does not check signatures: the canaries sign real requests.
            AWS_SECRET_ACCESS_KEY=CANARIES["env-secret"],
            AWS_SESSION_TOKEN=CANARIES["env-token"],
            AWS_REGION=self.info.region,
            AWS_CONFIG_FILE=str(home / ".aws" / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
            HOME=str(home),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_CACHE_HOME=str(home / "cache"),
            NO_COLOR="1",
            COLUMNS="160",
            NO_PROXY="127.0.0.1,localhost",
        )
        for name, value in changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def run(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = forked_cli.run(
            [sys.executable, "-m", "drconsole", *args],
            capture_output=True,
            text=True,
            input=stdin,
            env=env or self.env(),
            cwd=self.home,
            timeout=180,
        )
        self.printed += [(f"{args} stdout", done.stdout), (f"{args} stderr", done.stderr)]
        assert "Traceback" not in done.stderr, (args, done.stderr)
        return done


def forms(secret: str) -> set[str]:
    """What a leak of `secret` may look like: itself, URL-encoded, base64 at each of the three
    alignments (its middle, whatever surrounds it), and its first 8 characters."""
    found = {secret, quote(secret, safe=""), quote_plus(secret), secret[:8]}
    for offset in range(3):
        encoded = base64.b64encode(b"x" * offset + secret.encode()).decode()
        found.add(encoded[4:-4])
    return {form for form in found if len(form) >= 8}


def leaks(texts: list[tuple[str, str]]) -> list[str]:
    """`where: canary` for each canary form found in one of `texts`."""
    found = []
    for name, secret in CANARIES.items():
        for form in forms(secret):
            found += [f"{where}: {name} ({form!r})" for where, text in texts if form in text]
    return found


def written_files(home: Path) -> list[tuple[str, str]]:
    """Every file under `home` that drconsole may have written (the planted inputs aside)."""
    planted = {home / ".aws", home / "inputs"}
    return [
        (str(path), path.read_bytes().decode("utf-8", "replace"))
        for path in sorted(home.rglob("*"))
        if path.is_file() and not any(p in path.parents for p in planted)
    ]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("canary-home")
    try:
        yield Box(sandbox, info, home)
    finally:
        sandbox.stop()
        sandbox.reset()


def point_of(box: Box, role: str, vault: str, rtype: str, name: str | None = None) -> dict:
    backup = box.sandbox.client("backup", box.info.accounts[role], box.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)
    return next(
        p
        for p in points["RecoveryPoints"]
        if p["ResourceType"] == rtype and (name is None or p.get("ResourceName") == name)
    )


def vault_arn(box: Box, role: str, name: str) -> str:
    return f"arn:aws:backup:{box.info.region}:{box.info.accounts[role]}:backup-vault:{name}"


def write_aws_files(box: Box) -> None:
    """The AWS config and credentials files, a credential_process helper and an SSO cache."""
    aws = box.home / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True, exist_ok=True)
    inputs = box.home / "inputs"
    inputs.mkdir(exist_ok=True)
    key = box.sandbox.credentials_for(box.info.accounts["management"])["aws_access_key_id"]
    helper = inputs / "helper.py"
    helper.write_text(
        "import json, sys\n"
        "secret, token, expires = sys.argv[1:4]\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': {key!r}, 'SecretAccessKey': secret,"
        " 'SessionToken': token, 'Expiration': expires}))\n"
    )
    process = f"{sys.executable} {helper}"
    failing = inputs / "failing.py"
    failing.write_text(
        "import sys\n"
        f"sys.stderr.write('vault: session {CANARIES['failing-process']} expired, '\n"
        "                 'log in again\\n')\n"
        "sys.exit(1)\n"
    )
    start_url = "https://canary.awsapps.com/start"
    (aws / "credentials").write_text(
        "[filed]\n"
        f"aws_access_key_id = {key}\n"
        f"aws_secret_access_key = {CANARIES['file-secret']}\n"
        f"aws_session_token = {CANARIES['file-token']}\n"
    )
    management = box.info.accounts["management"]
    (aws / "config").write_text(
        "[profile process]\n"
        f"credential_process = {process} {CANARIES['process-secret']} "
        f"{CANARIES['process-token']} 2099-01-01T00:00:00Z\n"
        "[profile expired]\n"
        f"credential_process = {process} {CANARIES['expired-secret']} tok 2020-01-01T00:00:00Z\n"
        f"[profile failing]\ncredential_process = {sys.executable} {failing}\n"
        "[profile failing-chain]\n"
        f"role_arn = arn:aws:iam::{box.info.accounts['prod']}:role/OrganizationAccountAccessRole\n"
        "source_profile = failing\n"
        "[profile sso]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = eu-central-1\n"
        f"sso_account_id = {management}\n"
        "sso_role_name = Admin\n"
        "[profile external]\n"
        f"role_arn = arn:aws:iam::{box.info.accounts['prod']}:role/OrganizationAccountAccessRole\n"
        f"external_id = {CANARIES['external-id']}\n"
        "source_profile = filed\n"
    )
    import hashlib

    cache = aws / "sso" / "cache" / (hashlib.sha1(start_url.encode()).hexdigest() + ".json")
    cache.write_text(
        json.dumps(
            {
                "startUrl": start_url,
                "region": "eu-central-1",
                "accessToken": CANARIES["sso-token"],
                "expiresAt": "2099-01-01T00:00:00Z",
            }
        )
    )


def runbook(box: Box) -> Path:
    accounts = box.info.accounts
    path = box.home / "inputs" / "canary.yaml"
    path.parent.mkdir(exist_ok=True)
    secret = CANARIES["metadata-runbook"]
    path.write_text(
        "name: canary\ncleanup: always\nobjectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{accounts["backup"]}", region: eu-north-1}}\n'
        f'restore_to: {{account: "{accounts["recovery"]}", region: eu-central-1, '
        "vault: recovery-vault}\n"
        "targets:\n"
        "  - name: db\n"
        f'    resource: {{account: "{accounts["prod"]}", type: Aurora, '
        "name: prod-payments-cluster}\n"
        f"    metadata: {{MasterUserPassword: {secret}}}\n"
        # The team's command prints the password it was told (as a failing client would).
        f"    validate: {{command: 'echo login refused for {secret}; exit 3', timeout: 30s}}\n"
    )
    return path


ECHOED = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")  # a SigV4 signature


def test_no_canary_in_any_output_or_file(box: Box) -> None:
    write_aws_files(box)
    (box.home / "out").mkdir()
    accounts, env = box.info.accounts, box.env()
    rds = point_of(box, "prod", "prod-vault", "RDS")["RecoveryPointArn"]
    ebs = point_of(box, "prod", "prod-vault", "EBS", "prod-web-data")
    central = vault_arn(box, "backup", "central-eu-central-1")
    poll = ("--poll-interval", "0.1")
    metadata = f"MasterUserPassword={CANARIES['metadata-cli']}"

    # Successful reads and flows, signed with the environment's canaries.
    for args in (
        ("ls", "accounts"),
        ("ls", "vaults", "--json"),
        ("ls", "recovery-points", "--account", accounts["prod"]),
        ("check", "restore", "--recovery-point", rds, "--metadata", metadata, "--json"),
        ("check", "copy", "--recovery-point", ebs["RecoveryPointArn"], "--to", central),
        ("restore", "--recovery-point", rds, "--metadata", metadata, "--yes", "--json", *poll),
        ("restore", "--recovery-point", rds, "--metadata", metadata, "--yes", *poll),
        ("jobs", "--all"),
        ("jobs", "--all", "--json"),
        ("ls", "jobs", "--json"),
        ("readiness", "--json", "--html", str(box.home / "out" / "readiness.html")),
    ):
        done = box.run(*args, env=env)
        assert done.returncode in (0, 1), (args, done.stdout[-2000:], done.stderr)
    # The legacy variable in place of AWS_SESSION_TOKEN.
    legacy = box.env(AWS_SESSION_TOKEN=None, AWS_SECURITY_TOKEN=CANARIES["env-security-token"])
    assert box.run("ls", "vaults", env=legacy).returncode == 0

    # A secret read from standard input, as `-`.
    done = box.run(
        "restore", "--recovery-point", rds, "--metadata", "MasterUserPassword=-", "--yes",
        "--json", *poll, stdin=CANARIES["metadata-cli"] + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    # A failed copy whose StatusMessage quotes secrets.
    box.sandbox.inject_job_failure(
        ebs["ResourceArn"],
        f"Access denied: Authorization: Bearer {CANARIES['job-message']} "
        f"https://s3.amazonaws.com/b/k?X-Amz-Security-Token={quote(CANARIES['job-message'])}",
    )
    done = box.run(
        "copy", "--recovery-point", ebs["RecoveryPointArn"], "--to", central,
        "--allow-duplicate-copy", "--yes", *poll,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    for args in (("jobs", "--all"), ("jobs", "--all", "--json"), ("ls", "jobs", "--json")):
        assert box.run(*args).returncode in (0, 1), args

    # Every other credential source.
    profile_env = box.env(
        AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None
    )
    for profile, codes in (
        ("filed", (0,)),
        ("process", (0,)),
        ("expired", (3,)),
        ("failing", (3,)),
        ("failing-chain", (3,)),
        ("sso", (3,)),
        ("external", (0, 1, 3)),
    ):
        done = box.run("--profile", profile, "ls", "vaults", env=profile_env)
        assert done.returncode in codes, (profile, done.stdout, done.stderr)
        if profile.startswith("failing"):  # its words, all but the secret, are said
            assert "expired, log in again" in done.stderr, done.stderr

    # AWS failures: AccessDenied, throttling, an answer that quotes the request's signing.
    signatures: list[str] = []  # the request signatures an "echo" answer quoted, if shown
    for kind, code in (("denied", 3), ("throttle", 3), ("echo", 3)):
        box.sandbox.fail_operation("backup:ListBackupVaults", kind)
        try:
            for args in (("ls", "vaults"), ("ls", "vaults", "--json")):
                # One attempt: throttling is otherwise retried for a minute.
                once = box.env(AWS_MAX_ATTEMPTS="1")
                done = box.run(*args, "--region", box.info.region, env=once)
                assert done.returncode in (0, 1, code), (kind, done.stdout, done.stderr)
                if kind == "echo":
                    shown = done.stdout + done.stderr
                    assert "SignatureDoesNotMatch" in shown or "InvalidSignature" in shown, shown
                    signatures += [f"{args}: {m}" for m in ECHOED.findall(shown)]
        finally:
            box.sandbox.clear_faults()

    # The facts checks read, answered the same way.
    for operation in ("backup:GetBackupVaultAccessPolicy", "kms:GetKeyPolicy"):
        box.sandbox.fail_operation(operation, "echo")
    try:
        once = box.env(AWS_MAX_ATTEMPTS="1")
        for args in (
            ("check", "copy", "--recovery-point", ebs["RecoveryPointArn"], "--to", central),
            ("check", "copy", "--recovery-point", ebs["RecoveryPointArn"], "--to", central,
             "--json"),
            ("check", "restore", "--recovery-point", rds, "--json"),
            ("readiness", "--json"),
        ):  # fmt: skip
            done = box.run(*args, env=once)
            # A refused signature is the caller's credentials: one line, not AWS's words.
            assert done.returncode == 3, (args, done.stdout[-2000:], done.stderr)
            assert "are expired or invalid" in done.stderr, (args, done.stderr)
            signatures += [f"{args}: {m}" for m in ECHOED.findall(done.stdout + done.stderr)]
    finally:
        box.sandbox.clear_faults()

    # A dead endpoint and a dead proxy, each with a password in its URL.
    dead = box.env(
        AWS_ENDPOINT_URL=f"http://ops:{CANARIES['endpoint-password']}@127.0.0.1:9",
        AWS_MAX_ATTEMPTS="1",
    )
    assert box.run("ls", "vaults", env=dead).returncode == 3
    proxied = box.env(
        HTTP_PROXY=f"http://ops:{CANARIES['proxy-password']}@127.0.0.1:9",
        NO_PROXY=None,
        AWS_MAX_ATTEMPTS="1",
    )
    assert box.run("ls", "vaults", env=proxied).returncode == 3

    # Bad input that carries a secret.
    for args in (
        ("restore", "--recovery-point", "not-an-arn", "--metadata", metadata, "--yes"),
        ("restore", "--recovery-point", rds, "--metadata", metadata, "--metadata",
         metadata.lower(), "--yes"),
        ("copy", "--recovery-point", rds, "--to", "nowhere", "--metadata", metadata),
    ):  # fmt: skip
        done = box.run(*args)
        assert done.returncode == 2, (args, done.stderr)

    # A drill whose runbook holds a password, and whose validation prints it.
    book = str(runbook(box))
    assert box.run("drill", "plan", book).returncode in (0, 1)
    assert box.run("drill", "plan", book, "--json").returncode in (0, 1)
    junit = str(box.home / "out" / "junit.xml")
    done = box.run("drill", "run", book, "--yes", "--json", "--junit", junit)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr  # its command fails
    box.run("drill", "history", "canary")
    box.run("drill", "history", "canary", "--json")

    # Messages pasted into explain.
    for message in (
        "User: arn:aws:sts::123456789012:assumed-role/ops/x is not authorized to perform: "
        "s3:GetObject on resource: https://b.s3.amazonaws.com/k?X-Amz-Signature="
        f"{CANARIES['explain-signature']}",
        f"Could not connect to the endpoint URL: http://u:{CANARIES['explain-password']}@h:1/",
        f"AccessDenied: Authorization: Bearer {CANARIES['explain-bearer']}",
    ):
        for json_flag in ((), ("--json",)):
            assert box.run("explain", *json_flag, message).returncode in (0, 1)

    found = leaks(box.printed + written_files(box.home)) + signatures
    assert not found, "\n".join(found)
    # The scan looked where the secrets would be.
    names = {Path(where).name for where, _ in written_files(box.home)}
    assert {"journal.jsonl", "audit.log", "report.json", "report.html", "junit.xml"} <= names
    assert "readiness.html" in names


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    after=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    shaped=st.sampled_from(["secret-key", "token", "bearer", "basic", "signature", "encoded"]),
    body=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=64,
                 max_size=64),
)  # fmt: skip
def test_credential_shaped_text_never_reaches_an_error_line(
    before: str, after: str, shaped: str, body: str
) -> None:
    """Whatever surrounds it, a credential-shaped substring is gone from the one line an AWS
    error becomes (`describe` of a ClientError, the command line's line) and from what
    `explain` prints of it (its explanation and fix quote the message's names)."""
    from botocore.exceptions import ClientError

    from drconsole.aws.errors import describe
    from drconsole.commands.explain import redacted
    from drconsole.diagnose import diagnose

    secret = "Qv9" + body  # mixed case and digits, like every key and token AWS issues
    value = {
        "secret-key": secret[:40],
        "token": secret + secret,
        "bearer": f"Authorization: Bearer {secret}",
        "basic": "Proxy-Authorization: Basic "
        + base64.b64encode(f"ops:{secret}".encode()).decode(),
        "signature": f"https://h/k?X-Amz-Signature={secret}&a=b",
        "encoded": "https://signin/?next="
        + quote(f"https://h/k?X-Amz-Security-Token={secret}", safe=""),
    }[shaped]
    # A separator keeps the shape a shape (a letter glued to it makes a longer word).
    message = f"{before} {value} {after}"
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, "GetObject")
    # explain quotes the principal and the resource of a "not authorized" message back.
    denied = (
        "User: arn:aws:iam::123456789012:role/ops is not authorized to perform: s3:GetObject "
        f"on resource: {value}"
    )
    explained = [redacted(diagnose(text)) for text in (message, denied)]
    assert explained[1].cause.value == "ROLE_PERMISSIONS", explained[1]
    encoded_head = base64.b64encode(f"ops:{secret}".encode()).decode()[:24]
    said = [describe(error)] + [t for e in explained for t in (e.explanation, e.remediation)]
    for text in said:
        assert secret[:24] not in text, text
        assert encoded_head not in text, text


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    after=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    body=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", min_size=13,
                 max_size=80),
)  # fmt: skip
def test_a_failing_credential_programs_secret_never_reaches_its_error_line(
    before: str, after: str, body: str
) -> None:
    """Whatever a `credential_process` program prints around it, a token of its own (no AWS
    shape, no label) is gone from the line its failure becomes."""
    from botocore.exceptions import CredentialRetrievalError

    from drconsole.aws.errors import describe

    secret = "Qv9" + body  # mixed case and digits
    said = f"{before} {secret} {after}"
    line = describe(CredentialRetrievalError(provider="custom-process", error_msg=said))
    assert secret not in line and secret not in line.replace("\\", "")
