"""The AWS_ environment variables botocore reads loosely, checked before any call.

botocore takes many of them as it finds them: a retry mode it does not know is refused only at
the first client, `AWS_USE_FIPS_ENDPOINT=ture` is simply false (the calls then leave for the
non-FIPS endpoints), an AWS config file that is a folder reads as empty (every profile gone
without a word), and a CA bundle is read only at the first HTTPS call, where a missing file
looks like a TLS failure. Each is one line naming the variable, exit 2, before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from drconsole import limits
from drconsole.errors import UsageError

RETRY_MODES = ("legacy", "standard", "adaptive")
BOOLEANS = ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
FILES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def check_aws_environment(environ: Mapping[str, str]) -> None:
    """UsageError for the first AWS_ variable botocore would misread."""
    mode = environ.get("AWS_RETRY_MODE", "").strip()
    if mode and mode not in RETRY_MODES:
        raise UsageError(
            f"AWS_RETRY_MODE {limits.shown(mode)}: expected one of {', '.join(RETRY_MODES)}"
        )
    for name in BOOLEANS:
        value = environ.get(name, "").strip()
        if value and value.lower() not in ("true", "false"):
            # botocore takes anything but "true" as false: a typo would turn the setting off.
            raise UsageError(f"{name} {limits.shown(value)}: expected true or false")
    for name in FILES:
        path = environ.get(name, "")
        if path and os.path.isdir(os.path.expanduser(path)):
            raise UsageError(f"{name}: {limits.shown_path(path)} is a folder, not a file")
    check_ca_bundle(environ.get("AWS_CA_BUNDLE"))


def max_attempts(environ: Mapping[str, str]) -> int | None:
    """AWS_MAX_ATTEMPTS as a number of attempts (None: not set)."""
    attempts = environ.get("AWS_MAX_ATTEMPTS", "").strip()
    if not attempts:
        return None
    if not (attempts.isascii() and attempts.isdigit()) or not 1 <= int(attempts) <= 100:
        raise UsageError(f"AWS_MAX_ATTEMPTS {attempts!r}: expected a whole number, 1 to 100")
    return int(attempts)


def check_ca_bundle(path: str | None) -> None:
    """AWS_CA_BUNDLE names a file or folder that can be read, else one line."""
    if not path:
        return
    if limits.has_controls(path):
        raise UsageError(f"AWS_CA_BUNDLE: {limits.shown(path)} is not a file path")
    from drconsole.user_paths import expanded, path_refusals

    bundle = expanded(path, "AWS_CA_BUNDLE:")
    with path_refusals("AWS_CA_BUNDLE:", path):
        found = bundle.exists()
    if not found:
        raise UsageError(f"AWS_CA_BUNDLE: {limits.shown_path(path)}: no such file")
    if not os.access(bundle, os.R_OK):
        raise UsageError(f"AWS_CA_BUNDLE: {limits.shown_path(path)}: cannot be read")
