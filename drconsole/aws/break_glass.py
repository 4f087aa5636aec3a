"""The break-glass identity (`--break-glass NAME`): keys from the OS keyring, and, when an MFA
device is set, the session STS GetSessionToken gives for the device's current code.

The code comes from DRCONSOLE_MFA_CODE, else from a hidden prompt on the terminal; with `--yes`
or without a terminal there is no prompt and a missing code is one line, exit 2. The code and
the session are obtained once per process and shared by every AwsSessions made in it (a
one-time code cannot be sent twice). Every secret is registered with drconsole.redact as it is read.

GetSessionToken is sent by a client without the read-only guard, as botocore's own credential
providers send theirs (SSO, assume-role profiles): it obtains the caller's credentials and
changes nothing; the credentials it returns are used only through guarded clients.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import required, required_text
from drconsole.aws.errors import aws_error, classify, describe
from drconsole.aws.keyring_store import BreakGlassCredentials, KeyringStore, unknown_name
from drconsole.credential_shapes import credentials_name, mfa_code
from drconsole.errors import AwsError, UsageError
from drconsole.models import CauseCode
from drconsole.redact import register_secret

MFA_CODE_VARIABLE = "DRCONSOLE_MFA_CODE"
# IAM users may ask for 15 minutes to 36 hours; 12 hours (AWS's default) covers an incident.
SESSION_SECONDS = 43200

_lock = threading.RLock()
_prompts_allowed = True
# Keyed by what was read from the keyring too, so that credentials stored again under the same
# name are never answered with the code or session of the old ones.
_codes: dict[tuple[str, str, str | None], str] = {}
_sessions: dict[tuple[str, str, str | None], dict[str, str]] = {}


def allow_prompts(allowed: bool) -> None:
    """Whether an MFA code may be asked for on the terminal (False with --yes)."""
    global _prompts_allowed
    _prompts_allowed = allowed


def load(name: str) -> BreakGlassCredentials:
    """The credentials stored under `name`, read from the keyring."""
    credentials_name(name, "--break-glass")
    store = KeyringStore()
    found = store.get(name)
    if found is None:
        raise UsageError(f"--break-glass: {unknown_name(name, store.names())}")
    return found


def code_for(credentials: BreakGlassCredentials) -> str:
    """The MFA code to send with `credentials` (asked once per process)."""
    key = (credentials.name, credentials.access_key_id, credentials.mfa_serial)
    with _lock:
        known = _codes.get(key)
        if known is not None:
            return known
        given = os.environ.get(MFA_CODE_VARIABLE, "").strip()
        if given:
            code = mfa_code(given, MFA_CODE_VARIABLE)
        elif _prompts_allowed and sys.stdin is not None and sys.stdin.isatty():
            import getpass

            typed = getpass.getpass(
                f"MFA code for break-glass '{credentials.name}' ({credentials.mfa_serial}): "
            )
            code = mfa_code(typed, "MFA code")
        else:
            raise UsageError(
                f"--break-glass {credentials.name}: its MFA device {credentials.mfa_serial} "
                f"needs a code: set {MFA_CODE_VARIABLE} to the device's current 6 digits "
                "(no prompt with --yes or without a terminal)"
            )
        _codes[key] = code
        return code


def base_session(
    name: str, region: str, endpoint_url: str | None, sts_client: Callable[[Any], Any]
) -> boto3.Session:
    """The boto3 session of the break-glass identity: its keys, or its MFA session."""
    credentials = load(name)
    if credentials.mfa_serial is None:
        return boto3.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            region_name=region,
        )
    with _lock:
        key = (name, credentials.access_key_id, endpoint_url)
        temporary = _sessions.get(key)
        if temporary is None:
            temporary = _mfa_session(credentials, region, sts_client)
            _sessions[key] = temporary
    return boto3.Session(**temporary, region_name=region)


def _mfa_session(
    credentials: BreakGlassCredentials, region: str, sts_client: Callable[[Any], Any]
) -> dict[str, str]:
    long_term = boto3.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=region,
    )
    code = code_for(credentials)
    try:
        answer = sts_client(long_term).get_session_token(
            SerialNumber=credentials.mfa_serial, TokenCode=code, DurationSeconds=SESSION_SECONDS
        )
        issued = required(answer, "Credentials", "GetSessionToken")
        keys = {
            name: required_text(issued, field, "GetSessionToken")
            for name, field in (
                ("aws_access_key_id", "AccessKeyId"),
                ("aws_secret_access_key", "SecretAccessKey"),
                ("aws_session_token", "SessionToken"),
            )
        }
    except (ClientError, BotoCoreError) as exc:
        raise refused(credentials, exc) from None
    register_secret(keys["aws_secret_access_key"])
    register_secret(keys["aws_session_token"])
    return keys


def refused(credentials: BreakGlassCredentials, exc: BaseException) -> AwsError:
    """The line for break-glass credentials AWS did not accept, with what to do about it."""
    name = credentials.name
    text = describe(exc)
    if "MultiFactorAuthentication" in text:
        return AwsError(
            f"break-glass '{name}': AWS refused the MFA code for {credentials.mfa_serial} "
            f"({text}); run again with the device's current code",
            cause=CauseCode.CREDENTIALS_EXPIRED,
        )
    if classify(exc) is CauseCode.CREDENTIALS_EXPIRED:
        session = " (or its 12-hour MFA session ended: run again)" if credentials.mfa_serial else ""
        return AwsError(
            f"break-glass '{name}' credentials were refused{session} ({text}); store the "
            f"user's current access key with `drconsole credentials set {name}`",
            cause=CauseCode.CREDENTIALS_EXPIRED,
        )
    return aws_error(exc, f"break-glass '{name}'")
