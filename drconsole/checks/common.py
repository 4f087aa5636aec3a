"""Verdict helpers shared by the copy and restore checks."""

from __future__ import annotations

import json

from drconsole.checks import unreadable
from drconsole.checks.arns import is_continuous
from drconsole.checks.evaluation import decide
from drconsole.checks.facts import FULLY_MANAGED_TYPES, CopyFacts, KeyFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus

# The detail of an UNKNOWN check naming the account and Region that did not answer its read.
WHERE = "unanswered_in"


def unknown_check(check_id: str, title: str, fact: Unreadable, what: str) -> Check:
    """The UNKNOWN verdict for a fact that could not be read, with the cause of the failed
    read (AccessDenied: ROLE_PERMISSIONS, throttling: THROTTLED...) and the fix for that cause."""
    cause = cause_of_code(fact.code)
    return Check(
        id=check_id,
        title=title,
        status=CheckStatus.UNKNOWN,
        evidence=f"could not read {what}: {fact.describe()}",
        remediation=unreadable.remedy(fact, cause, what),
        cause=cause,
        details=((WHERE, fact.where),) if fact.where else (),
    )


def cause_of_code(code: str) -> CauseCode:
    """The cause code of an AWS error code (the code of a read that failed)."""
    from drconsole import clock_skew
    from drconsole.aws import errors

    if code in CauseCode.__members__:  # a failure already classified (readiness's own reads)
        return CauseCode[code]
    if code in errors.ACCESS_DENIED_CODES:
        return CauseCode.ROLE_PERMISSIONS
    if code in errors.THROTTLING_CODES:
        return CauseCode.THROTTLED
    if code.lower() in clock_skew.SKEW_CODES:
        return CauseCode.CLOCK_SKEW
    if code in errors.UNRECOGNIZED_CREDENTIAL_CODES:
        # A read keeps such a failure only while the caller's own credentials are taken
        # (aws/reader.py): not expired credentials, and AWS does not say which cause it is.
        return CauseCode.UNKNOWN
    if code in errors.CREDENTIAL_CODES:
        return CauseCode.CREDENTIALS_EXPIRED
    if code in errors.SERVICE_ERROR_CODES or code in errors.SERVICE_ERROR_NAMES:
        return CauseCode.SERVICE_ERROR
    if code in {cls.__name__ for cls in errors.NETWORK_EXCEPTIONS}:
        return CauseCode.NETWORK
    return CauseCode.UNKNOWN


def role_elsewhere(cid: str, title: str, sent_arn: str, found_arn: str) -> Check | None:
    """FAIL when IAM's answer names another role than the ARN that is sent: GetRole is asked by
    name in the caller's partition, so a role of another path or partition would be judged in
    place of the one AWS Backup is told to assume (and refuses)."""
    if found_arn == sent_arn:
        return None
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"role {sent_arn} does not exist; a role of that name is at {found_arn}",
        CauseCode.ROLE_PERMISSIONS,
        f"Pass the role that exists: by its path and name "
        f"({found_arn.split(':role/', 1)[-1]}) or by its ARN {found_arn}.",
    )


# The keys of AWS's cross-service confused-deputy conditions. Which services send them when
# they assume a role is not documented for AWS Backup ("There is no public documentation which
# lists all the services which supports the aws:SourceAccount and aws:SourceArn", AWS Support).
SOURCE_KEYS = ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths")


def trust_verdict(cid: str, title: str, role_arn: str, trust_policy: str) -> Check:
    """Whether a role's trust policy lets AWS Backup assume it; UNKNOWN when that hinges on a
    confused-deputy condition (aws:SourceAccount...) whose value AWS Backup may not send."""
    outcome = decide(
        trust_policy,
        principal="backup.amazonaws.com",
        action="sts:AssumeRole",
        resource=role_arn,
        context={},
        unknown=SOURCE_KEYS,
    )
    if outcome.error:
        return Check(
            cid, title, CheckStatus.UNKNOWN, f"the trust policy could not be read: {outcome.error}"
        )
    if outcome.settled({"allow"}) is None:
        return Check(
            cid,
            title,
            CheckStatus.UNKNOWN,
            f"whether the trust policy of {role_arn} lets backup.amazonaws.com assume it hinges"
            f" on {outcome.statements_text}, which tests {outcome.unknown_text}: AWS does not"
            " document whether AWS Backup sends that key when it assumes a role",
            CauseCode.UNKNOWN,
            f"Confirm that AWS Backup can assume {role_arn} (a recent job with this role "
            "COMPLETED), or trust backup.amazonaws.com without that condition.",
        )
    if outcome.decision == "allow":
        return Check(
            cid, title, CheckStatus.PASS, f"{role_arn} exists and trusts backup.amazonaws.com"
        )
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"the trust policy of {role_arn} does not let backup.amazonaws.com assume it",
        CauseCode.ROLE_PERMISSIONS,
        f"Add this statement to the trust policy of {role_arn}:\n{json.dumps(trust, indent=2)}",
    )


def not_cross_account(check_id: str, title: str) -> Check:
    """PASS for a rule that only cross-account copies must meet."""
    return Check(check_id, title, CheckStatus.PASS, "same-account copy: not required")


def fully_managed(facts: CopyFacts) -> bool:
    """True when AWS Backup encrypts the recovery point with the vault key (independent
    encryption): a vault on aws/backup can then receive it, and AWS managed keys travel.

    AWS: "Resources that support full AWS Backup management all have recovery points in the
    format arn:aws:backup:region:account-id:recovery-point:*", and every other type keeps its
    service's own ARN (snapshot, image, cluster-snapshot, table/.../backup, fsx backup...)
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html), so the ARN
    decides: it covers the types added since (Aurora DSQL, EKS...) and a DynamoDB backup made
    with advanced features, whatever the setting is now: they apply to "all new DynamoDB table
    backups you create" (https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
    """
    rp = facts.recovery_point
    parts = rp.arn.split(":")
    # The rule runs one way only: a continuous backup of RDS or Aurora also has an
    # arn:aws:backup ARN (recovery-point:continuous:db-...) but stays on the database's key.
    if is_continuous(rp.arn):
        return rp.resource_type in FULLY_MANAGED_TYPES
    if len(parts) > 5 and parts[2] == "backup" and parts[5] == "recovery-point":
        return True
    if rp.resource_type == "DynamoDB":
        return False  # arn:aws:dynamodb:...:table/T/backup/ID: made without advanced features
    return rp.resource_type in FULLY_MANAGED_TYPES


def key_state_fix(key_arn: str, state: str, region: str = "") -> str:
    """The AWS CLI commands that make a key in `state` usable again, per the key states of
    https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html (a key pending
    deletion is Disabled once its deletion is cancelled; one pending import has no key material
    until it is imported; an Unavailable key's custom key store is disconnected)."""
    where = f" --region {region}" if region else ""
    key = f"--key-id {key_arn}{where}"
    if state in ("PendingDeletion", "PendingReplicaDeletion"):
        return (
            f"cancel its deletion, then enable it: aws kms cancel-key-deletion {key} && "
            f"aws kms enable-key {key}"
        )
    if state == "PendingImport":
        return (
            "import its key material (aws kms get-parameters-for-import "
            f"{key} --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096, then "
            f"aws kms import-key-material {key} --encrypted-key-material fileb://… "
            "--import-token fileb://… --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE)"
        )
    if state == "Unavailable":
        return (
            "reconnect its custom key store (aws kms describe-key "
            f"{key} --query KeyMetadata.CustomKeyStoreId, then aws kms connect-custom-key-store "
            "--custom-key-store-id ID)"
        )
    if state in ("Creating", "Updating"):
        return "wait until it is Enabled (aws kms describe-key " + key + "), then re-run the check"
    return f"enable it: aws kms enable-key {key}"


def key_label(key: KeyFacts | None) -> str:
    """`alias (arn)` for evidence."""
    if key is None:
        return "none"
    return f"{key.aliases[0]} ({key.arn})" if key.aliases else key.arn
