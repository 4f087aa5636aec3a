"""The request context AWS sends with each request the checks judge: one per action and resource.

AWS puts some keys in every request (aws:RequestedRegion, aws:CurrentTime, aws:EpochTime,
aws:ResourceAccount...; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
Left out, a negated operator or ...IfExists on them holds and a positive one fails, so a policy
would be judged as AWS never judges it. A key AWS sends whose value drconsole could not read
(an organization fact refused, a recovery point's tags) is unknown, not absent: a statement
testing it may or may not apply, and the evaluator says when the decision hinges on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drconsole.checks.facts import OrgMembership, Unreadable

ContextValues = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class UnknownKey:
    """Why a key's value is not known, and the failed read behind it (None: not read, or a
    value AWS does not document)."""

    why: str
    refused: Unreadable | None = None


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The keys of one request, and the keys it carries whose value is not known. An unknown
    key ending in "/" stands for a family (`aws:ResourceTag/`)."""

    values: Mapping[str, str | list[str]]
    unknown: Mapping[str, UnknownKey] = field(default_factory=dict)

    def adding(
        self,
        values: Mapping[str, str | list[str]] | None = None,
        unknown: Mapping[str, UnknownKey] | None = None,
    ) -> RequestContext:
        """This context with more keys, known or unknown (a known key is no longer unknown)."""
        known = {**self.values, **(values or {})}
        missing = {k: v for k, v in {**self.unknown, **(unknown or {})}.items() if k not in known}
        return RequestContext(known, missing)

    def causes(self, keys_text: str) -> list[UnknownKey]:
        """The unknown entries covering the keys named in `keys_text` (`a, b`)."""
        keys = [k.strip().lower() for k in keys_text.split(",") if k.strip()]
        return [
            entry for name, entry in self.unknown.items() if any(_covers(name, k) for k in keys)
        ]


def _covers(unknown_key: str, key: str) -> bool:
    """True when the unknown entry (a key, or a family ending in "/") covers `key`."""
    entry = unknown_key.lower()
    return key == entry or (entry.endswith("/") and key.startswith(entry))


def time_keys(now: datetime | None = None) -> ContextValues:
    """aws:CurrentTime and aws:EpochTime of a request made now, to the minute: the checks'
    decisions are remembered per request context (readiness asks one policy the same question
    for many pairs); only a policy's time bound falling within that minute is misjudged."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    return {
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(moment.timestamp())),
    }


def organization_keys(
    side: str, account_id: str, org: OrgMembership | Unreadable | None
) -> RequestContext:
    """aws:{side}OrgID and aws:{side}OrgPaths (side: Principal or Resource) of an account:
    absent outside an organization (AWS sends neither), unknown when they could not be read
    (`org` None: not read)."""
    org_id, paths = f"aws:{side}OrgID", f"aws:{side}OrgPaths"
    if isinstance(org, Unreadable) or org is None:
        if org is None:
            entry = UnknownKey(f"the organization of account {account_id} was not read")
        else:
            entry = UnknownKey(
                f"the organization of account {account_id} could not be read: {org.describe()}",
                org,
            )
        return RequestContext({}, {org_id: entry, paths: entry})
    if org.org_id is None:
        return RequestContext({})
    if org.org_path is None:
        return RequestContext({org_id: org.org_id}, {paths: path_unknown(account_id)})
    return RequestContext({org_id: org.org_id, paths: [org.org_path]})


def path_unknown(account_id: str) -> UnknownKey:
    """An OU path that could not be read (it is read from the management account)."""
    return UnknownKey(
        f"the OU path of account {account_id} could not be read "
        "(organizations:ListParents from the management account)"
    )


def request_context(
    *,
    region: str,
    principal_account: str,
    principal_org: OrgMembership | Unreadable | None,
    resource_account: str,
    resource_org: OrgMembership | Unreadable | None,
    now: datetime | None = None,
) -> RequestContext:
    """The keys AWS puts in every request made in `region` by a principal of
    `principal_account` on a resource of `resource_account`; the principal's ARN-derived keys
    (aws:PrincipalArn, aws:PrincipalType...) are added by the evaluator."""
    base = RequestContext(
        {
            "aws:RequestedRegion": region,
            **time_keys(now),
            "aws:PrincipalAccount": principal_account,
            "aws:ResourceAccount": resource_account,
        }
    )
    for side, account, org in (
        ("Principal", principal_account, principal_org),
        ("Resource", resource_account, resource_org),
    ):
        keys = organization_keys(side, account, org)
        base = base.adding(keys.values, keys.unknown)
    return base


def region_of(arn: str) -> str:
    """The Region field of an ARN ("" when it has none)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else ""


def account_of(arn: str) -> str:
    """The account field of an ARN ("" when it has none)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""
