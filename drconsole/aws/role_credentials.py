"""A member account's role credentials: AssumeRole at first use, refreshed, refusals remembered."""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import ClientError

from drconsole.aws.answers import IncompleteAnswer, required, required_text
from drconsole.aws.refused_roles import access_key_of

if TYPE_CHECKING:
    from drconsole.aws.session import AwsSessions

ASSUMED_ROLE_SECONDS = 3600


def role_session_name() -> str:
    """`drconsole-<local user>`, so CloudTrail shows who acted in member accounts."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    # STS takes ASCII only ([\w+=,.@-] with an ASCII \w): `josé` would fail every AssumeRole.
    return re.sub(r"[^\w+=,.@-]", "-", f"drconsole-{user}", flags=re.ASCII)[:64]


def role_credentials(
    sessions: AwsSessions, caller_session: Any, account_id: str, role_arn: str
) -> DeferredRefreshableCredentials:
    """Credentials from AssumeRole of `role_arn` into `account_id`, signed by `caller_session`'s
    credentials: assumed at first use, refreshed shortly before they expire. A lasting refusal
    is remembered in `sessions.refused_roles` (refused_roles.py) and raised again without a call
    while it holds."""
    session_name = role_session_name()

    def assume() -> dict[str, str]:
        # Looked up at each call: the memory belongs to the sessions, whoever replaced it.
        refused = sessions.refused_roles
        # botocore refreshes under the credentials' lock: a read that waited behind a
        # refused AssumeRole finds the refusal here.
        caller_key = access_key_of(caller_session)
        refused.raise_if_refused(account_id, caller_key)
        try:
            answer = sessions.reachable_sts(
                "assume_role",
                RoleArn=role_arn,
                RoleSessionName=session_name,
                DurationSeconds=ASSUMED_ROLE_SECONDS,
            )
        except ClientError as exc:
            refused.remember(account_id, caller_key, exc)
            raise
        refused.forget_account(account_id)
        creds = required(answer, "Credentials", "AssumeRole")
        expiration = required(creds, "Expiration", "AssumeRole")
        if not isinstance(expiration, datetime):
            raise IncompleteAnswer(operation="AssumeRole", field="Expiration")
        return {
            "access_key": required_text(creds, "AccessKeyId", "AssumeRole"),
            "secret_key": required_text(creds, "SecretAccessKey", "AssumeRole"),
            "token": required_text(creds, "SessionToken", "AssumeRole"),
            "expiry_time": expiration.isoformat(),
        }

    # The first call assumes the role; later calls refresh it shortly before expiry.
    return DeferredRefreshableCredentials(
        refresh_using=assume, method="assume-role", time_fetcher=utc_now
    )


def utc_now() -> datetime:
    """Now, in UTC: what botocore compares the credentials' expiry with, twice a call (signing,
    and the registration of its secrets). Its default, the local zone's now through dateutil's
    tzlocal, costs 11 µs against 0.3; the expiry is an aware time, so either gives the same
    seconds left."""
    return datetime.now(UTC)
