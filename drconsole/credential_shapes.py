"""Shapes of what a person types for break-glass credentials, checked before anything is stored.

A wrong value is a UsageError (exit 2) whose line says what is wrong; the access key id and the
secret key are never quoted back, only their length.
"""

from __future__ import annotations

import re

from drconsole import limits
from drconsole.errors import UsageError

# A name for `--break-glass NAME` and the keyring entry: short, printable, shell-friendly.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
# IAM access key ids: AKIA (long-term) or ASIA (temporary), 16 to 128 characters in all.
ACCESS_KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{12,124}", re.ASCII)
# IAM secret access keys: 40 characters of base64.
SECRET_ACCESS_KEY = re.compile(r"[A-Za-z0-9/+]{40}", re.ASCII)
# A virtual MFA device: arn:aws:iam::123456789012:mfa/path/name (IAM's name characters).
MFA_SERIAL = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:mfa/[\w+=,.@/-]{1,512}", re.ASCII)
MFA_CODE = re.compile(r"\d{6}", re.ASCII)


def credentials_name(value: str, where: str = "NAME") -> str:
    """A break-glass name, as given to `credentials set` and `--break-glass`."""
    if not NAME.fullmatch(value):
        raise UsageError(
            f"{where} {limits.shown(value)}: expected 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def access_key_id(value: str) -> str:
    """An IAM access key id (AKIA... or ASIA..., 16 to 128 characters)."""
    value = value.strip()
    if not ACCESS_KEY_ID.fullmatch(value):
        # Typed into a hidden prompt: said by its length only, like the secret.
        raise UsageError(
            "access key id: expected AKIA or ASIA followed by upper-case letters and digits, "
            f"16 to 128 characters in all (got {len(value)} characters; the value is not shown)"
        )
    return value


def secret_access_key(value: str) -> str:
    """An IAM secret access key (40 characters of base64); never quoted back."""
    value = value.strip()
    if not SECRET_ACCESS_KEY.fullmatch(value):
        what = "empty" if not value else f"{len(value)} characters"
        if value and len(value) == 40:
            what = "40 characters, some outside A-Z a-z 0-9 / +"
        raise UsageError(
            f"secret access key: expected 40 characters of A-Z a-z 0-9 / + (got {what}; "
            "the value is not shown)"
        )
    return value


def mfa_serial(value: str | None) -> str | None:
    """An MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME), or None when not given."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not MFA_SERIAL.fullmatch(value):
        raise UsageError(
            f"MFA device {limits.shown(value)}: expected the ARN of a virtual MFA device, "
            "arn:aws:iam::123456789012:mfa/NAME (IAM console: Security credentials)"
        )
    return value


def mfa_code(value: str, where: str) -> str:
    """A one-time code from an MFA device: six digits."""
    value = value.strip()
    if not MFA_CODE.fullmatch(value):
        # A code is short-lived, but a person may paste something else: only its length.
        raise UsageError(f"{where}: an MFA code is 6 digits (got {len(value)} characters)")
    return value
