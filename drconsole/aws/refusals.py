"""One account's refusal of credentials in one Region, told apart from the caller's expiry.

AWS answers `UnrecognizedClientException` / `InvalidClientTokenId` both when the caller's own
credentials have expired and when a call goes into an opt-in Region the account has not
enabled (or uses a member profile's stale credentials). The listings that record a failure on
its account and Region ask here, once per failure, before the failure is labelled: while
`sessions.refused_here(code)` the refusal is that account's and Region's (UNKNOWN, with
the remedy naming `aws account enable-region`); otherwise it stays CREDENTIALS_EXPIRED.
"""

from __future__ import annotations

from dataclasses import replace

from drconsole.aws.errors import UNRECOGNIZED_CREDENTIAL_CODES, account_error, error_code
from drconsole.aws.session import AwsSessions
from drconsole.checks.unreadable import credentials_refused_here
from drconsole.errors import AwsError
from drconsole.models import AccountError, CauseCode

THEN = "then list it again."


def placed(sessions: AwsSessions, error: AccountError) -> AccountError:
    """`error` as its account and Region should show it: a refusal of the credentials there,
    while the caller's own are still taken, is UNKNOWN with its remedy; any other unchanged."""
    if error.cause is CauseCode.UNKNOWN or not sessions.refused_here(error.code):
        return error  # not such a refusal, or the caller's own: CREDENTIALS_EXPIRED, as ever
    return replace(
        error,
        cause=CauseCode.UNKNOWN,
        remedy=credentials_refused_here(error.operation, THEN),
    )


def failure_on(
    sessions: AwsSessions, account_id: str, region: str, operation: str, exc: BaseException
) -> AccountError:
    """The AccountError recording `exc` on one account and Region, placed (see `placed`)."""
    return placed(sessions, account_error(account_id, region, operation, exc))


class RefusedHere(AwsError):
    """Raised by a read that raises its failures, for a refusal that is one account's and
    Region's: whoever records it on that account keeps `error` as it was placed."""

    def __init__(self, error: AccountError) -> None:
        super().__init__(f"{error.message} ({error.remedy})", cause=str(error.cause))
        self.error = error


def raised(
    sessions: AwsSessions,
    exc: BaseException,
    account_id: str,
    region: str,
    operation: str,
    context: str,
) -> AwsError:
    """What a read that raises its failures raises for `exc`: RefusedHere for one account's
    and Region's refusal; else the sessions' AwsError (an expired caller's names the refresh
    command)."""
    if error_code(exc) in UNRECOGNIZED_CREDENTIAL_CODES:
        error = failure_on(sessions, account_id, region, operation, exc)
        if error.cause is CauseCode.UNKNOWN:
            return RefusedHere(error)
    return sessions.error_for(exc, context)
