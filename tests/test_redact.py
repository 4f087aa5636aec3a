"""The one redaction point: secret-named fields in every notation, credential-shaped values, and
control characters; and the places that turn an exception into text go through it."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from drconsole.aws.audit import AuditLog
from drconsole.aws.errors import describe
from drconsole.errors import AwsError, UsageError
from drconsole.flows.journal import Journal
from drconsole.redact import REDACTED, escape_controls, redact_fields, redact_text, safe_line
from drconsole.tui.screens.dialogs import report_for

# Shaped like real AWS credentials (AWS's documentation examples, and a token of moto's form).
ACCESS_KEY = "ASIAQ2NONIOVAFC72TVI"
SECRET_KEY = "yq3r/LhSbUZJ0sCyrwq/rD7XxdcygCg6xOU/X8MP"
TOKEN = (
    "FQoGZXIvYXdzEBYaDIN5LXxdKpK9xmm1o7pK+nUeNaSpVsEl3/yBlAMoRZUl4B5eHob5UMG+O9+Pl/LukkUHJB"
    "XOsF1QL2rutkkH4EF6J1tDXYeAceBNBwXh29tAVz3b1jQ0pzRa9bSkJzH3eqf0NUkBzz9vTTY4hALKERcT52VS"
)
SECRETS = (ACCESS_KEY, SECRET_KEY, TOKEN)
ASSUME_ROLE_XML = (
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
    f"<Credentials><AccessKeyId>{ACCESS_KEY}</AccessKeyId>"
    f"<SecretAccessKey>{SECRET_KEY}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>"
    "<Expiration>2026-12-03T01:02:09Z</Expiration></Credentials></AssumeRoleResult>"
    "</AssumeRoleResponse>"
)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert REDACTED in text


@pytest.mark.parametrize(
    "text",
    [
        ASSUME_ROLE_XML,
        json.dumps({"SecretAccessKey": "hunter2-but-longer", "SessionToken": "short"}),
        repr({"SecretAccessKey": SECRET_KEY, "token": "t0k3n"}),
        f"Credentials(access_key_id='{ACCESS_KEY}', secret_access_key='{SECRET_KEY}')",
        f"aws_secret_access_key = {SECRET_KEY}\naws_session_token={TOKEN}",
        "password: correct-horse-battery",
        "token=abc",
    ],
    ids=["xml", "json", "repr", "dataclass-repr", "ini", "colon", "token-kv"],
)
def test_secret_named_fields_are_redacted_in_every_notation(text: str) -> None:
    out = redact_text(text)
    assert REDACTED in out
    for value in (*SECRETS, "hunter2-but-longer", "short", "t0k3n", "correct-horse", "abc"):
        assert value not in out


def test_credential_shaped_values_are_redacted_wherever_they_stand() -> None:
    out = redact_text(f"denied for {ACCESS_KEY} using {SECRET_KEY} and {TOKEN} today")
    assert out == f"denied for {REDACTED} using {REDACTED} and {REDACTED} today"


@pytest.mark.parametrize(
    "text",
    [
        "ExpiredToken: The security token included in the request is expired",
        "arn:aws:backup:eu-central-1:123456789012:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab",
        '{"IdempotencyToken": "9f1c2d3e-4b5a-6789-abcd-ef0123456789", "NextToken": "abc"}',
        "commit 3975896abcdef0123456789abcdef0123456789a",
        "AROA3X42LBCDNZQZWPKGF:drconsole-root",
    ],
)
def test_what_is_not_a_secret_is_kept(text: str) -> None:
    assert redact_text(text) == text


def test_fields_at_any_depth_and_prose_inside_them() -> None:
    record = {
        "token": "9f1c2d3e-4b5a-6789-abcd-ef0123456789",
        "request": {"IdempotencyToken": "x", "Password": "p", "Note": f"key {ACCESS_KEY}"},
        "list": [{"SessionToken": TOKEN}],
        "message": f"denied for {ACCESS_KEY}",
        "failed": [{"id": "c", "evidence": f"key {SECRET_KEY}", "remediation": {"token": "t"}}],
    }
    out = redact_fields(record, keep=("token",))
    assert out["token"] == record["token"]  # the journal's idempotency token
    # Parameters are data: only a secret-named key's value is withheld, whatever the shapes.
    assert out["request"] == {
        "IdempotencyToken": "x",
        "Password": REDACTED,
        "Note": f"key {ACCESS_KEY}",
    }
    assert out["list"] == [{"SessionToken": REDACTED}]
    # Prose (AWS's messages, a check's evidence) is cleaned of credential shapes too.
    assert out["message"] == f"denied for {REDACTED}"
    assert out["failed"] == [
        {"id": "c", "evidence": f"key {REDACTED}", "remediation": {"token": REDACTED}}
    ]
    assert redact_fields({"token": "t"})["token"] == REDACTED
    assert redact_fields(f"text {TOKEN}") == f"text {REDACTED}"


@pytest.mark.parametrize(
    "value",
    [
        "OrdersRestoreTable2026DecemberFifthRun01",  # 40 mixed-case letters and digits
        "ASIAPACIFICORDERS2026",  # an access key id's shape
        "arn:aws:dynamodb:eu-central-1:123456789012:table/ASIAPACIFICORDERS2026",
        "arn:aws:backup:eu-central-1:123456789012:backup-vault:CentralVaultEuCentral1Prod2026DrCopiesXY",
    ],
)
def test_a_value_shaped_like_a_credential_is_kept_in_a_record(value: str) -> None:
    request = {"Metadata": {"targetTableName": value}, "DestinationBackupVaultArn": value}
    assert redact_fields({"request": request, "plan": {"hops": [{"source": value}]}}) == {
        "request": request,
        "plan": {"hops": [{"source": value}]},
    }


def test_a_urls_user_name_and_password_are_masked_and_logs_go_through_it(caplog) -> None:
    import logging

    from drconsole.redact import install_log_redaction

    line = 'Could not connect to the endpoint URL: "https://alice:pw%40x@host:8443/p"'
    assert (
        redact_text(line) == 'Could not connect to the endpoint URL: "https://***:***@host:8443/p"'
    )
    # Up to the last `@`: a password may hold an unencoded `/` or `#` (a path's `@` goes too).
    assert redact_text("at https://ops:pa/ss#w@host:8443/p@q") == "at https://***:***@q"
    assert redact_text("git clone https://T0kenValue@github.com/x") == (
        "git clone https://***@github.com/x"
    )
    install_log_redaction()
    with caplog.at_level(logging.DEBUG, logger="botocore.endpoint"):
        logging.getLogger("botocore.endpoint").debug("Sending to %s", "http://bob:hunter22@h:1/")
    assert "hunter22" not in caplog.text and "http://***:***@h:1/" in caplog.text


def test_control_characters_are_escaped_and_lines_joined() -> None:
    assert escape_controls("a\x1b[31mb\u202ec") == "a\\x1b[31mb\\u202ec"
    assert safe_line(f"one\ntwo\tthree\x07 {SECRET_KEY}") == f"one two three\\x07 {REDACTED}"


def test_an_unparsable_sts_answer_is_described_without_its_credentials() -> None:
    from botocore.parsers import ResponseParserError

    error = ResponseParserError(
        "Unable to parse response (not well-formed (invalid token): line 1, column 803), "
        f"invalid XML received. Further retries may succeed:\nb'{ASSUME_ROLE_XML}'"
    )
    line = describe(error)
    assert "\n" not in line
    assert all(secret not in line for secret in SECRETS)
    assert "ResponseParserError" in line
    report = report_for(error, "accounts")
    assert report.cause == "SERVICE_ERROR"
    assert all(secret not in report.description for secret in SECRETS)


def test_client_errors_our_errors_audit_and_journal_are_redacted(tmp_path) -> None:
    client_error = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": f"no: SecretAccessKey={SECRET_KEY}"}},
        "AssumeRole",
    )
    assert SECRET_KEY not in describe(client_error)
    assert SECRET_KEY not in str(AwsError(f"failed with {TOKEN}"))
    assert ACCESS_KEY not in str(UsageError(f"bad key {ACCESS_KEY}"))
    audit = AuditLog(tmp_path)
    intent = audit.intent(
        caller_arn="arn:aws:iam::123456789012:user/x",
        account_id="123456789012",
        region="eu-central-1",
        operation="StartCopyJob",
        parameters={"IdempotencyToken": "t", "SessionToken": TOKEN},
    )
    audit.outcome(
        intent,
        caller_arn="x",
        operation="StartCopyJob",
        outcome="error",
        error=f"boom {SECRET_KEY}",
    )
    Journal(tmp_path).append(
        "0000000000f1",
        "start",
        step="hop1",
        kind="copy",
        token="9f1c2d3e",
        request={"Metadata": {"Password": SECRET_KEY}},
        account="123456789012",
        region="eu-central-1",
    )
    Journal(tmp_path).append(
        "0000000000f1", "aws-error", step="hop1", cause="UNKNOWN", message=f"x {ACCESS_KEY}"
    )
    written = (tmp_path / "audit.log").read_text() + (tmp_path / "journal.jsonl").read_text()
    assert all(secret not in written for secret in SECRETS)
    assert '"token": "9f1c2d3e"' in written


def test_a_request_s_metadata_key_named_like_prose_is_still_data() -> None:
    # An operator's restore metadata key may be called note or message: its value is sent as
    # given, so it is kept as given, while prose of drconsole's own records is still cleaned.
    shaped = "Ab3dEf7hIj1kLm5nOp9qRs2tUv4wXy6zAb8cDe0f"
    record = {"request": {"Metadata": {"note": shaped}}, "message": f"key {shaped}"}
    kept = redact_fields(record)
    assert kept["request"] == {"Metadata": {"note": shaped}}
    assert shaped not in kept["message"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"key={SECRET_KEY}", SECRET_KEY),  # a 40-character key after `=`, whatever the name
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJhbGciOiJIUzI1NiJ9"),
        ("Proxy-Authorization: Basic b3BzOmh1bnRlcjIy", "b3BzOmh1bnRlcjIy"),
        ("next=https%3A%2F%2Fh%2F%3FX-Amz-Security-Token%3DFwoGZXIv%252Bx%26a%3Db", "FwoGZXIv"),
        ("next=https%3A%2F%2Fops%3Ahunter22%40proxy%3A3128%2F", "hunter22"),
        ("x-amz-security-token:FwoGZXIvYXdzEBY\nhost:backup", "FwoGZXIvYXdzEBY"),
        ("aws rds restore-db-cluster --master-user-password hunter22 --x y", "hunter22"),
    ],
    ids=["key-after-equals", "bearer", "basic", "encoded-query", "encoded-userinfo",
         "canonical-header", "cli-flag"],
)  # fmt: skip
def test_credentials_in_headers_encoded_urls_and_flags_are_redacted(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out, out
    assert REDACTED in out or "***:***@" in out


@pytest.mark.parametrize(
    "text",
    [
        "Basic authentication failed",
        "aws kms import-key-material k --import-token fileb://token.bin --expiration-model X",
        'aws rds restore-db-cluster --master-user-password "$PASSWORD"',
        "The idempotency token 9f1c2d3e-4b5a-6789-abcd-ef0123456789 was already used",
        "100% done, name%3Dvalue%26other",
    ],
)
def test_what_only_resembles_those_forms_is_kept(text: str) -> None:
    assert redact_text(text) == text


def test_percent_encoding_nested_deep_is_read_in_time() -> None:
    import time

    started = time.monotonic()
    redact_text("%" + "25" * 200_000)  # each decoding peels one level
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "kept",
    [
        "arn:aws:iam::123456789012:role/DrConsoleReadOnly",
        "/home/sre/.aws/cli/cache/2f1c0e6a.json",
        "request 0f3e2d1c-4b5a-6978-8a9b-0c1d2e3f4a5b failed",
        "python3.11 helper.py --profile prod-eu-central-1",
        "could not reach https://vault.example.com:8200/v1/auth",
    ],
)
def test_a_credential_programs_words_keep_ids_paths_and_arns(kept: str) -> None:
    from drconsole.redact import hide_token_runs

    assert hide_token_runs(kept) == kept


@pytest.mark.parametrize(
    "secret",
    ["hvs.CAESIJx7Qz9Lk2mPq8Rt4VwYb", "Zq8pW2mN4xR7tK1vB3nM", "s3cretPassw0rdThatIsLong_x"],
)
def test_a_credential_programs_unlabelled_secret_is_hidden(secret: str) -> None:
    from drconsole.redact import hide_token_runs

    shown = hide_token_runs(f"vault: login failed for token {secret}; try again")
    assert secret not in shown and "login failed for token" in shown and "try again" in shown
