"""Ordered message patterns for `diagnose`: each names the real AWS message it comes from."""

from __future__ import annotations

from drconsole.diagnose.copy_access import copy_into_vault_denied
from drconsole.diagnose.job_remedies import (
    ami_storage_not_shared,
    list_tags_denied,
    running_job_same_resource,
    tag_policy_refused,
    vault_does_not_exist,
)
from drconsole.diagnose.key_remedies import (
    aws_managed_resource_key,
    kms_alias_missing,
    kms_key_access,
    kms_key_state,
    kms_not_authorized,
    rds_source_snapshot_key,
    rds_target_key,
    source_key_not_shared,
)
from drconsole.diagnose.limit_remedies import rds_manual_snapshot_quota, service_concurrency_limit
from drconsole.diagnose.remedies import (
    cross_account_disabled,
    cross_account_restore,
    dest_vault_aws_managed,
    insufficient_privileges,
    invalid_principal,
    marketplace_ami,
    not_authorized,
    not_same_org,
    rds_option_group,
    role_insufficient,
    role_not_assumable,
    slr_missing,
    too_many_jobs,
    unshare_failed,
    vault_lock,
)
from drconsole.diagnose.restore_rules import LAST_RULES, RESTORE_RULES
from drconsole.diagnose.route_remedies import unsupported_route
from drconsole.diagnose.rule import Rule
from drconsole.diagnose.rule import any_of as _p
from drconsole.models import CauseCode

ARN = r"arn:aws\S*"
COPY_AND_ACCESS_RULES: tuple[Rule, ...] = (
    Rule(
        "marketplace-ami",
        CauseCode.MARKETPLACE_AMI,
        _p(
            r"marketplace.{0,80}(?:cannot|can ?not|can't"
            r"|not (?:be )?(?:allowed|supported|permitted))",
            r"(?:cannot|can ?not|can't|not allow(?:ed)?(?: to)?) .{0,60}marketplace",
            r"billing ?product codes?.{0,80}(?:cannot|can ?not|can't|not)",
        ),
        "Images from AWS Marketplace cannot be copied to another AWS account. / Images with EC2"
        " BillingProduct codes cannot be copied to another AWS account.",
        "AWS Backup job status messages, EC2 CopyImage; seeds/aws-backup-docs-cross-account.txt",
        marketplace_ami,
    ),
    Rule(
        "ami-storage-not-shared",
        CauseCode.UNKNOWN,
        _p(r"(?:do not|don't) have permission to access the storage of (?:this|the) ami"),
        "You do not have permission to access the storage of this ami",
        "EC2 CopyImage of an AMI whose snapshots are not shared"
        " (privacysandbox/aggregation-service#12, clong/DetectionLab#422)",
        ami_storage_not_shared,
    ),
    Rule(
        "rds-option-group",
        CauseCode.RDS_OPTION_GROUP,
        _p(
            r"option groups?\b.{0,80}(?:across (?:aws )?regions|cross[- ]region|not supported"
            r"|cannot be copied|target option group)",
            r"(?:copy|copying)\b.{0,40}option groups?",
            r"requires a target option group",
        ),
        "Also, copying Amazon RDS custom option groups across AWS Regions is not supported.",
        "seeds/aws-backup-docs-cross-account.txt",
        rds_option_group,
    ),
    Rule(
        "cross-account-disabled",
        CauseCode.CROSS_ACCOUNT_DISABLED,
        _p(
            r"cross[- ]?account (?:copy|backup)(?: feature)? (?:is )?(?:not enabled|disabled)",
            r"cross[- ]?account .{0,40}not (?:been )?enabled for (?:the|this|your)"
            r" (?:current )?organi[sz]ation",
        ),
        "Copy job failed. Cross-account copy feature is not enabled for the current organization.",
        "seeds/blog-automating-cross-account-cross-region.txt",
        cross_account_disabled,
    ),
    Rule(
        "not-same-org",
        CauseCode.NOT_SAME_ORG,
        _p(
            r"must be (?:a )?members? of the same organi[sz]ation",
            r"not (?:in|members? of|part of) the same organi[sz]ation",
            r"(?:account|accounts) (?:is|are) not a member of an organi[sz]ation",
        ),
        "Copy job failed. Both source and destination account must be a member of the same"
        " organization",
        "AWS re:Post knowledge center, backup-troubleshoot-cross-account-copy; Organizations"
        " AWSOrganizationsNotInUseException",
        not_same_org,
    ),
    Rule(
        "dest-vault-aws-managed-key",
        CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
        _p(
            r"vault is encrypted with the default (?:aws )?backup service[- ]managed key",
            r"only the contents of a backup vault encrypted by an? (?:aws )?kms key",
            r"contents of this vault cannot be copied",
        ),
        "Copy job failed because the destination Backup vault is encrypted with the default Backup"
        " service managed key. The contents of this vault cannot be copied. Only the contents of a"
        " Backup vault encrypted by an AWS KMS key may be copied.",
        "seeds/blog-automating-cross-account-cross-region.txt",
        dest_vault_aws_managed,
    ),
    Rule(
        "unsupported-copy-route",
        CauseCode.UNSUPPORTED_COPY_ROUTE,
        _p(
            r"copy job from (?P<src>[a-z0-9-]+) to (?P<dst>[a-z0-9-]+) cannot be initiated"
            r"(?: for (?P<type>[\w /.-]{1,40}?) resources)?",
            r"feature is not supported for (?:the )?provided resource type",
            r"(?P<type2>dynamodb)\b.{0,60}(?:cross[- ]region|across (?:aws )?regions)"
            r".{0,30}not supported",
            r"(?:does not|doesn't) support cross[- ]region (?:copy|backup)",
        ),
        "Copy job from eu-north-1 to eu-central-1 cannot be initiated for Aurora resources."
        " Feature is not supported for provided resource type.",
        "seeds/blog-automating-cross-account-cross-region.txt; DESIGN.md section 2 (RDS)",
        unsupported_route,
    ),
    Rule(
        "cross-account-restore",
        CauseCode.CROSS_ACCOUNT_RESTORE,
        _p(
            r"(?:does not support|not supported|cannot|can't).{0,40}(?:restor|recover)\w*"
            r".{0,60}(?:from one aws account to another|across (?:aws )?accounts|cross[- ]account)",
            r"cross[- ]account restor\w* (?:is )?not supported",
            r"restores only recovery points of the calling account",
            r"recovery point \S+ belongs to account \d{12}",
        ),
        "AWS Backup does not support recovering resources from one AWS account to another. /"
        " Recovery point arn:aws:backup:eu-north-1:222222222222:recovery-point:abc belongs to"
        " account 222222222222. AWS Backup restores only recovery points of the calling account"
        " 111111111111: copy it into a vault of account 111111111111 first.",
        "seeds/aws-backup-docs-cross-account.txt; sandbox StartRestoreJob refusal",
        cross_account_restore,
    ),
    Rule(
        "vault-lock-retention",
        CauseCode.VAULT_LOCK_RETENTION,
        _p(
            r"vault ?lock\b.{0,80}(?:cannot|can't|not\b|outside|violat|denied|fail|exceed"
            r"|retention|protect|prevent)",
            r"(?:cannot|can't|not\b|fail\w*|denied|protected|prevent\w*) .{0,80}vault ?lock",
            r"locked (?:backup )?vault",
            r"retention\b.{0,60}not within the range",
            r"(?:min|max)(?:imum)? ?retention ?(?:days|period)",
            r"retention (?:period|days).{0,60}"
            r"(?:outside|out of|violat|exceed|less than|greater than)",
        ),
        "Copy job failed. The retention specified in the job is not within the range specified"
        " for the target Backup Vault. / The lifecycle of the recovery point is outside the vault"
        " lock minimum retention days",
        "AWS Backup job status messages (sandbox copy rules); the second wording is not confirmed"
        " against AWS",
        vault_lock,
    ),
    Rule(
        "too-many-copy-jobs",
        CauseCode.TOO_MANY_JOBS,
        _p(
            r"(?:too many|maximum number of|limit (?:of|on|for)) (?:concurrent |active |running )?"
            r"(?:copy )?jobs",
            r"concurrent (?:copy )?jobs?.{0,40}(?:limit|exceeded|maximum)",
            r"(?:copy )?job (?:is )?already (?:running|in progress) for (?:this|the)"
            r" (?:resource|recovery point)",
        ),
        "Too many concurrent copy jobs",
        "wording not confirmed against AWS; the quota (100 concurrent copy jobs per account per"
        " destination Region, one per resource) is from DESIGN.md section 2",
        too_many_jobs,
    ),
    Rule(
        "running-job-same-resource",
        CauseCode.TOO_MANY_JOBS,
        _p(
            r"(?:failed|expired) because there (?:was|is) (?:a|another) running job for the same"
            r" resource"
        ),
        "Backup job failed because there was a running job for the same resource.",
        "AWS Backup's EventBridge guide, Backup Job EXPIRED example"
        " (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html)",
        running_job_same_resource,
    ),
    Rule(
        "vault-does-not-exist",
        CauseCode.UNKNOWN,
        _p(r"failed because (?:the )?backup vault \S+ does not exist"),
        "Backup job failed because backup vault"
        " arn:aws:backup:us-west-2:111122334455:backup-vault:dr-vault does not exist.",
        "AWS Backup's EventBridge guide, Backup Job FAILED example"
        " (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html)",
        vault_does_not_exist,
    ),
    Rule(
        "list-tags-denied",
        CauseCode.ROLE_PERMISSIONS,
        _p(
            r"access denied (?:exception )?while trying to (?:list|read|describe|get) (?:the )?"
            r"(?:resource(?:'s)? )?tags"
        ),
        "Access denied exception while trying to list tags",
        "AWS Backup's EventBridge guide, Copy Job FAILED example (EC2)"
        " (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html)",
        list_tags_denied,
    ),
    Rule(
        "tag-policy-refused",
        CauseCode.ROLE_PERMISSIONS,
        _p(
            r"tag policy does not allow the specified (?:value|case) for the following tag key:"
            r" '(?P<key>[^']*)'",
        ),
        "The tag policy does not allow the specified value for the following tag key:"
        " 'CostCenter'.",
        "EC2's TagPolicyViolation in field reports (runs-on/runs-on#485); AWS Backup's own copy"
        " job wording for it is not published",
        tag_policy_refused,
    ),
    Rule(
        "service-concurrency-limit",
        CauseCode.TOO_MANY_JOBS,
        _p(
            r"too many snapshot copies in progress(?:\.? ?the limit is (?P<limit1>\d+))?",
            r"cannot copy more than (?P<limit2>\d+) snapshots across regions",
            r"only (?P<limit3>\d+) tables can be created, updated,? or deleted simultaneously",
        ),
        "Too many snapshot copies in progress. The limit is 5 for this destination region. /"
        " Cannot copy more than 5 snapshots across regions / Subscriber limit exceeded: Only 10"
        " tables can be created, updated, or deleted simultaneously",
        "EC2 CopySnapshot (aws-samples/copy-encrypted-ami#3), RDS CopyDBSnapshot"
        " (pbudzon/aws-maintenance#19), DynamoDB LimitExceededException"
        " (hashicorp/terraform-provider-aws#1776)",
        service_concurrency_limit,
    ),
    Rule(
        "rds-manual-snapshot-quota",
        CauseCode.TOO_MANY_JOBS,
        _p(
            r"cannot create more than (?P<limit1>\d+) manual (?:db )?(?:cluster )?snapshots",
            r"\bSnapshotQuotaExceeded\b",
        ),
        "Cannot create more than 100 manual snapshots",
        "RDS SnapshotQuotaExceeded on CopyDBClusterSnapshot (pbudzon/aws-maintenance#12); the"
        " quota is RDS's 'Manual DB cluster snapshots' / 'Manual DB instance snapshots'",
        rds_manual_snapshot_quota,
    ),
    Rule(
        "service-linked-role-missing",
        CauseCode.SERVICE_LINKED_ROLE_MISSING,
        _p(
            r"(?:service[- ]linked role|AWSServiceRoleForBackup)\b.{0,100}(?:does not exist|doesn't"
            r" exist|not found|cannot be found|could not be found|is missing|not present)",
            r"(?:no|missing) service[- ]linked role",
            r"(?:AWSServiceRoleForBackup|aws-service-role/backup\.amazonaws\.com)\S*\s+cannot be"
            r" assumed",
            r"provided role \S*aws-service-role/backup\.amazonaws\.com/AWSServiceRoleForBackup",
        ),
        "The provided role arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/"
        "AWSServiceRoleForBackup cannot be assumed by AWS Backup.",
        "AWS Backup job status messages; DESIGN.md section 2 (the destination SLR uses the key)",
        slr_missing,
    ),
    Rule(
        "invalid-principal",
        CauseCode.PRINCIPAL_DOES_NOT_EXIST,
        _p(
            r"(?:one or more )?invalid principals?\b",
            r"statement with one or more invalid",
            r"principal .{0,80}does not exist",
        ),
        "PutKeyPolicy request failed MalformedPolicyDocumentException - Policy contains a"
        " statement with one or more invalid principals.",
        "seeds/blog-automating-cross-account-cross-region.txt",
        invalid_principal,
    ),
    Rule(
        "aws-managed-resource-key",
        CauseCode.AWS_MANAGED_RESOURCE_KEY,
        _p(
            r"(?:aws[- ]managed |default (?:aws |ebs |rds )?)(?:kms )?(?:cmk|key)\b.{0,80}"
            r"(?:cannot|can ?not|can't|not (?:be )?(?:shared|supported|copied))",
            r"(?:encrypted|snapshots?) with (?:the |an )?(?:aws[- ]managed |default (?:ebs |rds )?)"
            r"(?:kms )?(?:cmk|key)",
            r"\baws/(?:ebs|rds)\b.{0,60}(?:cannot|can ?not|can't|not)",
            r"permissions? on the (?:aws[- ]managed |default )(?:kms )?(?:cmk|key)\b",
            # EC2's CopyImage wording, kept when a narrow column cuts it after "the def".
            r"you must have describekey permissions? on the (?:aws|def)",
        ),
        "Encrypted snapshots with Amazon EBS default key cannot be shared / Snapshots encrypted"
        " with the AWS managed key can't be shared. Specify another snapshot. / AMI snapshot copy"
        " failed with error: Given key ID is not accessible. You must have DescribeKey"
        " permissions on the default key",
        "AWS Backup job status messages (EBS, RDS, EC2); seeds/aws-backup-docs-cross-account.txt:"
        ' AWS keys are not intended to be shared between accounts; "... on the default CMK":'
        " https://github.com/aws-samples/aws-backup-automation/issues/2",
        aws_managed_resource_key,
    ),
    # RDS's "target" key is the one the copy is encrypted with (in an AWS Backup copy, the
    # destination vault's key): checked before the source-key rule, whose second pattern
    # would take any bracketed key ARN for the recovery point's.
    Rule(
        "rds-target-key",
        CauseCode.KMS_KEY_UNUSABLE,
        _p(
            r"\btarget kms key\b.{0,250}?does not exist, is not enabled or you do not have"
            r" permissions"
        ),
        "The target KMS key [None] does not exist, is not enabled or you do not have permissions"
        " to access it.",
        "RDS CopyDBSnapshot KMSKeyNotAccessibleFault (awslabs/rds-snapshot-tool#70)",
        rds_target_key,
    ),
    Rule(
        "rds-source-snapshot-key",
        CauseCode.SOURCE_KEY_NOT_SHARED,
        _p(
            r"source snapshot kms key\b",
            r"kms key \[?"
            + ARN
            + r" does not exist, is not enabled or you do not have permissions",
        ),
        "The source snapshot KMS key [arn:aws:kms:eu-central-1:111111111111:key/159f9as4-697q-"
        "f354-a448-example] does not exist, is not enabled or you do not have permissions to"
        " access it.",
        "seeds/blog-automating-cross-account-cross-region.txt (RDS); the same words for an AWS"
        " managed aws/rds key: https://github.com/awslabs/aurora-snapshot-tool/issues/26",
        rds_source_snapshot_key,
    ),
    Rule(
        "ebs-key-not-accessible",
        CauseCode.SOURCE_KEY_NOT_SHARED,
        _p(r"given key id is not accessible", r"key id .{0,80}is not accessible"),
        "Given key ID is not accessible",
        "seeds/blog-automating-cross-account-cross-region.txt (EBS)",
        source_key_not_shared,
    ),
    Rule(
        "kms-alias-not-found",
        CauseCode.KMS_KEY_UNUSABLE,
        _p(r"\balias (?P<alias>\S+) is not found"),
        "NotFoundException: Alias arn:aws:kms:us-east-1:<aws_account_id_hidden>:alias/"
        "cosign_key_test is not found. / InvalidKeyId: Alias arn:aws:kms:us-west-2:"
        "271462348125:alias/parameter_store_key is not found.",
        "AWS KMS NotFoundException (sigstore/cosign#1474, cloudposse/docs#152)",
        kms_alias_missing,
    ),
    Rule(
        "kms-key-state",
        CauseCode.KMS_KEY_UNUSABLE,
        _p(
            r"(?:key/|kms key\b|\bkey ).{0,120}\bis (?:disabled|pending (?:deletion|import)"
            r"|unavailable|not enabled)",
            r"\bkey state\b.{0,60}(?:not valid|invalid|disabled|pending)",
            r"\bkey '?" + ARN + r"'? does not exist",
            # KMS NotFoundException names the key as asked for, an ARN or not.
            r"\bkey '[^'\s]{1,250}' does not exist",
            r"kms ?invalid ?state|\bdisabledexception\b|keyunavailable",
            r"\bdisabled or pending deletion\b",
        ),
        "KMS key is either disabled or pending deletion or access to KMS key is denied",
        "AWS Backup job status messages; AWS KMS DisabledException / KMSInvalidStateException",
        kms_key_state,
    ),
    Rule(
        "kms-key-access",
        CauseCode.KMS_KEY_UNUSABLE,
        _p(
            r"ciphertext refers to a customer master key that does not exist",
            r"kms:\w+ on the resource associated with this ciphertext",
            r"access denied\b.{0,40}\bkms key",
            r"\bKMS(?:AccessDenied|KeyNotAccessible)\w*",
            r"kms key provided is in an incorrect state|InvalidKMSKey\.InvalidState",
            r"encrypted with an inaccessible (?:aws )?kms key",
        ),
        "The ciphertext refers to a customer master key that does not exist, does not exist in"
        " this region, or you are not allowed to access. / Client.InvalidKMSKey.InvalidState: The"
        " KMS key provided is in an incorrect state / One or more of the attached Amazon EBS"
        " volumes are encrypted with an inaccessible AWS KMS key.",
        "AWS KMS AccessDeniedException (aws/aws-encryption-sdk-javascript#1005); EC2 launch"
        " state reasons (github-aws-runners/terraform-aws-github-runner#3546,"
        " aws-samples/eks-workshop-v2#1542)",
        kms_key_access,
    ),
    Rule(
        "kms-not-authorized",
        CauseCode.SOURCE_KEY_NOT_SHARED,
        _p(r"not authorized to perform:? ?kms:\w+(?: on resource:? ?(?P<resource>\S+))?"),
        "User: arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForBackup/x is not authorized"
        " to perform: kms:CreateGrant on resource: arn:aws:kms:eu-central-1:111111111111:key/"
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "AWS KMS AccessDeniedException (cross-account copy, destination SLR on the source key)",
        kms_not_authorized,
    ),
    Rule(
        "copy-into-vault-denied",
        CauseCode.VAULT_POLICY_DENIES_COPY,
        _p(
            r"access denied trying to call (?:the )?aws backup service",
            r"not authorized to perform:? ?backup:CopyIntoBackupVault",
            r"CopyIntoBackupVault\b.{0,80}(?:denied|not allowed|not authorized)",
            r"(?:access|vault) policy.{0,60}(?:does not allow|denies|deny).{0,40}cop",
        ),
        "Access Denied trying to call AWS Backup service.",
        "seeds/blog-automating-cross-account-cross-region.txt",
        copy_into_vault_denied,
    ),
    Rule(
        "role-insufficient-permissions",
        CauseCode.ROLE_PERMISSIONS,
        _p(
            r"iam role (?P<role>arn:aws\S+?)\.? does not have sufficient permissions",
            r"does not have sufficient permissions to (?:execute|perform|run) the"
            r" (?:backup|restore|copy)",
        ),
        "IAM Role arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole does"
        " not have sufficient permissions to execute the backup.",
        "seeds/blog-automating-cross-account-cross-region.txt",
        role_insufficient,
    ),
    Rule(
        "backup-cannot-describe-resource",
        CauseCode.ROLE_PERMISSIONS,
        _p(r"AWS Backup does not have permission to describe resource"),
        "Your backup job failed as AWS Backup does not have permission to describe resource"
        " arn:aws:s3:::<bucket-name>. Please review your IAM policies to ensure AWS Backup can"
        " protect your resources.",
        "S3 backup job with the default service role (dev.classmethod.jp/articles/aws-backup-s3)",
        role_insufficient,
    ),
    Rule(
        "insufficient-privileges",
        CauseCode.ROLE_PERMISSIONS,
        _p(r"\binsufficient privileges to perform this action"),
        "Insufficient privileges to perform this action.",
        "AWS Backup backup job StatusMessage (job role lacking the resource's permissions); an"
        " API call's answer (boto/boto3#2797, #2269)",
        insufficient_privileges,
    ),
    Rule(
        "unshare-snapshot-failed",
        CauseCode.ROLE_PERMISSIONS,
        _p(r"failed to unshare (?:the )?(?:source )?snapshot"),
        "Failed to unshare snapshot",
        "seeds/aws-backup-docs-cross-account.txt (copy job role deleted during the copy)",
        unshare_failed,
    ),
    Rule(
        "role-not-assumable",
        CauseCode.ROLE_PERMISSIONS,
        _p(
            r"(?:unable to|cannot|can't|could not|failed to|not authorized to) assume (?:the )?"
            r"(?:iam |service )?role",
            r"role\b.{0,160}cannot be assumed",
            r"not authorized to perform:? ?(?:iam:PassRole|sts:AssumeRole)",
            r"(?:iam |service )?role\b.{0,120}(?:does not exist|doesn't exist|cannot be found"
            r"|not found|is not trusted|does not trust|trust (?:relationship|policy))",
            r"invalid (?:iam )?role arn",
        ),
        "IAM Role arn:aws:iam::111111111111:role/BackupCopyRole cannot be assumed by AWS Backup",
        "AWS Backup job roles (DESIGN.md section 2: the role must trust backup.amazonaws.com)",
        role_not_assumable,
    ),
    Rule(
        "not-authorized",
        CauseCode.ROLE_PERMISSIONS,
        _p(
            r"not authorized to perform:? ?[\w-]+:\w+(?: on resource:? ?(?P<resource>\S+))?",
            r"(?:you )?(?:do not|don't) have (?:sufficient )?permissions? to",
        ),
        "User: arn:aws:sts::111111111111:assumed-role/Ops/me is not authorized to perform:"
        " backup:StartCopyJob on resource: arn:aws:backup:eu-central-1:111111111111:"
        "recovery-point:abc because no identity-based policy allows the backup:StartCopyJob"
        " action",
        "IAM AccessDenied message format",
        not_authorized,
    ),
)

# Restore wordings first (they name subnets, versions and names no copy message has), the
# generic "contact AWS Support" and missing file system/bucket wordings last.
RULES: tuple[Rule, ...] = (*RESTORE_RULES, *COPY_AND_ACCESS_RULES, *LAST_RULES)
