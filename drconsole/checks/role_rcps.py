"""Resource control policies on the OU path of a job role's account, against AWS Backup's
assumption of that role (sts:AssumeRole by the service principal backup.amazonaws.com).

RCPs apply to STS: "RCPs apply to actions for the following AWS services: … AWS Security Token
Service (prefix:sts)", and they affect every principal but service-linked roles: "RCPs impact
the effective permissions of principals trying to access resources in a member account with an
applicable RCP, regardless of whether the principals belong to the same organizations or not.
… The exception is when principals are service-linked roles"; "RCPs also do not impact AWS
services' ability to assume a service-linked role" ("Resource control policies (RCPs)",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html,
"Resources and entities not restricted by RCPs"). The copy and restore roles are service roles,
not service-linked ones, so an RCP denying sts:AssumeRole to a service principal refuses AWS
Backup the role. AWS's own identity perimeter RCP denies sts:AssumeRole outside the
organization only with `"BoolIfExists": {"aws:PrincipalIsAWSService": "false"}`, because "AWS
services that use service principals to access resources on your behalf are denoted by
aws:PrincipalIsAWSService", and notes that "some services assume service roles that you create
to perform actions on your behalf. Not all services support aws:SourceOrgID enforcement on
their sts:AssumeRole calls" (aws-samples/data-perimeter-policy-examples,
resource_control_policies/README.md and identity_perimeter_rcp.json).

A service principal's request carries aws:PrincipalIsAWSService (true) and
aws:PrincipalServiceName, and no aws:PrincipalAccount, aws:PrincipalOrgID or aws:PrincipalArn,
which belong to IAM principals (the evaluator derives these from the principal). Whether AWS
Backup sends the confused-deputy keys (aws:SourceAccount...) when it assumes a role is not
documented (`common.SOURCE_KEYS`), so the request is judged both ways: without them, and with
them naming the account whose job it is — the role's own, since AWS Backup takes a job's role
only in the job's account — and its organization (aws:SourceArn's value stays unknown). A
denial in one case only is UNKNOWN, as `trust_verdict` judges a trust policy testing them; one
in both is a FAIL. So AWS's own confused-deputy statement (deny `sts:*` to a service principal
when aws:SourceAccount is present and aws:SourceOrgID is not the organization's) denies in
neither case and is no UNKNOWN. Which STS endpoint (aws:RequestedRegion) AWS Backup calls is
not documented, and the role's tags are not read: a denial hinging on them is UNKNOWN.
"""

from __future__ import annotations

from dataclasses import replace

from drconsole.checks.common import SOURCE_KEYS
from drconsole.checks.facts import OrgMembership, ScpLevel, Unreadable
from drconsole.checks.rcp import with_rcps
from drconsole.checks.request_context import (
    RequestContext,
    UnknownKey,
    account_of,
    organization_keys,
    time_keys,
)
from drconsole.checks.scp import ScpRequest
from drconsole.models import CauseCode, Check, CheckStatus

ASSUMER = "backup.amazonaws.com"
SOURCE_ARN_NOT_DOCUMENTED = UnknownKey(
    "AWS does not document the value AWS Backup sends when it assumes a role"
)
STS_REGION_NOT_DOCUMENTED = UnknownKey(
    "AWS does not document which STS endpoint AWS Backup calls to assume a role"
)
ROLE_TAGS = UnknownKey("drconsole does not read the role's tags")


def assumption_request(
    role_arn: str, role_org: OrgMembership | Unreadable | None, *, source_keys: bool
) -> ScpRequest:
    """AWS Backup's sts:AssumeRole of `role_arn`, as the RCPs of the role's account judge it
    (`role_org`: that account's organization, for aws:ResourceOrgID and aws:ResourceOrgPaths),
    with the confused-deputy keys naming that account (`source_keys`) or without them."""
    account = account_of(role_arn)
    context = RequestContext({**time_keys(), "aws:ResourceAccount": account})
    sides = ("Resource", "Source") if source_keys else ("Resource",)
    for side in sides:
        org = organization_keys(side, account, role_org)
        context = context.adding(org.values, org.unknown)
    unknown = {"aws:RequestedRegion": STS_REGION_NOT_DOCUMENTED, "aws:ResourceTag/": ROLE_TAGS}
    if source_keys:
        context = context.adding({"aws:SourceAccount": account})
        unknown["aws:SourceArn"] = SOURCE_ARN_NOT_DOCUMENTED
    return ScpRequest(ASSUMER, "sts:AssumeRole", role_arn, context.adding(unknown=unknown))


def with_assumption_rcps(
    judged: Check,
    levels: tuple[ScpLevel, ...] | Unreadable | None,
    role_arn: str,
    role_org: OrgMembership | Unreadable | None,
) -> Check:
    """A job role's verdict (`restore.role`, `source.copy-role`), FAIL (ROLE_PERMISSIONS) when
    an RCP on the path of the role's account denies AWS Backup the role's assumption whether
    or not AWS Backup sends the confused-deputy keys, UNKNOWN when one may deny it (in one of
    those cases only, or on a key not known) or the RCPs could not be read (`levels` None: none
    apply, as in the management account)."""
    account = account_of(role_arn)
    judged_as = [
        with_rcps(
            judged,
            levels,
            [assumption_request(role_arn, role_org, source_keys=sent)],
            account,
            CauseCode.ROLE_PERMISSIONS,
        )
        for sent in (False, True)
    ]
    without, with_keys = judged_as
    denials = [c for c in judged_as if c.status is CheckStatus.FAIL]
    if without == with_keys or len(denials) == 2:
        return without
    undetermined = next((c for c in judged_as if c.status is CheckStatus.UNKNOWN), None)
    if undetermined is not None:
        return undetermined
    # A denial in one case only: it hinges on whether AWS Backup sends those keys.
    denied = denials[0]
    case = "does not send" if denied is without else "sends"
    return replace(
        denied,
        status=CheckStatus.UNKNOWN,
        evidence=(
            f"{denied.evidence}, if AWS Backup {case} the confused-deputy keys "
            f"({', '.join(SOURCE_KEYS)}) when it assumes the role: AWS does not document "
            "whether it does"
        ),
        cause=CauseCode.UNKNOWN,
        remediation=(
            f"Confirm that AWS Backup can assume {role_arn} (a recent job with this role "
            f"COMPLETED), or: {denied.remediation}"
        ),
    )
