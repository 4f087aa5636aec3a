"""Gather the facts the copy checks judge, with boto3 through `AwsSessions`.

Every read that AWS refuses (AccessDenied, throttling past the retries...) becomes an
`Unreadable` fact so that its check says UNKNOWN; only credential and network failures, which
would make every fact unreadable, stop the gathering with an AwsError (exit 3).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from drconsole.aws.answers import (
    INCOMPLETE_ANSWER,
    VAULT_IDENTITY,
    identified,
    identified_vaults,
    required,
    skipped_line,
    text_of,
    vault_arns_of,
)
from drconsole.aws.fastparse import utc_timestamp
from drconsole.aws.image_reader import ImageReader
from drconsole.aws.option_groups import OptionGroupReader
from drconsole.aws.reader import pages
from drconsole.aws.restore_access import AccessReader
from drconsole.aws.role_boundary import boundary_of
from drconsole.aws.role_policies import identity_policies
from drconsole.checks.arns import RecoveryPointArn, VaultArn
from drconsole.checks.facts import (
    AWS_OWNED_KEY_TYPE,
    SERVICE_LINKED_ROLE_NAME,
    CopyFacts,
    CopyJobLoad,
    RecoveryPointFacts,
    RoleFacts,
    Unreadable,
    VaultFacts,
    default_role_arn,
)
from drconsole.checks.recovery_point import default_copy_retention
from drconsole.errors import AwsError
from drconsole.models import CauseCode
from drconsole.partitions import of_arn

NOT_GATHERED = Unreadable("not gathered", "Pending", "this fact has not been read yet")
IN_FLIGHT_STATES = ("CREATED", "RUNNING")
COPY_GROUPS = ("organization", "destination", "source", "route")


class FactReader(ImageReader, AccessReader, OptionGroupReader):
    """Every read the copy and restore checks need."""

    # Both accounts' memberships are read at once (two calls); a reader that already knows
    # them (readiness) answers without calls, and a thread pool would only cost.
    parallel_membership_reads = True

    # Recovery point ---------------------------------------------------------------------

    def recovery_point(self, arn: RecoveryPointArn, account_hint: str | None) -> RecoveryPointFacts:
        """DescribeRecoveryPoint, looking for the vault (and, for ARNs without an account id,
        the account: the hint, the caller's, the backup account, then the organization's)."""
        if arn.account_id or account_hint:
            candidates = [arn.account_id or account_hint or ""]
        else:
            settings = self.sessions.settings
            candidates = [self.sessions.caller_account_id()]
            if settings.backup_account_id:
                candidates.append(settings.backup_account_id)
            candidates.extend(self.organization_account_ids())
        searched: list[str] = []
        unread: list[Unreadable] = []
        for account in dict.fromkeys(candidates):
            found = self.find_in_account(arn, account, unread)
            if found is not None:
                return found
            searched.append(account)
        if unread:  # not "not found": some vault could not be asked
            from drconsole.checks.common import cause_of_code

            raise AwsError(
                f"recovery point {arn.arn} could not be read in account(s) "
                f"{', '.join(searched)} in {arn.region}: {unread[0].describe()}",
                cause_of_code(unread[0].code),
            )
        raise AwsError(
            f"recovery point {arn.arn} not found in any vault of account(s) "
            f"{', '.join(searched)} in {arn.region}",
            CauseCode.UNKNOWN,
        )

    def find_in_account(
        self, arn: RecoveryPointArn, account: str, unread: list[Unreadable] | None = None
    ) -> RecoveryPointFacts | None:
        """The recovery point if one of the account's vaults in its Region holds it (vaults
        that could not be asked are added to `unread`)."""
        backup = self.client("backup", account, arn.region)
        listed = self.read(
            "backup:ListBackupVaults",
            lambda: identified_vaults(pages(backup, "list_backup_vaults", "BackupVaultList")),
        )
        if not isinstance(listed, tuple):
            if arn.account_id:
                from drconsole.checks.common import cause_of_code

                reason = listed.describe() if listed else "no answer"
                # the refusal's own cause when it has one (an answer without the assumed
                # role's credentials is SERVICE_ERROR); a refusal of no known code is taken
                # for a permission the role lacks
                known = cause_of_code(listed.code) if listed else CauseCode.UNKNOWN
                raise AwsError(
                    f"cannot list the vaults of account {account} in {arn.region} to find "
                    f"{arn.arn}: {reason}",
                    CauseCode.ROLE_PERMISSIONS if known is CauseCode.UNKNOWN else known,
                )
            if isinstance(listed, Unreadable) and unread is not None:
                unread.append(listed)  # "could not be read" if no other account holds it
            return None
        named, skipped = listed
        if skipped and unread is not None:
            # The recovery point may be in a vault AWS listed without a name: if it is in none
            # of the others, say so rather than "not found".
            unread.append(skipped_vaults(account, arn.region, skipped))
        for vault in (v["BackupVaultName"] for v in named):
            answer = self.read(
                "backup:DescribeRecoveryPoint",
                lambda v=vault: backup.describe_recovery_point(  # type: ignore[misc]
                    BackupVaultName=v, RecoveryPointArn=arn.arn
                ),
                missing=("ResourceNotFoundException", "InvalidParameterValueException"),
            )
            if isinstance(answer, dict):
                return _recovery_point_facts(answer, account, arn, vault)
            if isinstance(answer, Unreadable) and unread is not None:
                unread.append(answer)
        return None

    # Vaults, keys, roles ----------------------------------------------------------------

    def vault_policy(self, account_id: str, region: str, name: str) -> str | Unreadable | None:
        """GetBackupVaultAccessPolicy: the JSON text, or None when no policy is set."""
        backup = self.client("backup", account_id, region)
        return self.read(
            "backup:GetBackupVaultAccessPolicy",
            lambda: backup.get_backup_vault_access_policy(BackupVaultName=name).get("Policy"),
            missing=("ResourceNotFoundException",),
        )

    def dest_vault_policy(self, arn: VaultArn) -> str | Unreadable | None:
        """The vault's access policy, read once per reader: a same-account copy's source group
        judges it for the copy role while its destination group reads the vault."""
        return self.once(
            ("vault-policy", arn.arn),
            lambda: self.vault_policy(arn.account_id, arn.region, arn.name),
        )

    def vault(self, arn: VaultArn) -> VaultFacts | Unreadable | None:
        """DescribeBackupVault with its key and access policy; None when it does not exist."""
        backup = self.client("backup", arn.account_id, arn.region)
        described = self.read(
            "backup:DescribeBackupVault",
            lambda: backup.describe_backup_vault(BackupVaultName=arn.name),
            missing=("ResourceNotFoundException",),
        )
        if not isinstance(described, dict):
            return described
        key_arn = described.get("EncryptionKeyArn", "")
        key_type = text_of(described, "EncryptionKeyType")
        # The key's policy too: the destination's AWS Backup encrypts the copy with it.
        key = (
            self.key(key_arn, True, arn.account_id, key_type)
            if key_arn or key_type == AWS_OWNED_KEY_TYPE
            else None
        )
        return VaultFacts(
            arn=described.get("BackupVaultArn", arn.arn),
            name=arn.name,
            account_id=arn.account_id,
            region=arn.region,
            encryption_key_arn=key_arn,
            key=key,
            access_policy=self.dest_vault_policy(arn),
            locked=bool(described.get("Locked")),
            min_retention_days=described.get("MinRetentionDays"),
            max_retention_days=described.get("MaxRetentionDays"),
            vault_type=text_of(described, "VaultType"),
        )

    def vault_tags(self, arn: VaultArn) -> tuple[tuple[str, str], ...] | Unreadable:
        """The destination vault's tags (aws:ResourceTag of its SCPs and access policy), read
        once per reader: two check groups, run at the same time, judge them."""
        return self.once(("vault-tags", arn.arn), lambda: self._read_vault_tags(arn))

    def _read_vault_tags(self, arn: VaultArn) -> tuple[tuple[str, str], ...] | Unreadable:
        return self.resource_tags(arn.account_id, arn.region, arn.arn)

    def resource_tags(
        self, account_id: str, region: str, arn: str
    ) -> tuple[tuple[str, str], ...] | Unreadable:
        """backup:ListTags of a vault or recovery point, in its account and Region."""
        backup = self.client("backup", account_id, region)
        tags = self.read("backup:ListTags", lambda: backup.list_tags(ResourceArn=arn))
        if isinstance(tags, Unreadable):
            return tags  # unknown, not untagged: an SCP testing them cannot be judged
        if not isinstance(tags, dict):
            return ()
        return tuple(sorted(tags.get("Tags", {}).items()))

    def role(self, role_arn: str) -> RoleFacts | Unreadable | None:
        """GetRole with its trust policy, attached policies, permissions boundary and the
        documents of its identity policies; None when it does not exist."""
        account = role_arn.split(":")[4]
        name = role_arn.rsplit("/", 1)[-1]
        iam = self.client("iam", account, self.sessions.global_region())
        got = self.read(
            "iam:GetRole",
            lambda: identified(
                required(iam.get_role(RoleName=name), "Role", "GetRole"),
                "Arn",
                operation="GetRole",
            ),
            ("NoSuchEntity",),
        )
        if not isinstance(got, dict):
            return got
        attached = self.read(
            "iam:ListAttachedRolePolicies",
            lambda: tuple(
                text_of(p, "PolicyArn")
                for p in pages(
                    iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name
                )
            ),
        )
        inline = self.read(
            "iam:ListRolePolicies",
            lambda: tuple(pages(iam, "list_role_policies", "PolicyNames", RoleName=name)),
        )
        return RoleFacts(
            arn=got["Arn"],
            trust_policy=_policy_text(got.get("AssumeRolePolicyDocument")),
            attached_policy_arns=attached if isinstance(attached, tuple) else (),
            inline_policy_names=inline if isinstance(inline, tuple) else (),
            boundary=boundary_of(self, iam, got),
            identity_policies=identity_policies(
                self,
                lambda: self.client("iam", account, self.sessions.global_region()),
                name,
                attached,
                inline,
            ),
        )

    def role_exists(self, account_id: str, name: str) -> bool | Unreadable:
        """True when the account has a role of exactly that name."""
        iam = self.client("iam", account_id, self.sessions.global_region())
        got = self.read(
            "iam:GetRole",
            lambda: required(iam.get_role(RoleName=name), "Role", "GetRole"),
            ("NoSuchEntity",),
        )
        if isinstance(got, Unreadable):
            return got
        return got is not None and got.get("RoleName") == name

    # Jobs and route ---------------------------------------------------------------------

    def job_load(self, rp: RecoveryPointFacts, dest_region: str) -> CopyJobLoad | Unreadable:
        """CREATED/RUNNING copy jobs of the resource and of the account into the Region."""
        backup = self.client("backup", rp.account_id, rp.region)
        mine: list[str] = []
        into_region = 0
        for state in IN_FLIGHT_STATES:
            jobs = self.read(
                "backup:ListCopyJobs",
                lambda s=state: list(pages(backup, "list_copy_jobs", "CopyJobs", ByState=s)),  # type: ignore[misc]
            )
            if not isinstance(jobs, list):
                return jobs or Unreadable("backup:ListCopyJobs", "Empty", "")
            for job in jobs:
                if job.get("ResourceArn") == rp.resource_arn:
                    mine.append(job.get("CopyJobId", "?"))
                if str(job.get("DestinationBackupVaultArn", "")).split(":")[3:4] == [dest_region]:
                    into_region += 1
        return CopyJobLoad(tuple(mine), into_region)

    def vault_arns(self, account_id: str, region: str) -> tuple[str, ...]:
        """ARNs of the account's vaults in the Region other than the default vault."""
        found = self.vault_arns_or_why(account_id, region)
        return () if isinstance(found, Unreadable) else found

    def vault_arns_or_why(self, account_id: str, region: str) -> tuple[str, ...] | Unreadable:
        """`vault_arns`, or why they could not be read (a Region that does not answer)."""
        backup = self.client("backup", account_id, region)
        vaults = self.read(
            "backup:ListBackupVaults",
            lambda: list(pages(backup, "list_backup_vaults", "BackupVaultList")),
        )
        if isinstance(vaults, Unreadable):
            return vaults
        return vault_arns_of(vaults) if isinstance(vaults, list) else ()


def skipped_vaults(account_id: str, region: str, skipped: int) -> Unreadable:
    """The vaults of an account and Region that AWS listed without a name (never asked)."""
    return Unreadable(
        "backup:ListBackupVaults",
        INCOMPLETE_ANSWER,
        skipped_line(skipped, f"vault(s) of account {account_id} in {region}", VAULT_IDENTITY),
    )


def _policy_text(document: Any) -> str:
    if isinstance(document, str):
        return unquote(document)
    return json.dumps(document or {})


def _recovery_point_facts(
    answer: dict[str, Any], account: str, arn: RecoveryPointArn, vault: str
) -> RecoveryPointFacts:
    """The facts of a DescribeRecoveryPoint answer, asked of `vault`."""
    lifecycle = answer.get("Lifecycle") or {}
    created_by = answer.get("CreatedBy")  # text_of reads nothing from a non-mapping
    return RecoveryPointFacts(
        arn=arn.arn,
        account_id=account,
        region=arn.region,
        vault_name=text_of(answer, "BackupVaultName") or vault,
        resource_type=answer.get("ResourceType") or arn.resource_type_hint or "",
        resource_arn=answer.get("ResourceArn", ""),
        resource_name=answer.get("ResourceName", ""),
        status=answer.get("Status", ""),
        encryption_key_arn=answer.get("EncryptionKeyArn") or None,
        delete_after_days=lifecycle.get("DeleteAfterDays"),
        storage_class=answer.get("StorageClass") or "",
        source_vault_arn=text_of(answer, "SourceBackupVaultArn"),
        creation_date=_utc(answer.get("CreationDate")),
        encryption_key_type=text_of(answer, "EncryptionKeyType"),
        is_encrypted=(
            answer["IsEncrypted"] if isinstance(answer.get("IsEncrypted"), bool) else None
        ),
        created_by_plan=text_of(created_by, "BackupPlanId"),
        created_by_rule=text_of(created_by, "BackupRuleId"),
    )


def _utc(value: Any) -> datetime | None:
    """A timestamp of an answer as an aware UTC datetime (None when absent or unreadable)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc_timestamp(value) if value is not None else None


def base_copy_facts(
    reader: FactReader,
    rp_arn: RecoveryPointArn,
    dest: VaultArn,
    role_arn: str | None = None,
    delete_after_days: int | None = None,
    account_hint: str | None = None,
) -> CopyFacts:
    """The recovery point and both accounts' organizations; every other fact NOT_GATHERED."""
    rp = reader.recovery_point(rp_arn, account_hint)
    return copy_facts_of(reader, rp, dest, role_arn, delete_after_days)


def copy_facts_of(
    reader: FactReader,
    rp: RecoveryPointFacts,
    dest: VaultArn,
    role_arn: str | None = None,
    delete_after_days: int | None = None,
) -> CopyFacts:
    """The base facts of copying `rp` (read already, or foreseen: a route's second hop) into
    `dest`: both accounts' organizations; every other fact NOT_GATHERED."""
    if reader.parallel_membership_reads:
        with ThreadPoolExecutor(max_workers=2) as pool:
            source_org = pool.submit(reader.membership, rp.account_id)
            dest_org = pool.submit(reader.membership, dest.account_id)
            source, destination = source_org.result(), dest_org.result()
    else:
        source, destination = reader.membership(rp.account_id), reader.membership(dest.account_id)
    return CopyFacts(
        recovery_point=rp,
        dest_vault_arn=dest.arn,
        dest_account_id=dest.account_id,
        dest_region=dest.region,
        dest_vault_name=dest.name,
        copy_role_arn=role_arn or default_role_arn(rp.account_id, rp.partition),
        cross_account_enabled=NOT_GATHERED,
        dest_tag_policy=NOT_GATHERED,
        recovery_point_tags=NOT_GATHERED,
        source_org=source,
        dest_org=destination,
        dest_vault=NOT_GATHERED,
        source_vault_policy=NOT_GATHERED,
        source_scps=NOT_GATHERED,
        source_key=NOT_GATHERED,
        dest_slr_exists=NOT_GATHERED,
        copy_role=NOT_GATHERED,
        copy_role_rcps=NOT_GATHERED,
        pass_role=NOT_GATHERED,
        job_load=NOT_GATHERED,
        marketplace_product_codes=NOT_GATHERED,
        # The retention drconsole copy starts the copy with: the one asked for, else the
        # default (flows.plan.plan_flow gives it the same way), so that the vault lock and
        # retention checks judge the request that will be sent.
        lifecycle_delete_after_days=(
            delete_after_days
            if delete_after_days is not None
            else default_copy_retention(rp.delete_after_days, rp.creation_date)
        ),
    )


def gather_group(reader: FactReader, group: str, base: CopyFacts) -> CopyFacts:
    """`base` with the facts of one check group read (see checks.copy.COPY_CHECK_GROUPS)."""
    rp = base.recovery_point
    dest = VaultArn(
        base.dest_vault_arn,
        of_arn(base.dest_vault_arn),
        base.dest_region,
        base.dest_account_id,
        base.dest_vault_name,
    )
    if group == "organization":
        return replace(
            base,
            cross_account_enabled=reader.cross_account_enabled(rp.region),
            source_scps=reader.service_control_policies(rp.account_id, base.source_org),
            dest_vault_tags=reader.vault_tags(dest),
            **tag_policy_facts(reader, base),
        )
    if group == "destination":
        return replace(
            base,
            dest_vault=reader.vault(dest),
            dest_slr_exists=reader.role_exists(base.dest_account_id, SERVICE_LINKED_ROLE_NAME),
            # Its access policy is judged with the vault's tags (aws:ResourceTag), as the SCPs
            # are: each group is judged on its own facts.
            dest_vault_tags=reader.vault_tags(dest),
        )
    if group == "source":
        key = (
            reader.key(rp.encryption_key_arn or "", True, rp.account_id, rp.encryption_key_type)
            if rp.encryption_key_arn or rp.encryption_key_type == AWS_OWNED_KEY_TYPE
            else None
        )
        caller, may_pass = reader.pass_role(rp.account_id, rp.region, base.copy_role_arn)
        role = reader.role(base.copy_role_arn)
        # A boundary is judged on CopyIntoBackupVault with the destination vault's tags (read
        # once per reader, with the organization group's).
        bounded = isinstance(role, RoleFacts) and role.boundary is not None
        known_keys = {rp.encryption_key_arn: key} if rp.encryption_key_arn else {}
        return replace(
            base,
            source_vault_policy=reader.vault_policy(rp.account_id, rp.region, rp.vault_name),
            # Within one account the destination vault's policy may allow the copy role's
            # CopyIntoBackupVault (read once, with the destination group's).
            dest_vault_policy=None if base.cross_account else reader.dest_vault_policy(dest),
            source_key=key,
            image_snapshots=reader.image_snapshots(rp, known_keys),
            copy_role=role,
            # AWS Backup assumes the role in the source account: its RCPs judge that.
            copy_role_rcps=reader.resource_control_policies(rp.account_id, base.source_org),
            caller_arn=caller,
            pass_role=may_pass,
            dest_vault_tags=reader.vault_tags(dest) if bounded else base.dest_vault_tags,
        )
    if group == "route":
        needs_two_hops = base.cross_account and base.cross_region
        return replace(
            base,
            job_load=reader.job_load(rp, base.dest_region),
            marketplace_product_codes=reader.marketplace_codes(rp),
            # What a copy into another Region needs of the DB snapshot's option group; not
            # asked of a copy that stays in the Region (the snapshot keeps its group).
            snapshot_option_group=(
                reader.snapshot_option_group(rp, base.dest_account_id, base.dest_region)
                if base.cross_region
                else None
            ),
            # As drconsole copy chooses: the destination account in the source Region first
            # (the cross-account hop stays in one Region), else the source account in the
            # destination Region.
            intermediate_vaults=(
                reader.vault_arns(base.dest_account_id, rp.region)
                + reader.vault_arns(rp.account_id, base.dest_region)
                if needs_two_hops
                else ()
            ),
        )
    raise ValueError(f"unknown check group {group!r}")


def tag_policy_facts(reader: FactReader, base: CopyFacts) -> dict[str, Any]:
    """The destination account's effective tag policy and, when one applies, the tags the
    copy carries there (a two-hop route's foreseen copy: its source's, see next_hop_facts)."""
    rp = base.recovery_point
    return {
        "dest_tag_policy": reader.effective_tag_policy(base.dest_account_id),
        "recovery_point_tags": tags_a_copy_carries(
            reader, base.dest_account_id, base.recovery_point_tags, rp
        ),
    }


def tags_a_copy_carries(
    reader: FactReader, dest_account_id: str, known: Any, point: RecoveryPointFacts
) -> Any:
    """The tags a copy of `point` carries into `dest_account_id`: `known` when read already,
    else `point`'s, read only when that account has a tag policy that would judge them."""
    if isinstance(known, tuple) or not isinstance(
        reader.effective_tag_policy(dest_account_id), str
    ):
        return known
    return reader.resource_tags(point.account_id, point.region, point.arn)


def merge_groups(base: CopyFacts, gathered: dict[str, CopyFacts]) -> CopyFacts:
    """One CopyFacts holding every group's facts."""
    fields = {
        "organization": (
            "cross_account_enabled",
            "source_scps",
            "dest_vault_tags",
            "dest_tag_policy",
            "recovery_point_tags",
        ),
        "destination": ("dest_vault", "dest_slr_exists"),
        "source": (
            "source_vault_policy",
            "dest_vault_policy",
            "source_key",
            "image_snapshots",
            "copy_role",
            "copy_role_rcps",
            "caller_arn",
            "pass_role",
        ),
        "route": (
            "job_load",
            "marketplace_product_codes",
            "snapshot_option_group",
            "intermediate_vaults",
        ),
    }
    updates: dict[str, Any] = {}
    for group, facts in gathered.items():
        for name in fields[group]:
            updates[name] = getattr(facts, name)
    return replace(base, **updates)
