"""AWS's refusal of a request signed too far from its own clock: recognised, measured, explained.

AWS refuses a SigV4 request whose signing time is more than 5 minutes from its clock. Its JSON
and query services answer InvalidSignatureException or SignatureDoesNotMatch with "Signature
expired: REQUEST is now earlier than LIMIT (AWS_NOW - 5 min.)" or "Signature not yet current:
REQUEST is still later than LIMIT (AWS_NOW + 5 min.)"; S3 answers RequestTimeTooSkewed, EC2 and
the query services RequestExpired. The same codes also name a wrong secret key, so only these
texts and codes are taken for a clock: fresh credentials would not help, a synced clock would.
Pure (no AWS, no UI).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Codes that say the request's time is wrong whatever their text.
SKEW_CODES = frozenset({"requesttimetooskewed", "requestexpired", "requestinthefuture"})
_STAMP = r"(\d{8}T\d{6}Z)"
# AWS's text, with both times: the request's, and AWS's own in the parentheses.
SIGNATURE_TIME = re.compile(
    rf"Signature (?:expired|not yet current): {_STAMP} is (?:now earlier|still later) than "
    rf"\d{{8}}T\d{{6}}Z \({_STAMP} [+-] 5 min\.?\)",
    re.IGNORECASE,
)
SKEW_TEXT = re.compile(
    # EC2's RequestExpired says "Request has expired.": "more than 15 minutes after the date
    # stamp on the request [...] or more than 15 minutes in the future" (AWS's common errors).
    r"signature expired: \d{8}T|signature not yet current|request time too skewed"
    r"|\brequest has expired\b"
    r"|difference between the request time and the (?:current|server's) time is too large",
    re.IGNORECASE,
)
FIX = (
    "Set this machine's clock right, then retry: `timedatectl set-ntp true` (systemd), "
    "`sudo chronyc makestep` (chrony) or `sudo ntpdate pool.ntp.org`; check with `date -u`. "
    "Fresh credentials do not help: AWS refuses any request signed more than 5 minutes "
    "(S3, EC2: 15) away from its clock."
)


def is_clock_skew(code: str | None, message: str) -> bool:
    """True when AWS refused the request for its signing time (this machine's clock)."""
    name = (code or "").lower().rsplit(".", 1)[-1]
    return name in SKEW_CODES or SKEW_TEXT.search(message) is not None


def skew_seconds(message: str) -> float | None:
    """How far AWS's clock was ahead of this machine's (negative: behind), read from AWS's
    "Signature expired" text; None when the text does not give both times."""
    match = SIGNATURE_TIME.search(message)
    if match is None:
        return None
    sent, aws_now = (
        datetime.strptime(stamp.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        for stamp in match.groups()
    )
    return (aws_now - sent).total_seconds()


def _span(seconds: float) -> str:
    seconds = abs(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def explanation(message: str) -> str:
    """What happened, with the measured offset when AWS's text gives it."""
    seconds = skew_seconds(message)
    if seconds is None:
        offset = "this machine's clock is too far from AWS's"
    else:
        way = "behind" if seconds > 0 else "ahead of"
        offset = f"this machine's clock is {_span(seconds)} {way} AWS's"
    return (
        f"AWS refused the request for its time, not its credentials: {offset} (AWS accepts "
        "a request signed at most 5 minutes away from its own clock; S3 and EC2, 15)."
    )


def one_line(message: str) -> str:
    """The explanation and the fix, for an error line."""
    return f"{explanation(message)} {FIX}"
