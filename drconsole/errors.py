"""Errors that the command line turns into one line and an exit code."""

from __future__ import annotations

from drconsole.redact import redact_text


class DrConsoleError(Exception):
    """Base of the errors shown to the user as one line; its text is always redacted."""

    exit_code = 1

    def __str__(self) -> str:
        # A message may quote an AWS answer or a user's file: no secret leaves through it.
        return redact_text(super().__str__())


class UsageError(DrConsoleError):
    """Bad input from the user: a malformed ARN, policy, runbook, metadata value or flag."""

    exit_code = 2


class ConfigurationError(UsageError):
    """A setting of the AWS configuration drconsole or botocore cannot use (an AWS_ variable, a
    profile the AWS config files do not have), met when AWS is first reached."""


class AwsError(DrConsoleError):
    """An AWS or credential failure; `cause` is a cause code from DESIGN.md section 6."""

    exit_code = 3

    def __init__(
        self, message: str, cause: str = "UNKNOWN", fix_command: str | None = None
    ) -> None:
        super().__init__(message)
        self.cause = cause
        # The one command that fixes it, when there is one (`aws sso login --profile ops`).
        self.fix_command = fix_command


class ReadOnlyViolation(DrConsoleError):
    """A mutating AWS operation was attempted while read-only mode is on."""

    exit_code = 2


class MissingExtraError(DrConsoleError):
    """An optional dependency (the `demo` extra) is not installed."""

    exit_code = 2


class CredentialStoreError(DrConsoleError):
    """The OS keyring cannot be used (no backend, locked, refused): a credential error."""

    exit_code = 3
