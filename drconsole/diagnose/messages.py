"""Error message or job StatusMessage -> cause code, plain-words explanation and exact fix.

Pure: no I/O, no AWS calls. Message patterns (each documented with the real AWS message it comes
from) are tried in order; then the error code alone where it is decisive; otherwise UNKNOWN,
because a wrong diagnosis at 3 a.m. costs more than an honest "not recognised".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import drconsole.clock_skew as clock_skew
from drconsole.diagnose.facts import Facts, fill
from drconsole.diagnose.remedies import access_denied
from drconsole.diagnose.restore_rules import RESTORE_CODES
from drconsole.diagnose.rule import Rule
from drconsole.diagnose.rules import RULES
from drconsole.models import CauseCode, Diagnosis

WRAPPER_RE = re.compile(
    r"An error occurred \((?P<code>[^)]*)\)(?: \(reached max retries: \d+\))? when calling the"
    r" (?P<operation>[\w.]+) operation(?: \(reached max retries: \d+\))?:?\s*",
    re.IGNORECASE,
)
# "MalformedPolicyDocumentException - Policy ..." or "KMSInvalidStateException: arn:..."
# (EC2 state reasons carry a dotted prefix: "Client.InternalError: ...")
INLINE_CODE_RE = re.compile(
    r"\b(?P<code>(?:[A-Z][a-z]+\.)?[A-Z][A-Za-z0-9]*(?:Exception|Error|Fault))\s*(?:-|:)\s"
)
LEADING_CODE_RE = re.compile(r"^\s*(?P<code>[A-Z][A-Za-z0-9.]+)\s*:\s")
# Words tools print before a message ("Error: error reading Backup Vault ...: AccessDenied...")
# name no error: read as a code, they would hide the code that follows.
GENERIC_WORDS = frozenset({"error", "exception", "fault", "warning", "failed", "failure"})
# A known code anywhere in the text (a log line's "desc = UnauthorizedOperation: You are ...").
ANY_CODE_RE = re.compile(r"(?<![\w.])(?P<code>(?:[A-Z][a-z]+\.)?[A-Z][A-Za-z0-9]+)\s*:\s")
# The code as other SDKs print it: Java "(Service: AmazonRDS; ...; Error Code: X; ...)",
# Go v2 "https response error StatusCode: 400, ..., api error X: message".
SDK_CODE_RE = re.compile(r"\b(?:error code:|api error)\s*(?P<code>[A-Za-z][\w.]*[A-Za-z])\b", re.I)
# Messages copied out of JSON keep their escapes: \n, \t and \" read as what they stand for.
JSON_ESCAPES = re.compile(r'\\[nrt]|\\(?=")')
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})

THROTTLE_CODES = frozenset(
    {
        "throttlingexception",
        "throttling",
        "toomanyrequestsexception",
        "requestlimitexceeded",
        "throttledexception",
        "requestthrottledexception",
        "requestthrottled",
        "slowdown",
        "ec2throttledexception",
        "priorrequestnotcomplete",
        "provisionedthroughputexceededexception",
        "bandwidthlimitexceeded",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "expiredtoken",
        "expiredtokenexception",
        "invalidclienttokenid",
        "unrecognizedclientexception",
        "requestexpired",
        "invalidaccesskeyid",
        "authfailure",
        "signaturedoesnotmatch",
        "invalidtoken",
    }
)
SERVICE_CODES = frozenset(
    {
        "internalfailure",
        "internalerror",
        "internalservererror",
        "internalserverexception",
        "internalserviceerror",
        "internalserviceexception",
        "serviceunavailable",
        "serviceunavailableexception",
        "serviceexception",
        "regionfailing",  # drconsole's own: a Region whose endpoint just answered 5xx (aws/)
    }
)
ACCESS_CODES = frozenset(
    {"accessdenied", "accessdeniedexception", "unauthorizedoperation", "unauthorizedaccess"}
)
KMS_STATE_CODES = frozenset(
    {"kmsinvalidstateexception", "disabledexception", "keyunavailableexception"}
)
# Services that use a key on the job's behalf report KMS refusals under their own codes.
KMS_ACCESS_CODES = frozenset(
    {
        "kmsaccessdeniedexception",
        "kmsaccessdenied",
        "kmskeynotaccessiblefault",
        "kmsnotfoundexception",
        "kmsdisabledexception",
        "kmsinvalidkeyusageexception",
    }
)
KMS_OPERATIONS = frozenset(
    {"decrypt", "encrypt", "reencrypt", "generatedatakey", "creategrant", "describekey"}
)
KMS_TEXT = re.compile(r"\bkms\b|customer master key|\bkms:", re.IGNORECASE)
LISTED_CODES = (
    THROTTLE_CODES
    | CREDENTIAL_CODES
    | SERVICE_CODES
    | ACCESS_CODES
    | KMS_STATE_CODES
    | KMS_ACCESS_CODES
)
NETWORK_CLASSES = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "SSLError",
        "HTTPClientError",
        "ConnectionError",
        "TimeoutError",
        "RegionUnreachable",  # drconsole's own: a Region whose endpoint just failed (aws/)
    }
)
CREDENTIAL_CLASSES = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
        "NoAuthTokenError",
        "LoginTokenLoadError",
    }
)

# A denial named by its code in a log line the SDK cut or cased otherwise ("ACCESSDENIEDEXCEPTION:
# STATUS CODE: 403"), or EC2's UnauthorizedOperation wording without its code.
ACCESS_TEXT = re.compile(
    r"\baccess ?denied(?:exception)?\b|\bunauthorized ?operation\b"
    r"|\bnot authorized to perform this operation\b",
    re.IGNORECASE,
)
# Generic transport and service texts, tried after the specific rules (their sources: botocore's
# exception messages and the AWS general error responses).
THROTTLE_TEXT = re.compile(
    r"rate exceeded|throttl|too many requests|request limit exceeded|slow ?down", re.IGNORECASE
)
CREDENTIAL_TEXT = re.compile(
    r"security token included in the request is (?:expired|invalid)|unable to locate credentials"
    r"|token has expired|sso session .{0,40}(?:expired|invalid)|request has expired"
    r"|signature expired|security token .{0,40}expired|credentials? .{0,30}(?:expired|not valid)"
    r"|\btoken expired\b",
    re.IGNORECASE,
)
NETWORK_TEXT = re.compile(
    r"could not connect to the endpoint url|(?:read|connect) timeout on endpoint url"
    r"|connection was closed before we received|ssl validation failed|name or service not known"
    r"|temporary failure in name resolution|connection refused|failed to establish a new connection"
    r"|max retries exceeded with url|network is unreachable|connection reset by peer"
    r"|connection timed out",
    re.IGNORECASE,
)
SERVICE_TEXT = re.compile(
    r"internal (?:server |service )?(?:error|failure)|service (?:is )?(?:temporarily )?unavailable"
    r"|we encountered an internal error"
    r"|encountered an unexpected error when processing the request",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ParsedError:
    """A message split into its botocore wrapper parts and the text AWS wrote."""

    text: str  # whitespace- and quote-normalized, wrapper removed
    error_code: str | None
    operation: str | None


def parse_error(message: str, error_code: str | None = None) -> ParsedError:
    """Normalize a message and strip botocore's "An error occurred (X) when calling Y" wrapper."""
    unescaped = JSON_ESCAPES.sub(lambda m: "" if m.group(0) == "\\" else " ", message)
    text = " ".join(unescaped.translate(QUOTES).split()).strip().strip("'\"").strip()
    operation = None
    wrapper = WRAPPER_RE.search(text)
    if wrapper:
        error_code = error_code or wrapper.group("code").strip() or None
        operation = wrapper.group("operation")
        text = (text[: wrapper.start()] + " " + text[wrapper.end() :]).strip()
    if not error_code and re.fullmatch(r"[A-Za-z][A-Za-z0-9.]+", text) and _is_known_code(text):
        error_code = text  # a bare error code pasted on its own
    sdk = SDK_CODE_RE.search(text)
    if not error_code and sdk:
        error_code = sdk.group("code")
    if not error_code:
        leading = LEADING_CODE_RE.match(text)
        inline = INLINE_CODE_RE.search(text)
        if leading and _is_known_code(leading.group("code")) and not _generic(leading):
            error_code = leading.group("code")
        elif inline and not _generic(inline):
            error_code = inline.group("code")
        else:
            error_code = _listed_code(text)
    return ParsedError(text=text, error_code=error_code, operation=operation)


def _generic(match: re.Match[str]) -> bool:
    return match.group("code").lower() in GENERIC_WORDS


def _listed_code(text: str) -> str | None:
    """The first code of drconsole's lists the text names before a colon, wherever it is."""
    for found in ANY_CODE_RE.finditer(text):
        if found.group("code").lower().rsplit(".", 1)[-1] in LISTED_CODES:
            return found.group("code")
    return None


def _is_known_code(code: str) -> bool:
    name = code.lower()
    known = THROTTLE_CODES | CREDENTIAL_CODES | SERVICE_CODES | ACCESS_CODES | KMS_STATE_CODES
    known |= KMS_ACCESS_CODES
    return name in known or name.endswith(("exception", "error", "fault"))


def _match_rules(facts: Facts) -> tuple[Rule, Diagnosis] | None:
    for rule in RULES:
        match = rule.pattern.search(facts.text)
        if match:
            return rule, rule.render(match, facts)
    return None


def _by_code(code: str | None, facts: Facts) -> Diagnosis | None:
    """Classification by the error code alone, for codes that decide the cause."""
    if not code:
        return None
    name = code.lower().rsplit(".", 1)[-1]
    if name in THROTTLE_CODES:
        return throttled()
    if name in CREDENTIAL_CODES:
        return credentials(facts)
    # EC2's Client.InternalError is a client-side launch failure (often a key), not AWS's fault.
    if name in SERVICE_CODES and not code.lower().startswith("client."):
        return service_error()
    if name in NETWORK_CLASSES_LOWER:
        return network(facts)
    return None


def _by_code_late(code: str | None, facts: Facts) -> Diagnosis | None:
    """Codes that give way to a more specific message (AccessDenied, LimitExceeded...)."""
    if not code:
        return None
    restore = RESTORE_CODES.get(code.lower())
    if restore is not None:
        return restore(None, facts)
    name = code.lower().rsplit(".", 1)[-1]
    if name in KMS_ACCESS_CODES or (name in ACCESS_CODES and _about_a_key(facts)):
        from drconsole.diagnose.key_remedies import kms_key_access

        return kms_key_access(None, facts)
    if name in ACCESS_CODES:
        return access_denied(facts)
    if name in KMS_STATE_CODES:
        from drconsole.diagnose.key_remedies import kms_key_state

        return kms_key_state(None, facts)
    if name == "limitexceededexception" and (
        "copy" in (facts.operation or "").lower() or "copy" in facts.text.lower()
    ):
        from drconsole.diagnose.remedies import too_many_jobs

        return too_many_jobs(None, facts)
    if name == "awsorganizationsnotinuseexception":
        from drconsole.diagnose.remedies import not_same_org

        return not_same_org(None, facts)
    return None


NETWORK_CLASSES_LOWER = frozenset(n.lower() for n in NETWORK_CLASSES)


def _about_a_key(facts: Facts) -> bool:
    """A denial of a KMS call, or one whose message speaks of a KMS key."""
    operation = (facts.operation or "").lower()
    return operation in KMS_OPERATIONS or bool(KMS_TEXT.search(facts.text))


def throttled() -> Diagnosis:
    """AWS throttled the call."""
    return Diagnosis(
        CauseCode.THROTTLED,
        "AWS throttled the call: too many requests for this account and Region right now. Nothing"
        " is misconfigured; the call can be retried.",
        "Retry after a short wait (drconsole retries with botocore's adaptive mode; more"
        " attempts per call: AWS_MAX_ATTEMPTS, up to 100). If it keeps happening, scan fewer"
        " accounts or Regions at once, or request a higher quota in Service Quotas.",
    )


def credentials(facts: Facts) -> Diagnosis:
    """The credentials are missing, expired or invalid."""
    return Diagnosis(
        CauseCode.CREDENTIALS_EXPIRED,
        "The AWS credentials are missing, expired or not valid (expired session token, ended SSO"
        " session, deleted access key, or a wrong system clock).",
        "Refresh the credentials and retry:\n"
        "  aws sso login --profile <PROFILE>      (SSO profiles)\n"
        "  aws sts get-caller-identity --profile <PROFILE>\n"
        "For assumed roles or MFA sessions, obtain a new session. InvalidClientTokenId with a"
        " valid key can also mean the Region is an opt-in Region not enabled for the account.",
    )


def clock(facts: Facts) -> Diagnosis:
    """AWS refused the request's signing time: this machine's clock is wrong."""
    return Diagnosis(CauseCode.CLOCK_SKEW, clock_skew.explanation(facts.text), clock_skew.FIX)


def network(facts: Facts) -> Diagnosis:
    """The AWS endpoint could not be reached."""
    url = fill(facts.endpoint_url, "ENDPOINT_URL")
    return Diagnosis(
        CauseCode.NETWORK,
        f"The AWS endpoint {url} could not be reached or did not answer in time: network, proxy,"
        " DNS, a wrong endpoint (a misspelt Region or AWS_ENDPOINT_URL), or an outage of the"
        " Region.",
        "Check the Region name and AWS_ENDPOINT_URL, then the network path:\n"
        f"  curl -sS -o /dev/null -w '%{{http_code}}\\n' {url}\n"
        "Check HTTPS_PROXY / NO_PROXY, and retry.\n"
        "If https://health.aws.amazon.com/health/status shows the Region down, work in another"
        " one: --region DR_REGION, a destination vault there (other Regions keep answering).",
    )


def service_error() -> Diagnosis:
    """AWS reported an internal error."""
    return Diagnosis(
        CauseCode.SERVICE_ERROR,
        "AWS reported an internal error or is temporarily unavailable; it is not caused by your"
        " configuration.",
        "Retry later (copy jobs retry by themselves for up to 2 hours while CREATED). Check the"
        " Region on https://health.aws.amazon.com/health/status; if it is down, work in another"
        " one: --region DR_REGION, a destination vault there.",
    )


def for_cause(cause: CauseCode, facts: Facts) -> Diagnosis | None:
    """The diagnosis of a cause whose fix does not depend on the call that met it (throttling,
    the network, the credentials, AWS's own errors); None for the others."""
    builders = {
        CauseCode.THROTTLED: throttled,
        CauseCode.NETWORK: lambda: network(facts),
        CauseCode.CREDENTIALS_EXPIRED: lambda: credentials(facts),
        CauseCode.CLOCK_SKEW: lambda: clock(facts),
        CauseCode.SERVICE_ERROR: service_error,
    }
    build = builders.get(cause)
    return build() if build is not None else None


def unknown(parsed: ParsedError) -> Diagnosis:
    """No confident match: say so rather than guess."""
    code = f" (error code {parsed.error_code})" if parsed.error_code else ""
    return Diagnosis(
        CauseCode.UNKNOWN,
        f"drconsole does not recognise this message{code} and will not guess its cause.",
        "Read the full message and the job's details (aws backup describe-copy-job --copy-job-id"
        " <ID> or describe-restore-job), and look for the failing call in CloudTrail.",
        matched="",
    )


def diagnose(
    message: str, error_code: str | None = None, operation: str | None = None
) -> Diagnosis:
    """Map an AWS error message or job StatusMessage to a cause, explanation and remediation."""
    parsed = parse_error(message, error_code)
    facts = Facts.read(parsed.text, operation or parsed.operation)
    code = parsed.error_code
    if clock_skew.is_clock_skew(code, parsed.text):
        # Before the credential codes: the same codes name a wrong key, this text a clock.
        by_code = (code or "").lower() in clock_skew.SKEW_CODES
        return replace(clock(facts), matched=f"error code {code}" if by_code else "clock text")
    early = _by_code(code, facts)
    if early is not None:
        return replace(early, matched=f"error code {code}")
    found = _match_rules(facts)
    if found is not None:
        rule, diagnosis = found
        return replace(diagnosis, matched=rule.id)
    late = _by_code_late(code, facts)
    if late is not None:
        return replace(late, matched=f"error code {code}")
    # A message wrapped twice (a tool's wrapper around botocore's) names the real code inside.
    inner = _listed_code(parsed.text)
    if inner and inner != code:
        named = _by_code(inner, facts) or _by_code_late(inner, facts)
        if named is not None:
            return replace(named, matched=f"error code {inner}")
    for pattern, build, name in (
        (THROTTLE_TEXT, lambda: throttled(), "throttling text"),
        (CREDENTIAL_TEXT, lambda: credentials(facts), "credentials text"),
        (NETWORK_TEXT, lambda: network(facts), "network text"),
        (SERVICE_TEXT, lambda: service_error(), "service error text"),
    ):
        if pattern.search(parsed.text):
            return replace(build(), matched=name)
    if ACCESS_TEXT.search(parsed.text):
        denied = _by_code_late("AccessDenied", facts)
        if denied is not None:
            return replace(denied, matched="access denied text")
    return unknown(parsed)


def diagnose_exception(exc: BaseException) -> Diagnosis:
    """Diagnose a botocore/boto3 exception (ClientError, EndpointConnectionError...)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        return diagnose(
            str(error.get("Message") or ""),
            str(error.get("Code") or "") or None,
            getattr(exc, "operation_name", None),
        )
    message = str(exc)
    if names & CREDENTIAL_CLASSES:
        return replace(credentials(Facts.read(message)), matched=type(exc).__name__)
    if names & NETWORK_CLASSES:
        return replace(network(Facts.read(message)), matched=type(exc).__name__)
    if {name.lower() for name in names} & SERVICE_CODES:
        return replace(service_error(), matched=type(exc).__name__)
    return diagnose(message)
