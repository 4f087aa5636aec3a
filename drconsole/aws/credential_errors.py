"""What a refusal of the credentials is told as: the refresh command, an unreadable file."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError

from drconsole import limits
from drconsole.aws.errors import aws_error, classify, credentials_error
from drconsole.config import Settings
from drconsole.errors import AwsError, ConfigurationError
from drconsole.models import CauseCode


class CredentialErrors:
    """The AwsError of a failed call, naming how to refresh the credentials (a part of
    `AwsSessions`)."""

    settings: Settings
    _base: Any

    def _is_sso_profile(self, profile: str | None) -> bool:
        try:
            profiles = self._base._session.full_config.get("profiles", {})
        except BotoCoreError:
            return False
        section = profiles.get(profile or "default", {})
        return any(key in section for key in ("sso_start_url", "sso_session", "sso_account_id"))

    def credentials_from_environment(self) -> bool:
        """True when the caller's credentials are AWS_ACCESS_KEY_ID and its secret."""
        if self.settings.static_credentials is not None or self.settings.profile:
            return False
        try:
            creds = self._base._session.get_credentials()
        except BotoCoreError:
            return False
        return creds is not None and creds.method == "env"

    def error_for(
        self, exc: BaseException, context: str = "", profile: str | None = None
    ) -> AwsError:
        """The AwsError for a failure: expired/missing credentials name the refresh command."""
        if classify(exc) is CauseCode.CREDENTIALS_EXPIRED:
            if self.settings.break_glass is not None and profile is None:
                from drconsole.aws import break_glass

                return break_glass.refused(break_glass.load(self.settings.break_glass), exc)
            if self.settings.static_credentials is not None:
                return aws_error(exc, context or "the sandbox's credentials were refused")
            profile = profile or self.settings.profile
            return credentials_error(
                exc,
                profile,
                is_sso=self._is_sso_profile(profile),
                from_environment=profile is None and self.credentials_from_environment(),
            )
        return aws_error(exc, context)


def resolve_credentials(session: Any) -> None:
    """Resolve `session`'s credentials now (botocore defers it to the first call). A program or
    file they need that cannot be run or read is one line naming it (botocore lets the
    OSError through)."""
    try:
        credentials = session.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()
    except OSError as error:
        raise credential_file_error(error, getattr(session, "profile_name", None)) from None


def credential_file_error(error: OSError, profile: str | None) -> ConfigurationError:
    """One line for a program or file the profile's credentials need that cannot be run or
    read (`credential_process`, `web_identity_token_file`): botocore lets the OSError through."""
    name = profile or "default"
    what = error.strerror or type(error).__name__
    path = f": {limits.shown_path(str(error.filename))}" if error.filename else ""
    return ConfigurationError(
        f"AWS profile '{name}': {what}{path} (a program or file its credential_process or "
        "web_identity_token_file names)"
    )
