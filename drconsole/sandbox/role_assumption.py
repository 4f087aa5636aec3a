"""Whether a resource control policy lets AWS Backup assume a job's role when the job runs.

RCPs apply to STS, and to every principal but service-linked roles ("Resource control policies
(RCPs)", AWS Organizations User Guide): an RCP on the path of the role's account that denies
sts:AssumeRole to the service principal backup.amazonaws.com (a data perimeter's
aws:PrincipalOrgID test written without the `aws:PrincipalIsAWSService` exclusion) fails every
copy or restore job that runs with the role. AWS does not publish the job's StatusMessage for
it: the sandbox gives the one it gives a role whose trust policy refuses AWS Backup, and fails
the job when it runs rather than at StartCopyJob or StartRestoreJob, whose check of the role's
trust stays as it is.
"""

from __future__ import annotations

from drconsole.sandbox.access import (
    BACKUP_SERVICE,
    Caller,
    ContextValue,
    Request,
    organization_of,
)
from drconsole.sandbox.restore_guards import rcps_deny


def rcp_refuses_assumption(role_arn: str, region: str) -> bool:
    """True when an RCP at the root, an OU or the account of `role_arn` explicitly denies AWS
    Backup's sts:AssumeRole of it. A service principal's request carries
    aws:PrincipalIsAWSService and aws:PrincipalServiceName, not the principal account and
    organization keys of IAM principals; the sandbox's AWS Backup sends no confused-deputy key
    (aws:SourceAccount...), as its trust check supposes too. RCPs don't affect resources in the
    management account (scp_levels gives none for it)."""
    parts = role_arn.split(":")
    if len(parts) < 6:
        return False
    account = parts[4]
    context: dict[str, ContextValue] = {
        "aws:RequestedRegion": region,
        "aws:ResourceAccount": account,
        "aws:PrincipalIsAWSService": "true",
        "aws:PrincipalServiceName": BACKUP_SERVICE,
    }
    org = organization_of(account)
    if org is not None:
        context["aws:ResourceOrgID"] = org.org_id
        context["aws:ResourceOrgPaths"] = [org.org_path]
    request = Request(
        caller=Caller(service=BACKUP_SERVICE),
        action="sts:AssumeRole",
        resource=role_arn,
        context=context,
    )
    return rcps_deny(account, request)
