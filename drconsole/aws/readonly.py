"""The read-only guard: a botocore hook that lets through only the reads of an explicit list.

It is installed on every client drconsole creates when read-only mode is on (see
`AwsSessions`), so it holds whatever code path asks for a call: the TUI, the CLI, a flow or a
check. It runs on `before-parameter-build`, the first event of an API call, so a refused
operation is never validated, signed or sent.

What counts as a read is an allow-list of (service, operation) pairs, reviewed one by one, not
a rule about names: `sts:GetSessionToken`, `GetFederationToken` and the other credential-issuing
calls start with `Get` yet hand out new credentials, `kms:GetParametersForImport` creates
wrapping key material, `ec2:GetPasswordData` reveals an instance's password. An operation or a
service missing from the list is refused, so a new call is refused until someone decides it
only reads.

The one deliberate exception is `sts:AssumeRole`: it issues short-lived credentials, but
browsing member accounts is impossible without it (drconsole reaches every member account by
assuming `role_name` in it), and the credentials it returns are themselves used only through
clients that carry this guard.
"""

from __future__ import annotations

from typing import Any

from drconsole.errors import ReadOnlyViolation


def _names(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Credential-issuing calls allowed in read-only mode, with the reason (see the docstring).
CREDENTIAL_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("sts", "AssumeRole"): "reaching member accounts to read them",
}

# Every read drconsole may make in read-only mode. AWS Backup's Describe, Get and List
# operations are all listed (each reads only); elsewhere only the reads drconsole's inventory,
# checks, restore forms and jobs views need, and their close relatives.
READ_OPERATIONS: dict[str, frozenset[str]] = {
    "backup": _names(
        """
        DescribeBackupAccessPoint DescribeBackupJob DescribeBackupVault DescribeCopyJob
        DescribeFramework DescribeGlobalSettings DescribeProtectedResource DescribeRecoveryPoint
        DescribeRegionSettings DescribeReportJob DescribeReportPlan DescribeRestoreJob
        DescribeScanJob GetBackupPlan GetBackupPlanFromJSON GetBackupPlanFromTemplate
        GetBackupSelection GetBackupVaultAccessPolicy GetBackupVaultNotifications GetLegalHold
        GetPITRMalwareScanResults GetRecoveryPointIndexDetails GetRecoveryPointRestoreMetadata
        GetRestoreJobMetadata GetRestoreTestingInferredMetadata GetRestoreTestingPlan
        GetRestoreTestingSelection GetSupportedResourceTypes GetTieringConfiguration
        ListBackupAccessPoints ListBackupAccessPointsByRecoveryPoint
        ListBackupAccessPointsByResource ListBackupJobSummaries ListBackupJobs
        ListBackupPlanTemplates ListBackupPlanVersions ListBackupPlans ListBackupSelections
        ListBackupVaults ListCopyJobSummaries ListCopyJobs ListFrameworks
        ListIndexedRecoveryPoints ListLegalHolds ListProtectedResources
        ListProtectedResourcesByBackupVault ListRecoveryPointsByBackupVault
        ListRecoveryPointsByLegalHold ListRecoveryPointsByResource ListReportJobs ListReportPlans
        ListRestoreAccessBackupVaults ListRestoreJobSummaries ListRestoreJobs
        ListRestoreJobsByProtectedResource ListRestoreTestingPlans ListRestoreTestingSelections
        ListScanJobSummaries ListScanJobs ListTags ListTieringConfigurations
        """
    ),
    # Not GetSessionToken, GetFederationToken, GetDelegatedAccessToken, GetScopedCredentials,
    # GetWebIdentityToken or AssumeRoleWith*: they issue credentials.
    "sts": _names("GetCallerIdentity DecodeAuthorizationMessage")
    | frozenset(op for service, op in CREDENTIAL_EXCEPTIONS if service == "sts"),
    "organizations": _names(
        """
        DescribeAccount DescribeEffectivePolicy DescribeOrganization DescribeOrganizationalUnit
        DescribePolicy ListAWSServiceAccessForOrganization ListAccounts ListAccountsForParent
        ListChildren ListDelegatedAdministrators ListDelegatedServicesForAccount
        ListOrganizationalUnitsForParent ListParents ListPolicies ListPoliciesForTarget ListRoots
        ListTagsForResource ListTargetsForPolicy
        """
    ),
    # Policy simulation evaluates policies without changing them.
    "iam": _names(
        """
        GetRole GetRolePolicy GetPolicy GetPolicyVersion ListRoles ListRolePolicies
        ListAttachedRolePolicies ListRoleTags ListPolicies ListAccountAliases GetInstanceProfile
        SimulatePrincipalPolicy SimulateCustomPolicy
        """
    ),
    # Not GetParametersForImport (it creates wrapping key material) nor any crypto operation.
    "kms": _names(
        """
        DescribeKey GetKeyPolicy GetKeyRotationStatus GetPublicKey ListAliases ListGrants
        ListKeyPolicies ListKeys ListResourceTags
        """
    ),
    # Not GetPasswordData (an instance's administrator password).
    "ec2": _names(
        """
        DescribeAvailabilityZones DescribeImages DescribeInstances DescribeInstanceTypes
        DescribeKeyPairs DescribeRegions DescribeSecurityGroups DescribeSnapshots DescribeSubnets
        DescribeVolumes DescribeVpcs DescribeTags
        """
    ),
    "rds": _names(
        """
        DescribeDBClusters DescribeDBClusterSnapshots DescribeDBInstances DescribeDBSnapshots
        DescribeDBSubnetGroups DescribeOptionGroups DescribeDBParameterGroups
        DescribeDBClusterParameterGroups DescribeOrderableDBInstanceOptions
        DescribeDBEngineVersions DescribeOptionGroupOptions ListTagsForResource
        """
    ),
    "dynamodb": _names(
        "DescribeTable DescribeContinuousBackups ListTables ListTagsOfResource DescribeLimits"
    ),
    "efs": _names(
        "DescribeFileSystems DescribeMountTargets DescribeBackupPolicy DescribeAccessPoints"
        " ListTagsForResource"
    ),
    "s3": _names(
        """
        HeadBucket ListBuckets ListObjectsV2 ListObjectVersions GetBucketLocation
        GetBucketEncryption GetBucketVersioning GetBucketTagging GetBucketPolicy
        """
    ),
}

HOOK_ID = "drconsole-read-only-guard"


def is_read_operation(service_name: str, operation_name: str) -> bool:
    """True when `operation_name` of `service_name` (botocore names) is an allowed read."""
    return operation_name in READ_OPERATIONS.get(service_name, frozenset())


def refuse_mutations(model: Any, **_: Any) -> None:
    """botocore `before-parameter-build` handler: raise ReadOnlyViolation for non-reads."""
    service_name = model.service_model.service_name
    if not is_read_operation(service_name, model.name):
        raise ReadOnlyViolation(
            f"read-only mode refused {service_name}:{model.name} (not on drconsole's list of "
            "reads); run without --read-only (and without read_only = true for the profile "
            "in the config) to allow it"
        )


def install_read_only_guard(client: Any) -> None:
    """Register the guard on one client (idempotent)."""
    # First in line, so no other handler (S3's parameter injection...) runs for a refused call.
    client.meta.events.register_first(
        "before-parameter-build.*.*", refuse_mutations, unique_id=HOOK_ID
    )
