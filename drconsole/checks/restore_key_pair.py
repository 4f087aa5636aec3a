"""An EC2 restore's key pair: it exists in the restoring account and Region."""

from __future__ import annotations

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RestoreFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.shell_words import shell_word

CHECK_ID, TITLE = "restore.key-pair", "EC2 key pair exists where the instance is restored"
# The EC2 restore metadata key that names the restored instance's key pair (RunInstances'
# KeyName). EC2 key pairs belong to one account and one Region: a recovery point copied into
# another account or Region still names the source's.
KEY_PAIR_KEY = "KeyName"


def key_pair_named(metadata: dict[str, str] | None) -> str:
    """The KeyName of restore metadata (its key in any case), stripped; "" for none."""
    lowered = {key.lower(): value for key, value in (metadata or {}).items()}
    return str(lowered.get(KEY_PAIR_KEY.lower(), "") or "").strip()


def check_key_pair(facts: RestoreFacts) -> Check:
    """FAIL when the key pair the EC2 restore names is missing in the restoring account and
    Region (RunInstances would refuse the launch late in the job); UNKNOWN when unreadable."""
    key_pair = facts.key_pair
    region = facts.restoring_region or facts.recovery_point.region
    where = f"account {facts.restoring_account_id} ({region})"
    if key_pair is None:
        return Check(CHECK_ID, TITLE, CheckStatus.PASS, "no key pair")
    if isinstance(key_pair, Unreadable):
        return unknown_check(CHECK_ID, TITLE, key_pair, "the key pair the restore names")
    if isinstance(key_pair.exists, Unreadable):
        return unknown_check(
            CHECK_ID, TITLE, key_pair.exists, f"key pair {key_pair.name} in {where}"
        )
    if key_pair.exists:
        left_out = f"{KEY_PAIR_KEY} left out; the backed-up " if key_pair.left_out else ""
        return Check(
            CHECK_ID,
            TITLE,
            CheckStatus.PASS,
            f"{left_out}key pair {key_pair.name} exists in {where}",
        )
    if key_pair.left_out:
        # No AWS document says whether AWS Backup launches without a key pair or with the
        # backed-up one when the restore leaves KeyName out: neither PASS nor FAIL.
        return Check(
            CHECK_ID,
            TITLE,
            CheckStatus.WARN,
            f"{KEY_PAIR_KEY} left out, and the backed-up key pair {key_pair.name} does not "
            f"exist in {where}: no AWS document says whether AWS Backup then launches the "
            "instance without a key pair or with the backed-up one, which RunInstances would "
            f"refuse (The key pair '{key_pair.name}' does not exist)",
            CauseCode.UNKNOWN,
            import_key_pair_fix(facts, key_pair.name, region),
        )
    # No cause code of the shared list names a missing key pair, and `explain` gives EC2's
    # message for it UNKNOWN (rule key-pair-missing): the two agree.
    # The form sends AWS's own KeyName back: "as given" only when the restore names another.
    backed_up = key_pair_named(facts.aws_metadata) == key_pair.name
    named = f"the recovery point's {KEY_PAIR_KEY}" if backed_up else f"{KEY_PAIR_KEY}, as given"
    return Check(
        CHECK_ID,
        TITLE,
        CheckStatus.FAIL,
        f"key pair {key_pair.name} ({named}) does not exist in {where}: "
        f"EC2 key pairs belong to one account and Region, and RunInstances would refuse the "
        f"launch late in the job (The key pair '{key_pair.name}' does not exist)",
        CauseCode.UNKNOWN,
        import_key_pair_fix(facts, key_pair.name, region),
    )


def import_key_pair_fix(facts: RestoreFacts, name: str, region: str) -> str:
    """Import the key pair's public key under its name in the restoring account and Region,
    read where the instance was backed up. AWS Backup's console offers no other key pair for an
    EC2 restore and no AWS document says StartRestoreJob takes another one (or none): the
    named one is made to exist rather than changed."""
    name = shell_word(name)
    source = facts.recovery_point.resource_arn.split(":")
    source_region, source_account = (source[3], source[4]) if len(source) > 5 else ("", "")
    read = (
        f"read its public key where the instance was backed up (account {source_account}: "
        f"aws ec2 describe-key-pairs --key-names {name} --include-public-key --query "
        f"'KeyPairs[0].PublicKey' --output text --region {source_region} > {name}.pub) or "
        "take the public key file you keep"
        if source_region and source_account
        else "take the public key file you keep"
    )
    return (
        f"Create key pair {name} in account {facts.restoring_account_id}, Region {region}, "
        f"before the restore: {read}, then import it there: aws ec2 import-key-pair "
        f"--key-name {name} --public-key-material fileb://{name}.pub --region {region}."
    )
