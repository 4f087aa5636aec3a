"""An EC2 restore's instance profile: it exists in the restoring account, and the restore role
may pass its role to EC2 (iam:PassRole)."""

from __future__ import annotations

import json

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RestoreFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus

CHECK_ID, TITLE = "restore.instance-profile", "Instance profile exists and its role may be passed"
# The EC2 restore metadata key that names the restored instance's instance profile.
PROFILE_KEY = "IamInstanceProfileName"
# AWS's own value for "the profile the instance was backed up with" (its StartRestoreJob example
# for EC2 on https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-a-backup.html).
BACKED_UP = "UseBackedUpValue"


def profile_value(metadata: dict[str, str] | None) -> str:
    """The IamInstanceProfileName of restore metadata (its key in any case), stripped."""
    lowered = {key.lower(): value for key, value in (metadata or {}).items()}
    return str(lowered.get(PROFILE_KEY.lower(), "") or "").strip()


def profile_named(metadata: dict[str, str], backed_up: dict[str, str] | None) -> str:
    """The instance profile an EC2 restore asks for: UseBackedUpValue stands for the backed-up
    one (AWS's restore metadata), which may be none."""
    named = profile_value(metadata)
    return profile_value(backed_up) if named == BACKED_UP else named


def check_instance_profile(facts: RestoreFacts) -> Check:
    """FAIL when the profile the EC2 restore names is missing in the restoring account, or when
    the restore role may not pass the profile's role to EC2; UNKNOWN when either is unreadable."""
    profile = facts.instance_profile
    where = f"account {facts.restoring_account_id}"
    if profile is None:
        return Check(CHECK_ID, TITLE, CheckStatus.PASS, "no instance profile")
    if isinstance(profile, Unreadable):
        return unknown_check(CHECK_ID, TITLE, profile, "the instance profile the restore names")
    if isinstance(profile.exists, Unreadable):
        return unknown_check(
            CHECK_ID, TITLE, profile.exists, f"instance profile {profile.name} in {where}"
        )
    if not profile.exists:
        # No cause code of the shared list names a missing instance profile, and `explain`
        # gives AWS's message for it UNKNOWN (rule instance-profile-missing): the two agree.
        return Check(
            CHECK_ID,
            TITLE,
            CheckStatus.FAIL,
            f"instance profile {profile.name} ({PROFILE_KEY}{_as_backed_up(facts)}) does not "
            f"exist in {where}: EC2 would refuse the launch late in the job (Invalid IAM "
            "Instance Profile name)",
            CauseCode.UNKNOWN,
            _missing_profile_fix(facts, profile.name, where),
        )
    for passed in profile.roles:
        if isinstance(passed.allowed, Unreadable):
            return unknown_check(
                CHECK_ID,
                TITLE,
                passed.allowed,
                f"whether {facts.role_arn} may pass {passed.role_arn}",
            )
    denied = [passed.role_arn for passed in profile.roles if passed.allowed is False]
    if not denied:
        if not profile.roles:
            evidence = f"instance profile {profile.name} exists in {where}, with no role to pass"
        else:
            roles = ", ".join(passed.role_arn for passed in profile.roles)
            evidence = (
                f"instance profile {profile.name} exists in {where}; the restore role "
                f"{facts.role_arn} may pass {roles} to EC2 (iam:SimulatePrincipalPolicy)"
            )
        return Check(CHECK_ID, TITLE, CheckStatus.PASS, evidence)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": denied[0] if len(denied) == 1 else denied,
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            }
        ],
    }
    role_name = facts.role_arn.rsplit("/", 1)[-1]
    return Check(
        CHECK_ID,
        TITLE,
        CheckStatus.FAIL,
        f"the restore role {facts.role_arn} may not pass {', '.join(denied)} (the role of "
        f"instance profile {profile.name}) to EC2 (iam:PassRole, as iam:SimulatePrincipalPolicy "
        "answers): the job would fail late (You are not authorized to perform this operation)",
        CauseCode.ROLE_PERMISSIONS,
        f"Let the restore role pass it: aws iam put-role-policy --role-name {role_name} "
        f"--policy-name PassInstanceProfileRole --policy-document '{json.dumps(policy)}' (or "
        f"restore without the profile: --metadata {PROFILE_KEY}=).",
    )


def _as_backed_up(facts: RestoreFacts) -> str:
    """', the backed-up one' when the restore asks for the backed-up profile (UseBackedUpValue)."""
    metadata = facts.metadata if isinstance(facts.metadata, dict) else {}
    return f"={BACKED_UP}: the backed-up one" if profile_value(metadata) == BACKED_UP else ""


def _missing_profile_fix(facts: RestoreFacts, name: str, where: str) -> str:
    """What AWS accepts instead: no profile, or the backed-up one created in the restoring
    account. Another profile is not offered: "AWS Backup does not permit attaching a new
    instance profile to an EC2 instance. Please restore using the backed up instance profile."
    (AWS Backup's EventBridge guide)."""
    backed_up = profile_value(facts.aws_metadata) or name
    create = (
        f"aws iam create-instance-profile --instance-profile-name {backed_up}; aws iam "
        f"add-role-to-instance-profile --instance-profile-name {backed_up} --role-name "
        "ROLE_NAME (IAM is global: one profile serves every Region)"
    )
    if backed_up != name:
        return (
            f"AWS Backup restores an instance only with the profile it was backed up with "
            f"({backed_up}) or with none, not with another: restore without one (--metadata "
            f"{PROFILE_KEY}= drops the key; attach a profile to the instance later), or with "
            f"the backed-up one (--metadata {PROFILE_KEY}={BACKED_UP}), creating it in {where} "
            f"if it is not there: {create}."
        )
    return (
        f"AWS Backup restores an instance only with the profile it was backed up with or with "
        f"none: restore without one (--metadata {PROFILE_KEY}= drops the key; attach a profile "
        f"to the instance later), or create the backed-up profile in {where} first: {create}."
    )
