"""Classify botocore/boto3 failures into cause codes and describe them in one line."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    RefreshWithMFAUnsupportedError,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.parsers import ResponseParserError

from drconsole import clock_skew
from drconsole.aws.answers import INCOMPLETE_ANSWER, IncompleteAnswer
from drconsole.aws.mfa_prompt import MfaCodeUnavailable
from drconsole.errors import AwsError
from drconsole.models import AccountError, CauseCode
from drconsole.redact import exception_text, safe_line

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
        "403",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "SlowDown",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidToken",
        "RequestExpired",
        "AuthFailure",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
# What AWS answers when it does not recognize the credentials of a call: the caller's have
# expired or are invalid, or (with the caller's own still taken) the call went to an opt-in
# Region the account has not enabled, or used a member profile's stale credentials.
UNRECOGNIZED_CREDENTIAL_CODES = frozenset({"InvalidClientTokenId", "UnrecognizedClientException"})
SERVICE_ERROR_CODES = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceException",
        "ServiceFailure",
        # drconsole's own: an answer without a field it needs (aws/answers.py)
        INCOMPLETE_ANSWER,
        "Unavailable",
    }
)
CREDENTIAL_EXCEPTIONS = (
    NoCredentialsError,
    PartialCredentialsError,
    TokenRetrievalError,
    CredentialRetrievalError,
    SSOError,
    # A role assumed with an MFA code cannot be renewed without a new code.
    RefreshWithMFAUnsupportedError,
)
# Every failure that comes from talking to AWS (or the endpoint standing in for it).
AWS_FAILURES = (ClientError, BotoCoreError, ResponseParserError)


class RegionDown(BotoCoreError):
    """A call not sent: its service's endpoint in its Region failed the last attempts of any
    account (region_health.py); not retried."""


class RegionUnreachable(RegionDown):
    """Refused because the endpoint could not be reached (cause NETWORK)."""

    fmt = (
        "{service} in {region} could not be reached: the last {failures} attempts there "
        "failed ({last}); not asked again for {seconds:.0f} s (a Regional outage?)"
    )


class RegionFailing(RegionDown):
    """Refused because the endpoint answered server errors (cause SERVICE_ERROR)."""

    fmt = (
        "{service} in {region} is failing: the last {failures} attempts there were answered "
        "with server errors ({last}); not asked again for {seconds:.0f} s (a Regional outage?)"
    )


# drconsole's own failures that stand for AWS's server errors.
SERVICE_ERROR_EXCEPTIONS = (RegionFailing,)
SERVICE_ERROR_NAMES = frozenset(cls.__name__ for cls in SERVICE_ERROR_EXCEPTIONS)
NETWORK_EXCEPTIONS = (
    RegionUnreachable,
    # botocore's ConnectionError also covers a proxy that cannot be reached and a TLS failure.
    BotocoreConnectionError,
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    HTTPClientError,
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "Unknown")
    return type(exc).__name__


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message") or "")


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def classify(exc: BaseException) -> CauseCode:
    """The cause code (DESIGN.md section 6) of a boto3/botocore failure."""
    if isinstance(exc, AwsError):
        known = {code.value: code for code in CauseCode}
        return known.get(exc.cause, CauseCode.UNKNOWN)
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in THROTTLING_CODES:
            return CauseCode.THROTTLED
        if clock_skew.is_clock_skew(code, _message(exc)):
            return CauseCode.CLOCK_SKEW
        if code in CREDENTIAL_CODES:
            return CauseCode.CREDENTIALS_EXPIRED
        if code in ACCESS_DENIED_CODES:
            return CauseCode.ROLE_PERMISSIONS
        status = _status(exc)
        if code in SERVICE_ERROR_CODES or status >= 500:
            return CauseCode.SERVICE_ERROR
        if status == 429:
            return CauseCode.THROTTLED
        return CauseCode.UNKNOWN
    if isinstance(exc, CREDENTIAL_EXCEPTIONS):
        return CauseCode.CREDENTIALS_EXPIRED
    if isinstance(exc, SERVICE_ERROR_EXCEPTIONS):
        return CauseCode.SERVICE_ERROR
    if isinstance(exc, NETWORK_EXCEPTIONS):
        return CauseCode.NETWORK
    if isinstance(exc, ResponseParserError | IncompleteAnswer):
        return CauseCode.SERVICE_ERROR
    return CauseCode.UNKNOWN


def _one_line(text: str) -> str:
    """One safe line: redacted (an unparsable STS answer quotes its credentials), whitespace
    collapsed, control characters escaped."""
    return safe_line(text)


def describe(exc: BaseException) -> str:
    """One line saying what failed, for a person: `Operation: Code: message`."""
    if isinstance(exc, ClientError):
        operation = getattr(exc, "operation_name", "") or "request"
        message = exc.response.get("Error", {}).get("Message") or ""
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        text = f"{operation}: {error_code(exc)}"
        if message:
            text += f": {message}"
        if classify(exc) is CauseCode.THROTTLED and attempts:
            text += f" (still throttled after {attempts} retries)"
        return _one_line(text)
    if isinstance(exc, AwsError):
        return _one_line(str(exc))
    if isinstance(exc, ResponseParserError):
        # botocore quotes the whole body it could not parse (an AssumeRole answer holds the
        # credentials): only its first line, redacted, says what went wrong.
        first = str(exc).split("\n", 1)[0].rstrip(":")
        return safe_line(f"the endpoint's answer could not be read (ResponseParserError: {first})")
    return exception_text(exc)


def account_error(account_id: str, region: str, operation: str, exc: BaseException) -> AccountError:
    """An AccountError recording `exc` on one account and Region."""
    if isinstance(exc, ClientError) and exc.operation_name:
        operation = str(exc.operation_name)
    return AccountError(
        account_id=account_id,
        region=region,
        operation=operation,
        code=error_code(exc),
        message=describe(exc),
        cause=classify(exc),
    )


def refresh_command(profile: str | None, is_sso: bool) -> str:
    """The AWS CLI command that refreshes a profile's credentials."""
    name = profile or "default"
    if is_sso:
        return f"aws sso login --profile {name}"
    return f"aws configure --profile {name}"


def credentials_error(
    exc: BaseException, profile: str | None, *, is_sso: bool, from_environment: bool = False
) -> AwsError:
    """One clear line for expired or missing credentials, naming the refresh command."""
    name = profile or "default"
    if isinstance(exc, MfaCodeUnavailable):
        return AwsError(
            f"AWS profile '{name}': {exc.kwargs['error_msg']}",
            cause=CauseCode.CREDENTIALS_EXPIRED,
        )
    if isinstance(exc, RefreshWithMFAUnsupportedError):
        return AwsError(
            f"AWS profile '{name}': the role it assumed with an MFA code has expired, and a new "
            "code can be typed only at start: start drconsole again",
            cause=CauseCode.CREDENTIALS_EXPIRED,
        )
    missing = isinstance(exc, NoCredentialsError | PartialCredentialsError)
    state = "missing" if missing else "expired or invalid"
    if from_environment:
        return AwsError(
            f"AWS credentials from the environment (AWS_ACCESS_KEY_ID) are {state}: "
            "export fresh ones, or unset them and use a profile",
            cause=CauseCode.CREDENTIALS_EXPIRED,
        )
    command = refresh_command(profile, is_sso)
    return AwsError(
        f"AWS credentials for profile '{name}' are {state}: run `{command}` ({describe(exc)})",
        cause=CauseCode.CREDENTIALS_EXPIRED,
        fix_command=command,
    )


def aws_error(exc: BaseException, context: str = "") -> AwsError:
    """An AwsError (exit code 3) carrying the cause code and the one-line description."""
    prefix = f"{context}: " if context else ""
    cause = classify(exc)
    if cause is CauseCode.CLOCK_SKEW and isinstance(exc, ClientError):
        # Said first: the line would otherwise read as a credentials problem.
        return AwsError(f"{clock_skew.one_line(_message(exc))} ({prefix}{describe(exc)})", cause)
    return AwsError(prefix + describe(exc), cause=cause)
