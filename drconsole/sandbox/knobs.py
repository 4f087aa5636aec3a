"""WSGI middleware around moto's app: latency, throttling and AccessDenied for every service."""

from __future__ import annotations

import errno
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from .ec2_rules import filter_limit_refusal
from .request_log import RequestLog
from .sts_rules import assume_role_refusal

if TYPE_CHECKING:
    from .server import SandboxOptions

CREDENTIAL_SCOPE = re.compile(r"Credential=([A-Z0-9]{16,128})/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")

SLOW_SECONDS = 3.0  # the delay of the "slow" fault, and of the "late" fault's answer
# The longest a "hold" fault keeps a call: a test that forgot to clear it still ends.
HOLD_LIMIT_SECONDS = 120.0
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def request_identity(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """The access key id and the signing service name of a SigV4 request, or Nones."""
    match = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        return None, None
    return match.group(1), match.group(3)


def request_region(environ: dict[str, Any]) -> str | None:
    """The Region in a SigV4 request's credential scope, or None."""
    match = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(2) if match is not None else None


@cache
def known_regions() -> frozenset[str]:
    """Every Region of every AWS partition botocore knows (the Regions moto can serve)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def unknown_region_error(region: str) -> tuple[int, str, str]:
    """(status, code, message) for a Region the sandbox does not serve (never retried)."""
    return 400, "InvalidRegion", f"Region {region} is not served by the sandbox"


def account_of_access_key(access_key: str) -> str:
    """The account moto maps an access key to (assumed-role and IAM keys; else the default)."""
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


def principal_of_access_key(account_id: str, access_key: str) -> str:
    """The caller's ARN as AWS prints it in AccessDenied messages."""
    from moto.iam.models import iam_backends

    key = iam_backends[account_id]["aws"].access_keys.get(access_key)
    role_arn = getattr(key, "role_arn", None) if key is not None else None
    if role_arn:
        return f"arn:aws:sts::{account_id}:assumed-role/{role_arn.split('/')[-1]}/drconsole"
    return f"arn:aws:iam::{account_id}:root"


def protocol_of(environ: dict[str, Any], service: str | None) -> str:
    """The wire protocol of the request: json, rest-json, query, ec2 or rest-xml."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service == "s3":
        return "rest-xml"
    if service == "ec2":
        return "ec2"
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest-json"


def error_response(
    protocol: str, status: int, code: str, message: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of an error in the service's own protocol."""
    request_id = str(uuid.uuid4())
    reason = {400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}[status]
    headers = [("x-amzn-RequestId", request_id)]
    # The XML protocols' messages are escaped: one may quote a URL's `&` (the "echo" fault).
    xml_message = escape(message)
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{xml_message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol == "rest-xml":
        body = (
            f"<Error><Code>{code}</Code><Message>{xml_message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers.append(("Content-Type", "application/xml"))
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{xml_message}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {reason}", headers, body


def throttling_error(protocol: str) -> tuple[int, str, str]:
    """(status, code, message) of throttling as each protocol's services answer it."""
    if protocol == "ec2":
        return 503, "RequestLimitExceeded", "Request limit exceeded."
    if protocol == "rest-xml":
        return 503, "SlowDown", "Please reduce your request rate."
    if protocol == "query":
        return 400, "Throttling", "Rate exceeded"
    return 400, "ThrottlingException", "Rate exceeded"


def access_denied_error(protocol: str, principal: str, action: str) -> tuple[int, str, str]:
    """(status, code, message) of AccessDenied as each protocol's services answer it."""
    message = f"User: {principal} is not authorized to perform: {action}"
    if protocol == "ec2":
        return 403, "UnauthorizedOperation", "You are not authorized to perform this operation."
    if protocol in ("query", "rest-xml"):
        return 403, "AccessDenied", message
    return 403, "AccessDeniedException", message


def region_not_enabled_error(protocol: str) -> tuple[int, str, str]:
    """(status, code, message) of a call into an opt-in Region the account has not enabled:
    AWS does not recognize its credentials there (JSON services: UnrecognizedClientException,
    the query ones InvalidClientTokenId, as seen in reports of opt-in Regions; the REST and EC2
    services are taken to answer as the JSON and query ones)."""
    message = "The security token included in the request is invalid."
    if protocol in ("json", "rest-json"):
        return 400, "UnrecognizedClientException", message
    return 403, "InvalidClientTokenId", message


# AWS refuses a SigV4 request signed more than 5 minutes away from its own clock ("Signature
# expired: ... (... - 5 min.)"); S3 allows 15 (its RequestTimeTooSkewed answer says
# MaxAllowedSkewMilliseconds 900000), EC2 too (RequestExpired: "more than 15 minutes").
MAX_SKEW_SECONDS = 300
MAX_SKEW_SECONDS_S3_EC2 = 900
AMZ_DATE = "%Y%m%dT%H%M%SZ"


def skew_error(environ: dict[str, Any], protocol: str, skew: float) -> tuple[int, str, str] | None:
    """(status, code, message) refusing a request signed too far from AWS's clock, which runs
    `skew` seconds ahead of the caller's; None when the request is in time (5 minutes, S3's
    and EC2's 15) or not signed.
    The JSON and query services' texts are AWS's own ("Signature expired: ... is now earlier
    than ... (... - 5 min.)"); S3 answers RequestTimeTooSkewed and EC2 RequestExpired."""
    signed = environ.get("HTTP_X_AMZ_DATE", "")
    try:
        sent = datetime.strptime(signed, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        return None
    now = datetime.now(UTC) + timedelta(seconds=skew)
    wide = protocol in ("rest-xml", "ec2")
    window = timedelta(seconds=MAX_SKEW_SECONDS_S3_EC2 if wide else MAX_SKEW_SECONDS)
    if now - window <= sent <= now + window:
        return None
    if protocol == "rest-xml":
        return (
            403,
            "RequestTimeTooSkewed",
            ("The difference between the request time and the current time is too large."),
        )
    if protocol == "ec2":
        return 400, "RequestExpired", "Request has expired."
    if sent < now:
        message = (
            f"Signature expired: {signed} is now earlier than {now - window:{AMZ_DATE}} "
            f"({now:{AMZ_DATE}} - 5 min.)"
        )
    else:
        message = (
            f"Signature not yet current: {signed} is still later than "
            f"{now + window:{AMZ_DATE}} ({now:{AMZ_DATE}} + 5 min.)"
        )
    code = "SignatureDoesNotMatch" if protocol == "query" else "InvalidSignatureException"
    return 403, code, message


# Services that answer from outside any one Region (signed for us-east-1 or any Region).
GLOBAL_SERVICES = frozenset({"iam", "organizations"})
GLOBAL_STS_REGION = "us-east-1"  # what the global endpoint sts.amazonaws.com is signed for
OUTAGE_MODES = ("reset", "unavailable")


def outage_of(options: SandboxOptions, service: str | None, region: str | None) -> str | None:
    """The outage mode ("reset", "unavailable") that meets a request for `service` signed for
    `region`, or None when its Region is up or the service is global (and spared)."""
    mode = options.regions_down.get(region or "") if options.regions_down else None
    if mode is None:
        return None
    spared = service in GLOBAL_SERVICES or (service == "sts" and region == GLOBAL_STS_REGION)
    return None if spared and not options.outage_global else mode


def close_without_answer() -> None:
    """Drop the connection with nothing sent, as a Region whose front door is gone does: the
    server (cheroot) closes a connection quietly on a connection reset, and botocore sees
    "Connection was closed before we received a valid response"."""
    raise ConnectionResetError(errno.ECONNRESET, "Regional outage (sandbox)")


def echoed_signature_error(environ: dict[str, Any], protocol: str) -> tuple[int, str, str]:
    """(status, code, message) of a refused signature whose message quotes the request's own
    signing back, as S3's SignatureDoesNotMatch and a signing proxy's error pages do: its
    Authorization header, its X-Amz-Security-Token, and the same as a presigned URL's query,
    plain and percent-encoded inside another URL. What a caller must never show or write."""
    from urllib.parse import quote

    authorization = environ.get("HTTP_AUTHORIZATION", "")
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN", "")
    credential = re.search(r"Credential=([^,\s]+)", authorization)
    signature = re.search(r"Signature=([0-9a-f]+)", authorization)
    host = environ.get("HTTP_HOST", "localhost")
    presigned = (
        f"https://{host}/?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={quote(credential.group(1) if credential else '', safe='')}"
        f"&X-Amz-Date={environ.get('HTTP_X_AMZ_DATE', '')}&X-Amz-SignedHeaders=host"
        f"&X-Amz-Signature={signature.group(1) if signature else ''}"
        f"&X-Amz-Security-Token={quote(token, safe='')}"
    )
    message = (
        "The request signature we calculated does not match the signature you provided. "
        f"Authorization: {authorization} X-Amz-Security-Token: {token} "
        f"Presigned: {presigned} Sign-in: https://signin.example/?next={quote(presigned, safe='')}"
    )
    json_protocol = protocol in ("json", "rest-json")
    code = "InvalidSignatureException" if json_protocol else "SignatureDoesNotMatch"
    return 403, code, message


def fault_error(
    fault: str,
    protocol: str,
    access_key: str | None,
    service: str | None,
    environ: dict[str, Any] | None = None,
) -> tuple[int, str, str]:
    """(status, code, message) of an injected fault."""
    if fault == "throttle":
        return throttling_error(protocol)
    if fault == "echo":
        return echoed_signature_error(environ or {}, protocol)
    if fault == "denied":
        account = account_of_access_key(access_key) if access_key else "123456789012"
        principal = principal_of_access_key(account, access_key) if access_key else "unknown"
        return access_denied_error(protocol, principal, f"{service}:*")
    return 503, "ServiceUnavailable", "Service is unavailable, try again later"


class KnobsMiddleware:
    """Applies the sandbox's knobs (read at every request, so tests may flip them live)."""

    def __init__(
        self,
        app: WsgiApp,
        options: SandboxOptions,
        before_request: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.options = options
        self.before_request = before_request
        self.requests = 0
        # Every AWS request that arrived, named by its operation (throttled or refused ones too).
        self.log = RequestLog()
        self._calls: dict[str, int] = {}  # calls of each faulted operation so far
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.requests += 1
        options = self.options
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.app(environ, start_response)
        if options.latency_ms > 0:
            time.sleep(options.latency_ms / 1000.0)
        access_key, service = request_identity(environ)
        region = request_region(environ)
        seen = self.log.record(environ, access_key, service, region)
        protocol = protocol_of(environ, service)
        # Real AWS has no endpoint there (a DNS failure); moto would answer 500 and log a
        # KeyError traceback, which botocore retries.
        if region is not None and region not in known_regions():
            status, code, message = unknown_region_error(region)
            return self._reply(start_response, protocol, status, code, message)
        outage = outage_of(options, service, region)
        if outage == "reset":
            close_without_answer()
        elif outage is not None:
            message = "Service Unavailable"
            return self._reply(start_response, protocol, 503, "ServiceUnavailable", message)
        skewed = skew_error(environ, protocol, options.clock_skew_seconds)
        if skewed is not None:
            return self._reply(start_response, protocol, *skewed)
        if options.throttle_rate > 0 and random.random() < options.throttle_rate:
            status, code, message = throttling_error(protocol)
            return self._reply(start_response, protocol, status, code, message)
        fault = self._fault(options.faults, seen.name) if options.faults else None
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        elif fault == "hold":
            self._hold(options.faults, seen.name)
        elif fault is not None and fault != "late":
            status, code, message = fault_error(fault, protocol, access_key, service, environ)
            return self._reply(start_response, protocol, status, code, message)
        disabled = options.disabled_regions
        account = account_of_access_key(access_key) if disabled and access_key else None
        if account is not None and region in disabled.get(account, ()):
            status, code, message = region_not_enabled_error(protocol)
            return self._reply(start_response, protocol, status, code, message)
        throttled = options.throttled_accounts
        if throttled and access_key is not None and account_of_access_key(access_key) in throttled:
            status, code, message = throttling_error(protocol)
            return self._reply(start_response, protocol, status, code, message)
        if options.access_denied_accounts and access_key is not None:
            account_id = account_of_access_key(access_key)
            if account_id in options.access_denied_accounts:
                target = environ.get("HTTP_X_AMZ_TARGET", "")
                action = f"{service}:{target.split('.')[-1]}" if target else f"{service}:*"
                principal = principal_of_access_key(account_id, access_key)
                status, code, message = access_denied_error(protocol, principal, action)
                return self._reply(start_response, protocol, status, code, message)
        if seen.name == "sts:AssumeRole" and access_key is not None:
            caller = principal_of_access_key(account_of_access_key(access_key), access_key)
            refusal = assume_role_refusal(environ, caller)
            if refusal is not None:
                return self._reply(start_response, protocol, *refusal)
        if service == "ec2":
            refusal = filter_limit_refusal(environ)
            if refusal is not None:
                return self._reply(start_response, protocol, *refusal)
        if self.before_request is not None:
            self.before_request()
        if fault == "late":
            return self._late(environ, start_response)
        return self.app(environ, start_response)

    def _late(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The call is carried out at once and its answer held back (a network cut after the
        request reached AWS, as the caller sees it): the server sends nothing, headers
        included, before the first piece of the body."""
        body = b"".join(self.app(environ, start_response))
        time.sleep(SLOW_SECONDS)
        return [body]

    @staticmethod
    def _hold(faults: dict[str, str], operation: str) -> None:
        """Keep the call waiting while its "hold" fault stands: a step that stays in progress
        for exactly as long as a test needs it to, however slow the machine."""
        deadline = time.monotonic() + HOLD_LIMIT_SECONDS
        while faults.get(operation, "").startswith("hold") and time.monotonic() < deadline:
            time.sleep(0.05)

    def _fault(self, faults: dict[str, str], operation: str) -> str | None:
        """The fault injected into this call: `KIND`, or `KIND+N` once N calls went through."""
        spec = faults.get(operation)
        if spec is None:
            return None
        kind, _, passes = spec.partition("+")
        with self._lock:
            seen = self._calls[operation] = self._calls.get(operation, 0) + 1
        return kind if seen > int(passes or 0) else None

    def reset_fault_counts(self) -> None:
        """Count the calls of faulted operations from now on."""
        with self._lock:
            self._calls.clear()

    @staticmethod
    def _reply(
        start_response: StartResponse, protocol: str, status: int, code: str, message: str
    ) -> Iterable[bytes]:
        line, headers, body = error_response(protocol, status, code, message)
        start_response(line, headers)
        return [body]
