"""What `drconsole init` reads to propose a configuration: identity, organization, member role,
vaults and where copies land. Reads only; the proposals are pure functions of what was read.

The backup account is the one whose vaults accept copies from the whole organization (an access
policy that lets any account of the organization call `backup:CopyIntoBackupVault`, typically
through `aws:PrincipalOrgID`); the Regions in use are those holding vaults; the DR Regions are
the backup account's Regions that receive copies from another Region.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from drconsole.aws.answers import VAULT_IDENTITY, skipped_records, text_of, vault_identity
from drconsole.aws.errors import AWS_FAILURES, describe, error_code
from drconsole.aws.organization import load_organization
from drconsole.aws.refusals import failure_on
from drconsole.aws.session import AwsSessions
from drconsole.config import DEFAULT_ROLE_NAME, Settings
from drconsole.errors import AwsError, UsageError
from drconsole.models import AccountError, CauseCode, Organization
from drconsole.partitions import account_root, known_partition, of_arn

# Role names that give the management account access to members, most common first: the one
# AWS Organizations creates, and the one AWS Control Tower creates.
MEMBER_ROLE_CANDIDATES = (DEFAULT_ROLE_NAME, "AWSControlTowerExecution")
# An account id no organization holds: a policy that lets it copy in (given the organization's
# id) lets every account of the organization, present and future, copy in.
ANY_ACCOUNT = "000000000000"
# Recovery points read per central vault to see where its copies come from.
COPY_SAMPLE = 50
CAUSES = {code.value for code in CauseCode}


def aws_profile_names() -> list[str]:
    """The profiles of the AWS config and credentials files, `default` first."""
    import botocore.session

    names = sorted(set(botocore.session.Session().available_profiles))
    return sorted(names, key=lambda name: name != "default")


def environment_has_credentials(environ: Mapping[str, str]) -> bool:
    """True when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are both set."""
    return bool(environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"))


@dataclass(frozen=True)
class Identity:
    """Who the chosen credentials are."""

    account_id: str
    arn: str


def read_identity(sessions: AwsSessions) -> Identity:
    """sts:GetCallerIdentity; expired or missing credentials raise AwsError naming the fix."""
    return Identity(sessions.caller_account_id(), sessions.caller_identity_arn())


def read_organization(sessions: AwsSessions) -> tuple[Organization | None, str]:
    """(organization, "") or (None, why it could not be read)."""
    try:
        organization = load_organization(sessions, sessions.settings.max_workers)
    except AwsError as error:
        return None, str(error)
    if not organization.id:
        return None, "the account is not in an AWS Organization"
    return organization, ""


def enabled_regions(sessions: AwsSessions) -> tuple[tuple[str, ...], str]:
    """(the Regions enabled for the caller's account, "") or ((), why they could not be read).

    Only the caller's partition, and no Region that is not opted in: AWS leaves them out of
    this answer anyway, and an emulator that lists them would have every one of them read.
    """
    try:
        answer = sessions.client("ec2").describe_regions()
        partition = sessions.partition()
    except AWS_FAILURES as exc:
        return (), describe(exc)

    def in_partition(name: str) -> bool:
        known = known_partition(name)
        # A Region newer than botocore (None): AWS listed it, keep it.
        return known is None or known == partition

    names = [
        name
        for region in answer.get("Regions", [])
        if (name := text_of(region, "RegionName"))
        and region.get("OptInStatus") != "not-opted-in"
        and in_partition(name)
    ]
    return tuple(sorted(names)), ""


@dataclass(frozen=True)
class RoleTest:
    """The outcome of assuming a member role into one account."""

    role_name: str
    account_id: str
    ok: bool
    reason: str = ""
    code: str = ""  # the AWS error code (AccessDenied...), short enough for a prompt


def test_member_role(settings: Settings, role_name: str, account_id: str) -> RoleTest:
    """Assume `role_name` into `account_id` and ask who we are there."""
    sessions = AwsSessions(dataclasses.replace(settings, role_name=role_name))
    try:
        sessions.client("sts", account_id).get_caller_identity()
    except AWS_FAILURES as exc:
        return RoleTest(role_name, account_id, False, describe(exc), error_code(exc))
    except AwsError as error:
        return RoleTest(role_name, account_id, False, str(error), error.cause)
    return RoleTest(role_name, account_id, True)


def find_member_role(
    settings: Settings, account_id: str, preferred: Iterable[str | None] = ()
) -> list[RoleTest]:
    """Try the preferred names, then the usual ones, until one can be assumed; every try."""
    tries: list[RoleTest] = []
    for name in dict.fromkeys([*(n for n in preferred if n), *MEMBER_ROLE_CANDIDATES]):
        tries.append(test_member_role(settings, name, account_id))
        if tries[-1].ok:
            break
    return tries


def role_test_account(organization: Organization | None, caller: str) -> str | None:
    """An active account other than the caller's to test the member role in, members first."""
    if organization is None:
        return None
    others = [a for a in organization.accounts if a.id != caller and a.status == "ACTIVE"]
    others.sort(key=lambda account: account.id == organization.management_account_id)
    return others[0].id if others else None


@dataclass(frozen=True)
class VaultSeen:
    """A vault found while surveying, and whether it accepts copies from the organization."""

    account_id: str
    region: str
    name: str
    arn: str
    org_wide: bool


@dataclass(frozen=True)
class VaultSurvey:
    """Every vault of the surveyed accounts and Regions, and what could not be read."""

    vaults: tuple[VaultSeen, ...]
    errors: tuple[AccountError, ...]
    accounts: tuple[str, ...]
    regions: tuple[str, ...]


def policy_is_org_wide(policy: str, org_id: str, root_path: str, vault: VaultSeen) -> bool:
    """True when the vault access policy lets any account of the organization copy in."""
    from drconsole.policy import Request, evaluate_resource_policy

    request = Request(
        action="backup:CopyIntoBackupVault",
        principal=account_root(ANY_ACCOUNT, of_arn(vault.arn)),
        resource=vault.arn,
        context={
            "aws:PrincipalOrgID": org_id,
            "aws:PrincipalOrgPaths": [root_path],
            "aws:PrincipalAccount": ANY_ACCOUNT,
        },
    )
    try:
        return evaluate_resource_policy(policy, request, vault.account_id).allowed
    except UsageError:  # a policy drconsole cannot parse proves nothing
        return False


def _vaults_of(
    sessions: AwsSessions,
    account_id: str,
    region: str,
    organization: Organization | None,
    errors: list[AccountError],
) -> list[VaultSeen]:
    """The vaults of an account and Region; a report of those AWS listed without a name is
    added to `errors`."""
    backup = sessions.client("backup", account_id, region)
    found: list[VaultSeen] = []
    skipped = 0
    for page in backup.get_paginator("list_backup_vaults").paginate():
        for item in page.get("BackupVaultList", []):
            identity = vault_identity(item)
            if identity is None:
                skipped += 1
                continue
            vault = VaultSeen(account_id, region, *identity, False)
            if organization is not None:
                try:
                    policy = backup.get_backup_vault_access_policy(BackupVaultName=vault.name).get(
                        "Policy"
                    )
                except AWS_FAILURES as exc:
                    if error_code(exc) != "ResourceNotFoundException":
                        raise
                    policy = None
                root = f"{organization.id}/{organization.root_id}/"
                if policy and policy_is_org_wide(policy, organization.id, root, vault):
                    vault = dataclasses.replace(vault, org_wide=True)
            found.append(vault)
    if skipped:
        errors.append(
            skipped_records(
                account_id, region, "ListBackupVaults", skipped, "vault(s)", VAULT_IDENTITY
            )
        )
    return found


def survey_vaults(
    sessions: AwsSessions,
    accounts: Sequence[str],
    regions: Sequence[str],
    organization: Organization | None,
    progress: Callable[[int, int], None] | None = None,
) -> VaultSurvey:
    """The vaults of every account in every Region, read concurrently; failures per place."""
    places = [(account, region) for account in accounts for region in regions]
    vaults: list[VaultSeen] = []
    errors: list[AccountError] = []

    def read(place: tuple[str, str]) -> list[VaultSeen] | AccountError:
        try:
            return _vaults_of(sessions, place[0], place[1], organization, errors)
        except AWS_FAILURES as exc:
            return failure_on(sessions, place[0], place[1], "ListBackupVaults", exc)
        except AwsError as error:  # an identity that could not be reached
            cause = CauseCode(error.cause) if error.cause in CAUSES else CauseCode.UNKNOWN
            return AccountError(place[0], place[1], "", "", str(error), cause)

    with ThreadPoolExecutor(max_workers=sessions.settings.max_workers) as pool:
        for done, answer in enumerate(pool.map(read, places), start=1):
            if isinstance(answer, AccountError):
                errors.append(answer)
            else:
                vaults.extend(answer)
            if progress is not None:
                progress(done, len(places))
    return VaultSurvey(tuple(vaults), tuple(errors), tuple(accounts), tuple(regions))


def propose_backup_account(survey: VaultSurvey, organization: Organization | None) -> str | None:
    """The account holding the most org-wide vaults (a name with "backup" breaks ties)."""
    counts = Counter(vault.account_id for vault in survey.vaults if vault.org_wide)
    if not counts:
        return None
    names = {a.id: a.name for a in organization.accounts} if organization else {}
    return max(counts, key=lambda a: (counts[a], "backup" in names.get(a, "").lower()))


def regions_in_use(survey: VaultSurvey) -> tuple[str, ...]:
    """Regions holding vaults, the busiest first (the first is used for global calls)."""
    counts = Counter(vault.region for vault in survey.vaults)
    return tuple(sorted(counts, key=lambda region: (-counts[region], region)))


def copy_source_regions(
    sessions: AwsSessions, survey: VaultSurvey, account_id: str
) -> dict[str, set[str]]:
    """Region -> the Regions its copies came from, for the vaults of `account_id`.

    A sample of recovery points per vault is enough: a Region that receives copies from
    another Region at all is a DR Region. Unreadable vaults are skipped.
    """
    sources: dict[str, set[str]] = {}
    for vault in survey.vaults:
        if vault.account_id != account_id:
            continue
        backup = sessions.client("backup", account_id, vault.region)
        try:
            points = backup.list_recovery_points_by_backup_vault(
                BackupVaultName=vault.name, MaxResults=COPY_SAMPLE
            ).get("RecoveryPoints", [])
        except AWS_FAILURES:
            continue
        for point in points:
            source = point.get("SourceBackupVaultArn") or ""
            parts = source.split(":")
            if len(parts) > 3 and parts[3]:
                sources.setdefault(vault.region, set()).add(parts[3])
    return sources


def propose_dr_regions(
    survey: VaultSurvey, backup_account: str | None, sources: Mapping[str, set[str]]
) -> tuple[str, ...]:
    """The backup account's Regions that receive copies from another Region; without such
    evidence, its Regions where no other account keeps vaults."""
    if backup_account is None:
        return ()
    own = {v.region for v in survey.vaults if v.account_id == backup_account}
    dr = {region for region in own if sources.get(region, set()) - {region}}
    if not dr:
        others = {v.region for v in survey.vaults if v.account_id != backup_account}
        dr = own - others
    return tuple(sorted(dr))


def unreadable_summary(errors: Iterable[AccountError], names: Mapping[str, str]) -> list[str]:
    """One line per account that could not be read everywhere: where, and the first reason."""

    def label_of(account: str) -> str:
        return f"{names.get(account, account)} ({account})" if account in names else account

    by_account: dict[str, list[AccountError]] = {}
    lines = []
    for error in errors:
        if error.skipped:  # the Region was read, less the records it names
            lines.append(f"{label_of(error.account_id)} {error.region}: {error.message}")
        else:
            by_account.setdefault(error.account_id, []).append(error)
    for account, failures in sorted(by_account.items()):
        label = label_of(account)
        regions = len({failure.region for failure in failures})
        lines.append(
            f"{label}: {regions} Region(s) not read: {failures[0].message} [{failures[0].cause}]"
        )
    return lines
