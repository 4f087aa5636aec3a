"""AWS's own limits, checked at the edge: every value a person gives is validated before use.

A value outside these limits is a UsageError (exit 2) naming the value and where it came from,
raised before any AWS call, so nothing is started with a value AWS (or drconsole) cannot carry.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from urllib.parse import urlsplit

from drconsole.errors import UsageError
from drconsole.redact import masked_url

# AWS Backup retention: a vault lock's MaxRetentionDays goes up to 36500 days (100 years), the
# longest retention the console offers; DeleteAfterDays is at least 1.
MAX_DELETE_AFTER_DAYS = 36500
# Threads that read AWS at once; more only queues on AWS's throttling.
MAX_WORKERS = 128
MAX_ACCOUNTS = 100_000  # above any organization AWS allows
# IAM: role names are 1-64 characters of [\w+=,.@-]; a path is at most 512 characters.
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
ROLE_PATH_SEGMENT = re.compile(r"[\w+=,.@-]+", re.ASCII)
MAX_ROLE_PATH = 512
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?P<name>.+)", re.ASCII)
# Region names as AWS spells them: eu-central-1, us-gov-west-1, eu-isoe-west-1, cn-north-1,
# eusc-de-east-1 (the European Sovereign Cloud).
REGION = re.compile(r"[a-z]{2,4}(-[a-z]+){1,3}-\d{1,2}", re.ASCII)
# Session tokens from STS and IAM Identity Center are a few kilobytes at most.
MAX_SESSION_TOKEN = 16384
# IAM's documented bound for an access key id; a secret key is 40 characters, bound loosely.
MAX_ACCESS_KEY_ID = 128
MAX_SECRET_KEY = 1024
# Restore metadata: keys are AWS Backup's parameter names; values may hold JSON.
METADATA_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,127}", re.ASCII)
MAX_METADATA_VALUE = 65536


def shown(value: object, limit: int = 120) -> str:
    """`repr(value)` (control characters escaped), cut to `limit` characters for one line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def shown_path(path: str, limit: int = 200) -> str:
    """A file name for a message: as it is when printable and short, else `shown`."""
    return path if path.isprintable() and len(path) <= limit else shown(path, limit)


def has_controls(text: str) -> bool:
    """True when `text` holds a control character (none belongs in a name, ARN or value)."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in text)


def bounded_int(value: int | None, low: int, high: int, where: str) -> int | None:
    """`value` if within [low, high] (None passes), else a UsageError naming `where`."""
    if value is None:
        return None
    if isinstance(value, bool) or not low <= value <= high:
        raise UsageError(f"{where} {value}: expected {low} to {high}")
    return value


def delete_after_days(value: int | None, where: str = "--delete-after-days") -> int | None:
    """A copy's retention in days, within AWS Backup's range."""
    return bounded_int(value, 1, MAX_DELETE_AFTER_DAYS, where)


def delete_after_days_text(text: str, where: str) -> int:
    """A copy's retention typed as text (the wizard's field, a runbook's value): whole days
    within AWS Backup's range, else UsageError naming `where`. A number too long for AWS is
    refused by its length: int() itself refuses one of more than 4,300 digits."""
    if not text.isascii() or not text.isdigit():
        raise UsageError(f"{where} {shown(text, 60)}: expected a whole number of days")
    if len(text.lstrip("0")) > len(str(MAX_DELETE_AFTER_DAYS)):
        raise UsageError(f"{where} {shown(text, 60)}: expected 1 to {MAX_DELETE_AFTER_DAYS}")
    days = int(text)
    bounded_int(days, 1, MAX_DELETE_AFTER_DAYS, where)
    return days


def role(value: str | None, where: str) -> str | None:
    """A role given as NAME, path/NAME or an IAM role ARN, in IAM's syntax; else UsageError."""
    if value is None:
        return None
    arn = ROLE_ARN.fullmatch(value)
    path_and_name = arn.group("name") if arn else value.strip("/")
    if has_controls(value) or not path_and_name:
        raise UsageError(
            f"{where} {shown(value)}: expected an IAM role name, path/name or role ARN"
        )
    *path, name = path_and_name.split("/")
    if not ROLE_NAME.fullmatch(name):
        raise UsageError(
            f"{where} {shown(value)}: an IAM role name is 1 to 64 letters, digits and +=,.@_- "
            "(optionally after a path, or as arn:aws:iam::ACCOUNT:role/NAME)"
        )
    if path and (
        len("/".join(path)) + 2 > MAX_ROLE_PATH
        or not all(ROLE_PATH_SEGMENT.fullmatch(part) for part in path)
    ):
        raise UsageError(
            f"{where} {shown(value)}: invalid IAM role path (letters, digits, +=,.@_-)"
        )
    return value


def region(value: str, where: str) -> str:
    """A Region name in AWS's syntax (eu-central-1), else a UsageError naming where it was set."""
    if not REGION.fullmatch(value):
        raise UsageError(f"{where}: {shown(value)} is not a Region name (like eu-central-1)")
    return value


def endpoint_url(value: str | None, where: str) -> str | None:
    """An http(s) URL with a host and a valid port, else a UsageError naming where it was set."""
    if value is None:
        return None
    problem = ""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as error:
        problem = url_problem(value, error)
    else:
        if has_controls(value) or any(c.isspace() for c in value):
            problem = "it holds spaces or control characters"
        elif parts.scheme not in ("http", "https"):
            problem = "expected http:// or https://"
        elif not parts.hostname:
            problem = "no host"
        elif port == 0:
            problem = "port 0"
    problem = problem or userinfo_problem(value)
    if problem:
        raise UsageError(
            f"{where}: {shown(masked_url(value))} is not a usable endpoint URL ({problem})"
        )
    return value


# RFC 3986's user name and password characters: unreserved, percent-encoded, sub-delims, `:`.
# urllib3 reads any other one (`\`, `[`, a space...) as the end of the authority and quotes
# what came before it, the head of the password, in its error.
USERINFO = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:%-]*", re.ASCII)


def _after_scheme(url: str) -> tuple[str, str]:
    """(everything after `scheme://`, the authority part of it as urlsplit reads it)."""
    _, _, rest = url.partition("://")
    return rest, re.split(r"[/?#]", rest, maxsplit=1)[0]


def userinfo_problem(url: str) -> str:
    """Why the user name and password of `url` cannot be sent as they are, or ''."""
    _, authority = _after_scheme(url)
    if "@" in authority and not USERINFO.fullmatch(authority.rpartition("@")[0]):
        return "its user name or password holds a character to write as %XX"
    return ""


def url_problem(value: str, error: ValueError) -> str:
    """What urlsplit found wrong in `value`, in words that quote nothing of it: its own message
    repeats the part it read as the port, which is the head of a password holding `#`, `?`
    or `/`."""
    text = str(error)
    if "Port out of range" in text:
        problem = "the port is outside 0-65535"
    elif "Port could not be cast" in text:
        problem = "the port is not a number"
    elif "IPv6" in text:
        problem = "an IPv6 address without its closing ]"
    else:
        problem = "it cannot be read as a URL"
    rest, authority = _after_scheme(value)
    if "@" in rest and "@" not in authority:
        problem += "; a #, ? or / in a user name or password is written %23, %3F or %2F"
    return problem


def session_token(value: str | None, where: str) -> str | None:
    """A session token that fits in a request header (no control characters, bounded size).

    The token itself is never shown: only where it came from and what is wrong.
    """
    return credential_part(value, where, "session token", MAX_SESSION_TOKEN)


def credential_part(value: str | None, where: str, what: str, longest: int) -> str | None:
    """An access key id, secret key or session token that can be sent in a signed header.

    A control character or space in one (a stray newline from `export
    AWS_ACCESS_KEY_ID=$(cat file)`) otherwise fails far from its cause, as a network error or a
    refused signature. The value itself is never shown: only where it came from and what is
    wrong.
    """
    if not value:
        return value
    if len(value) > longest:
        raise UsageError(
            f"{where}: the {what} is {len(value)} characters long, more than any AWS {what} "
            f"({longest})"
        )
    if not value.isascii() or not value.isprintable() or " " in value:
        raise UsageError(f"{where}: the {what} holds spaces or control characters")
    return value


def proxy_url(value: str | None, where: str) -> str | None:
    """A proxy URL botocore can use (a scheme is optional, as it adds http://), else a
    UsageError naming the variable, rather than a network error at the first call."""
    if not value:
        return value
    problem = ""
    if has_controls(value) or any(c.isspace() for c in value):
        problem = "it holds spaces or control characters"
    else:
        url = value if "://" in value else f"http://{value}"
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError when out of range or not a number
        except ValueError as error:
            problem = url_problem(url, error)
        else:
            problem = userinfo_problem(url) if parts.hostname else "no host"
    if problem:
        raise UsageError(
            f"{where}: {shown(masked_url(value))} is not a usable proxy URL ({problem})"
        )
    return value


def metadata_pair(key: str, value: str, where: str = "--metadata") -> tuple[str, str]:
    """One restore metadata KEY=VALUE within limits, else a UsageError."""
    if not METADATA_KEY.fullmatch(key):
        raise UsageError(
            f"{where} {shown(key)}: a metadata key is 1 to 128 letters, digits and _.:- "
            "starting with a letter"
        )
    if len(value) > MAX_METADATA_VALUE:
        raise UsageError(
            f"{where} {shown(key)}: the value is longer than {MAX_METADATA_VALUE} characters"
        )
    if has_controls(value):
        raise UsageError(f"{where} {shown(key)}: the value holds control characters")
    return key, value


_DURATION = re.compile(r"^(\d{1,6})\s*([mhdw])$", re.ASCII)
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(value: object, where: str) -> timedelta:
    """`30m`, `24h`, `3d` or `2w` as a timedelta; UsageError naming `where` otherwise."""
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise UsageError(
            f"{where} must be a duration such as 30m, 24h, 3d or 2w, got {shown(value)}"
        )
    return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})
