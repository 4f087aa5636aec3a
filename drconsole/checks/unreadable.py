"""What to do about a fact that could not be read: the fix that fits why the read failed."""

from __future__ import annotations

import functools
import re

from drconsole.checks.facts import Unreadable
from drconsole.models import CauseCode

RERUN = "then re-run the check."
# AWS refusing drconsole's own AssumeRole into a member account (the read never reached it).
ASSUME_ROLE_REFUSED = re.compile(
    r"(?:User: (?P<principal>\S+) )?is not authorized to perform:? ?sts:AssumeRole on resource:? ?"
    r"(?P<role>arn:[\w-]+:iam::(?P<account>\d{12}):role/[\w+=,.@/-]+)"
)


def entry_refused(fact: Unreadable, account: str) -> bool:
    """True when `fact` failed because AWS refused drconsole's role in `account`."""
    refused = ASSUME_ROLE_REFUSED.search(fact.message)
    return refused is not None and refused.group("account") == account


REGION_SHAPED = re.compile(r"(?<![\w-])[a-z]{2}(?:-[a-z]+)+-\d{1,2}(?![\w-])")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every Region of every partition botocore knows."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def unknown_region(*texts: str) -> str | None:
    """The first Region-shaped name in `texts` that no AWS partition has (a misspelling)."""
    for text in texts:
        for name in REGION_SHAPED.findall(text):
            if name not in known_regions():
                return str(name)
    return None


def credentials_refused_here(operation: str, then: str) -> str:
    """The remedy of a call whose credentials AWS did not recognize in one account and Region
    while it still takes the caller's own; `then`: what to do once it is fixed."""
    return (
        f"AWS did not recognize the credentials of {operation} here, while it still "
        "takes the caller's own: the Region is probably an opt-in Region this account has "
        "not enabled (enable it: aws account enable-region --account-id ACCOUNT "
        "--region-name REGION, or leave the Region out with --region); else the account's "
        f"member profile holds stale credentials; {then}"
    )


def remedy(fact: Unreadable, cause: CauseCode, what: str) -> str:
    """The remediation of an UNKNOWN check whose fact `fact` (about `what`) was not read."""
    from drconsole.aws.errors import UNRECOGNIZED_CREDENTIAL_CODES

    refused = ASSUME_ROLE_REFUSED.search(fact.message)
    if refused is not None:
        who = refused.group("principal") or "the identity drconsole uses"
        account, role = refused.group("account"), refused.group("role")
        return (
            f"drconsole reads account {account} by assuming {role}, and AWS refused it: in "
            f"account {account}, create that role (or name the one that exists with --role-name "
            f"or role_name in the config) with a trust policy that lets {who} assume it; "
            f"an account outside the organization has no such role until you create it; {RERUN}"
        )
    if fact.code in UNRECOGNIZED_CREDENTIAL_CODES:
        return credentials_refused_here(fact.operation, RERUN)
    if cause is CauseCode.ROLE_PERMISSIONS:
        return f"Grant read access ({fact.operation}) to the identity drconsole uses, {RERUN}"
    region = unknown_region(what, fact.message)
    if region is not None and cause is not CauseCode.THROTTLED:
        return (
            f"Region {region} is not one AWS has (misspelt?): correct it where it was given "
            f"(an ARN, --region, --to, the config file), {RERUN}"
        )
    from drconsole.diagnose.facts import Facts
    from drconsole.diagnose.messages import for_cause

    diagnosis = for_cause(cause, Facts.read(fact.message, fact.operation))
    if diagnosis is not None:
        return f"{diagnosis.remediation}\nThen re-run the check."
    return (
        f"drconsole does not know why {fact.operation} failed ({fact.code}): read the evidence, "
        f"fix what it names, {RERUN}"
    )
