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
documented, nor which STS endpoint (aws:RequestedRegion) it calls: a denial that hinges on them
is UNKNOWN, as `trust_verdict` judges a trust policy testing them.
"""

from __future__ import annotations

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
from drconsole.models import CauseCode, Check

ASSUMER = "backup.amazonaws.com"
SOURCE_KEY_NOT_DOCUMENTED = UnknownKey(
    "AWS does not document whether AWS Backup sends it when it assumes a role"
)
STS_REGION_NOT_DOCUMENTED = UnknownKey(
    "AWS does not document which STS endpoint AWS Backup calls to assume a role"
)
ROLE_TAGS = UnknownKey("drconsole does not read the role's tags")


def assumption_request(role_arn: str, role_org: OrgMembership | Unreadable | None) -> ScpRequest:
    """AWS Backup's sts:AssumeRole of `role_arn`, as the RCPs of the role's account judge it
    (`role_org`: that account's organization, for aws:ResourceOrgID and aws:ResourceOrgPaths)."""
    account = account_of(role_arn)
    org = organization_keys("Resource", account, role_org)
    unknown = {key: SOURCE_KEY_NOT_DOCUMENTED for key in SOURCE_KEYS}
    unknown |= {"aws:RequestedRegion": STS_REGION_NOT_DOCUMENTED, "aws:ResourceTag/": ROLE_TAGS}
    context = (
        RequestContext({**time_keys(), "aws:ResourceAccount": account})
        .adding(org.values, org.unknown)
        .adding(unknown=unknown)
    )
    return ScpRequest(ASSUMER, "sts:AssumeRole", role_arn, context)


def with_assumption_rcps(
    judged: Check,
    levels: tuple[ScpLevel, ...] | Unreadable | None,
    role_arn: str,
    role_org: OrgMembership | Unreadable | None,
) -> Check:
    """A job role's verdict (`restore.role`, `source.copy-role`), FAIL (ROLE_PERMISSIONS) when
    an RCP on the path of the role's account denies AWS Backup the role's assumption, UNKNOWN
    when one may or the RCPs could not be read (`levels` None: none apply, as in the
    management account)."""
    request = assumption_request(role_arn, role_org)
    return with_rcps(judged, levels, [request], account_of(role_arn), CauseCode.ROLE_PERMISSIONS)
