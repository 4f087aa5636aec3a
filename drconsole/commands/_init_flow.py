"""The steps of `drconsole init`: credentials, what AWS shows, the answers, the file.

Each answer's default is the old file's value when it has one (never silently replaced), else
what was found in AWS. AWS is only read: every client carries the read-only guard.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drconsole import limits
from drconsole.aws import discovery
from drconsole.aws.session import AwsSessions
from drconsole.commands import _init_config as config_file
from drconsole.commands import _init_values as values
from drconsole.commands._init_ask import Asker, say
from drconsole.config import (
    DEFAULT_ROLE_NAME,
    ConfigFile,
    Settings,
    default_runbooks_dir,
    profile_region,
    read_config_file,
)
from drconsole.errors import AwsError, UsageError
from drconsole.models import CauseCode, Organization

ENVIRONMENT = ""  # the profile choice that means "the AWS_* environment variables"
NO_ACCOUNT = ""


def choose_profile(asker: Asker, config: ConfigFile, environ: Mapping[str, str]) -> str | None:
    """The AWS profile to use (None: environment credentials)."""
    names = discovery.aws_profile_names()
    choices = [(name, name) for name in names]
    if discovery.environment_has_credentials(environ):
        choices.append(("environment credentials (AWS_ACCESS_KEY_ID)", ENVIRONMENT))
    if not choices:
        raise AwsError(
            "no AWS credentials: no profile in the AWS config files and no AWS_ACCESS_KEY_ID; "
            "run `aws configure sso` (or `aws configure`) first",
            cause=CauseCode.CREDENTIALS_EXPIRED.value,
        )
    wanted = (
        environ.get("AWS_PROFILE")
        or environ.get("AWS_DEFAULT_PROFILE")
        or config.top.get("profile")
    )
    default = wanted if wanted in names else choices[0][1]
    if discovery.environment_has_credentials(environ) and not wanted:
        default = ENVIRONMENT
    if asker.given("profile"):
        flag = str(asker.flag("profile"))
        if flag not in names:
            raise UsageError(
                f"--profile {limits.shown(flag)}: no such profile in the AWS config files "
                f"(profiles: {', '.join(names) or 'none'})"
            )
    chosen = asker.choose("profile", "AWS credentials to use", choices, default)
    return chosen or None


def discovery_settings(
    profile: str | None, config: ConfigFile, args: argparse.Namespace, environ: Mapping[str, str]
) -> Settings:
    """Settings for reading AWS during init: read-only, the chosen identity, one Region."""
    flagged = getattr(args, "regions", None) or []
    home = (
        (flagged[0] if flagged else None)
        or environ.get("AWS_REGION")
        or environ.get("AWS_DEFAULT_REGION")
        or profile_region(profile)
        or (config_file.current(config, profile, "regions") or [None])[0]
        or "us-east-1"
    )
    endpoint = environ.get("AWS_ENDPOINT_URL") or config_file.current(
        config, profile, "endpoint_url"
    )
    return Settings(
        profile=profile,
        regions=values.regions(home, (), "Region"),
        read_only=True,
        # Below AWS_ENDPOINT_URL_<SERVICE> and the rest, as the config file's own is.
        config_endpoint_url=values.endpoint(endpoint),
        max_workers=int(config_file.current(config, profile, "max_workers") or 16),
    )


def choose_role(
    asker: Asker,
    settings: Settings,
    config: ConfigFile,
    organization: Organization | None,
    caller: str,
    flag: str | None,
) -> tuple[str, str | None]:
    """(role name to write, role that works for reading members, or None)."""
    existing = config_file.current(config, settings.profile, "role_name")
    account = discovery.role_test_account(organization, caller)
    if account is None:
        say("Member role: not tested (no other account of an organization to assume it into).")
        name = asker.text(
            "role_name",
            "Role to assume in member accounts",
            existing or DEFAULT_ROLE_NAME,
            values.role_name,
        )
        return name, None
    names = {a.id: a.name for a in organization.accounts} if organization else {}
    where = f"{names.get(account, account)} ({account})"
    if flag is not None:
        values.role_name(flag, "--member-role")
    tries = discovery.find_member_role(settings, account, [flag, existing])
    for attempt in tries:
        if attempt.ok:
            say(f"Member role {attempt.role_name}: assumed into {where}.")
        else:
            say(
                f"Member role {attempt.role_name}: cannot be assumed into {where}: {attempt.reason}"
            )
    working = next((t.role_name for t in tries if t.ok), None)
    if flag is not None and working != flag and not asker.asks:
        raise UsageError(f"--member-role {flag}: cannot be assumed into {where}")

    def tested(text: str, where_given: str) -> str:
        name = values.role_name(text, where_given)
        if name == working:
            return name
        test = discovery.test_member_role(settings, name, account)
        if not test.ok:
            raise UsageError(f"{where_given}: {name} cannot be assumed into {where} ({test.code})")
        return name

    default = existing or working or DEFAULT_ROLE_NAME
    if working is None:
        # Nothing to compare with: the name is taken untested, so that init can still finish
        # (the role may be one these credentials are not trusted by).
        say(
            "No member role could be assumed: the name you give is kept untested, and only "
            f"account {caller} is read."
        )
    # With --yes, an old value that does not work is kept (never silently replaced) and said.
    testing = working is not None and (asker.asks or asker.given("role_name"))
    parse = tested if testing else values.role_name
    chosen = asker.text("role_name", "Role to assume in member accounts", default, parse)
    return chosen, (chosen if chosen == working else working)


def progress(done: int, total: int) -> None:
    """A line at every tenth of a long survey (a large organization takes minutes)."""
    step = total // 10
    if total >= 200 and done % step == 0 and done < total:
        say(f"  {done} of {total} account-Regions read")


def survey(
    settings: Settings,
    role: str | None,
    organization: Organization | None,
    caller: str,
    regions: tuple[str, ...],
) -> tuple[discovery.VaultSurvey, AwsSessions]:
    """Every readable account's vaults in every enabled Region, and the sessions that read."""
    import dataclasses

    if organization is not None and role is not None:
        accounts = [a.id for a in organization.accounts if a.status == "ACTIVE"]
    else:
        accounts = [caller]
    sessions = AwsSessions(dataclasses.replace(settings, role_name=role or DEFAULT_ROLE_NAME))
    say(f"Reading the vaults of {len(accounts)} account(s) in {len(regions)} Region(s)...")
    found = discovery.survey_vaults(sessions, accounts, regions, organization, progress)
    places = sorted({v.region for v in found.vaults})
    say(f"Found {len(found.vaults)} vault(s) in {', '.join(places) or 'no Region'}.")
    names = {a.id: a.name for a in organization.accounts} if organization else {}
    for line in discovery.unreadable_summary(found.errors, names)[:10]:
        say(f"  not read: {line}")
    return found, sessions


def account_choices(
    organization: Organization | None, found: discovery.VaultSurvey
) -> list[tuple[str, str]]:
    """(title, account id) for each account, with its org-wide vault count; "none" last."""
    counts: dict[str, int] = {}
    for vault in found.vaults:
        if vault.org_wide:
            counts[vault.account_id] = counts.get(vault.account_id, 0) + 1
    accounts = organization.accounts if organization else ()
    choices = []
    for account in accounts:
        note = (
            f" - {counts[account.id]} vault(s) open to the organization"
            if account.id in counts
            else ""
        )
        choices.append((f"{account.name} ({account.id}){note}", account.id))
    choices.append(("none", NO_ACCOUNT))
    return choices


def read_old_config(args: argparse.Namespace) -> tuple[Path, ConfigFile]:
    """The file to write and what it holds now (a broken file: one line, exit 2)."""
    from drconsole.config import CONFIG_FILE_NAME, default_config_dir

    flag = getattr(args, "config", None)
    default = str(default_config_dir() / CONFIG_FILE_NAME)
    path = values.config_target(flag) if flag else values.config_target(default, "config file")
    return path, read_config_file(path, required=False)


def describe_org(organization: Organization | None, why: str) -> str:
    """One line about the organization as read."""
    if organization is None:
        return f"Organization: not read ({why})."
    return (
        f"Organization {organization.id}: management account "
        f"{organization.management_account_id}, {len(organization.accounts)} accounts "
        f"in {len(organization.units)} OUs."
    )


def default_runbooks() -> str:
    """The default runbooks folder, written with ~ when under the home folder."""
    return values.home_relative(default_runbooks_dir())


def first(*candidates: Any) -> Any:
    """The first candidate that is not None or empty."""
    return next((c for c in candidates if c not in (None, "", (), [])), None)
