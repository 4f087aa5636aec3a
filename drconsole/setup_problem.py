"""What keeps the console from starting (no configuration, no usable credentials, a setting
that cannot be used), and what fixes it: `drconsole init`, `aws sso login --profile X`,
`--break-glass NAME`, or the setting the command line's own line names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drconsole.errors import AwsError, ConfigurationError, CredentialStoreError, UsageError

if TYPE_CHECKING:
    from drconsole.config import Settings

INIT = "drconsole init"
BREAK_GLASS_HINT = (
    "If single sign-on itself is down: drconsole --break-glass NAME "
    "(names kept in the OS keyring: drconsole credentials list)"
)


@dataclass(frozen=True)
class SetupProblem:
    """One thing missing, the command that fixes it, and what AWS or drconsole said."""

    missing: str
    fix: str
    detail: str = ""
    alternative: str = ""
    # False when only a new start helps (the settings themselves could not be made).
    can_retry: bool = True
    heading: str = "Missing"  # what `missing` is


def for_settings_error(error: UsageError, settings_file_exists: bool) -> SetupProblem | None:
    """No configuration: no Region anywhere (every other setting was found right) and no
    config file.

    Anything else stays the command line's one-line usage error (exit 2), which names the
    value to fix (`AWS_MAX_ATTEMPTS 'abc'`, a config file's key), as `drconsole init` would not.
    """
    from drconsole.config import NoRegionError

    if settings_file_exists or not isinstance(error, NoRegionError):
        return None
    return SetupProblem(
        missing="drconsole is not configured: there is no config.toml, and the AWS "
        "configuration alone does not say where to look",
        fix=INIT,
        detail=str(error),
        can_retry=False,
    )


def for_state_dir_error(error: UsageError) -> SetupProblem:
    """The state dir (journal, locks, audit log) cannot be made or written."""
    return SetupProblem(
        missing="a state dir drconsole can write: its journal, locks and audit log live there",
        fix="export XDG_STATE_HOME=<a folder you can write>, or fix the path named below",
        detail=str(error),
        can_retry=False,
    )


def for_configuration_error(error: BaseException) -> SetupProblem | None:
    """A setting of the AWS configuration that drconsole or botocore cannot use, met when the
    console first reaches AWS (`AWS_PROFILE` naming no profile, `AWS_STS_REGIONAL_ENDPOINTS`
    bogus): the command line's one line, with where it is set; None for anything else."""
    from botocore.exceptions import ParamValidationError

    from drconsole.aws.config_errors import botocore_usage_error
    from drconsole.redact import safe_line

    if isinstance(error, ParamValidationError):
        return None  # a value of one request (a form's, say), not a setting: the error dialog
    usage = error if isinstance(error, ConfigurationError) else botocore_usage_error(error)
    if usage is None:
        return None
    return SetupProblem(
        missing=safe_line(str(usage)),
        fix="correct or unset that setting",
        detail="The command line says the same (exit 2); nothing was read from AWS.",
        can_retry=False,
        heading="A setting drconsole cannot use",
    )


def for_break_glass_error(error: UsageError | CredentialStoreError, name: str) -> SetupProblem:
    """`--break-glass NAME` cannot be used: not stored, or no usable OS keyring."""
    if isinstance(error, CredentialStoreError):
        return SetupProblem(
            missing="a usable OS keyring, where break-glass credentials are kept",
            fix="dbus-run-session -- bash, then gnome-keyring-daemon --unlock (over SSH)",
            detail=str(error),
            alternative="Or name a keyring backend yourself: PYTHON_KEYRING_BACKEND.",
            can_retry=False,
        )
    return SetupProblem(
        missing=f"break-glass credentials named '{name}' in the OS keyring",
        fix=f"drconsole credentials set {name}",
        detail=str(error),
        alternative="Stored names: drconsole credentials list",
        can_retry=False,
    )


def is_credentials_failure(error: BaseException) -> bool:
    """True for missing, expired or refused credentials (cause CREDENTIALS_EXPIRED)."""
    if isinstance(error, CredentialStoreError):
        return True
    if isinstance(error, AwsError):
        return str(error.cause) == "CREDENTIALS_EXPIRED"
    if isinstance(error, Exception) and not isinstance(error, UsageError):
        from drconsole.aws.errors import classify
        from drconsole.models import CauseCode

        return classify(error) is CauseCode.CREDENTIALS_EXPIRED
    return False


def for_aws_error(error: BaseException, settings: Settings) -> SetupProblem | None:
    """The setup problem behind a failure to read AWS, or None when it is not one."""
    if not is_credentials_failure(error):
        return None
    from drconsole.redact import exception_text, safe_line

    detail = safe_line(str(error)) if isinstance(error, AwsError) else exception_text(error)
    name = settings.break_glass
    if name:
        return SetupProblem(
            missing=f"the break-glass credentials '{name}' cannot be used",
            fix=f"drconsole credentials set {name}",
            detail=detail,
            alternative="A refused MFA code: start drconsole again with the device's current code.",
        )
    command = getattr(error, "fix_command", None)
    profile = settings.profile or "default"
    if settings.config_file is None and not (command or "").startswith("aws sso"):
        # Not configured and no single sign-on to renew: the guided set-up finds the rest.
        return SetupProblem(
            missing="no usable AWS credentials, and drconsole is not configured",
            fix=INIT,
            detail=detail,
            alternative=BREAK_GLASS_HINT,
        )
    if command:
        what = "have expired" if command.startswith("aws sso") else "are missing or refused"
        return SetupProblem(
            missing=f"the AWS credentials of profile '{profile}' {what}",
            fix=command,
            detail=detail,
            alternative=BREAK_GLASS_HINT,
        )
    return SetupProblem(
        missing="the AWS credentials in use are missing, expired or refused",
        fix=f"aws sso login --profile {profile}"
        if settings.profile
        else "export fresh AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or unset them)",
        detail=detail,
        alternative=BREAK_GLASS_HINT,
    )
