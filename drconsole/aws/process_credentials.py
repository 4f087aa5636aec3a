"""A `credential_process` answer checked before botocore uses it.

botocore takes the program's JSON as it comes: an answer that is not a JSON object, a key id
that is not text, an `Expiration` that is a number, no date, has no time zone or is past, each
failed far from its cause ("a defect of drconsole: TypeError: Parser must be a string", or an
"AWS configuration" line blaming an AWS_ variable). Each becomes one credential failure naming
the profile and what its program answered wrong (cause CREDENTIALS_EXPIRED, exit 3, as for a
program that fails), and never quotes a key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.credentials import ProcessProvider
from botocore.exceptions import CredentialRetrievalError

# The parser botocore itself reads an Expiration with.
from dateutil.parser import parse as parse_date  # type: ignore[import-untyped]

from drconsole import limits


class CheckedProcessProvider(ProcessProvider):
    """botocore's `credential_process` provider, refusing an answer it could not use."""

    def _retrieve_credentials_using(self, credential_process: str) -> dict[str, Any]:
        try:
            found = super()._retrieve_credentials_using(credential_process)
        except CredentialRetrievalError:
            raise
        except (ValueError, AttributeError, TypeError):
            # Not UTF-8, not JSON, or JSON but not an object (a list, a number).
            raise self._refused("an answer that is not a JSON object") from None
        problem = answer_problem(found)
        if problem:
            raise self._refused(problem)
        return dict(found)

    def _refused(self, problem: str) -> CredentialRetrievalError:
        profile = self._profile_name or "default"
        return CredentialRetrievalError(
            provider=self.METHOD,
            error_msg=f"the credential_process of AWS profile '{profile}' gave {problem}",
        )


def answer_problem(found: dict[str, Any]) -> str:
    """What is wrong with a parsed answer (`access_key`, `secret_key`, `token`, `expiry_time`),
    or ''. Key material is never quoted; an Expiration is."""
    for name, field in (("AccessKeyId", "access_key"), ("SecretAccessKey", "secret_key")):
        if not isinstance(found.get(field), str) or not found[field]:
            return f"an {name} that is not text"
    if found.get("token") is not None and not isinstance(found["token"], str):
        return "a SessionToken that is not text"
    expiry = found.get("expiry_time")
    if expiry is None:
        return ""
    if not isinstance(expiry, str):
        return f"an Expiration that is not an ISO 8601 date text: {limits.shown(expiry, 60)}"
    try:
        when = parse_date(expiry)
    except (ValueError, OverflowError):
        return f"an Expiration that is not a date: {limits.shown(expiry, 60)}"
    if when.tzinfo is None:
        return f"an Expiration without a time zone (add Z): {limits.shown(expiry, 60)}"
    if when <= datetime.now(UTC):
        return f"credentials that expired at {expiry}"
    return ""


def install(session: Any) -> None:
    """Make `session` (boto3) check its `credential_process` answers (CheckedProcessProvider).

    botocore offers no public way to wrap one provider of its chain: the resolver keeps them in
    `providers`, in order, and the provider keeps its arguments in private attributes. A
    configuration botocore cannot read is left for the first call to report, as before.
    """
    try:
        resolver = session._session.get_component("credential_provider")
        providers = resolver.providers
    except Exception:
        return
    for index, provider in enumerate(providers):
        if type(provider) is ProcessProvider:
            providers[index] = CheckedProcessProvider(
                profile_name=provider._profile_name,
                load_config=provider._load_config,
                popen=provider._popen,
            )
