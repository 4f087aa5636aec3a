"""`drconsole init` from start to end: flags checked first, then AWS read, answers, the file."""

from __future__ import annotations

import argparse
import stat
from collections.abc import Mapping
from typing import Any

from drconsole.aws import discovery
from drconsole.aws.session import AwsSessions
from drconsole.commands import _init_config as config_file
from drconsole.commands import _init_values as values
from drconsole.commands._init_ask import Asker, say
from drconsole.commands._init_flow import (
    NO_ACCOUNT,
    account_choices,
    choose_profile,
    choose_role,
    default_runbooks,
    describe_org,
    discovery_settings,
    first,
    read_old_config,
    survey,
)
from drconsole.commands.credentials import refuse_in_read_only
from drconsole.errors import UsageError
from drconsole.models import Organization

Flags = dict[str, tuple[str, Any]]


def check_flags(args: argparse.Namespace) -> Flags:
    """Every flag's value checked before anything is read: key -> (flag, raw value or None)."""
    regions = getattr(args, "regions", None)
    dr = getattr(args, "dr_regions", None)
    role_flag = "--member-role" if args.member_role is not None else "--role-name"
    role = args.member_role if args.member_role is not None else getattr(args, "role_name", None)
    flags: Flags = {
        "profile": ("--profile", getattr(args, "profile", None)),
        "regions": ("--regions", ", ".join(regions) if regions else None),
        "dr_regions": ("--dr-regions", ", ".join(dr) if dr is not None else None),
        "backup_account": ("--backup-account", args.backup_account),
        "management_account": ("--management-account", args.management_account),
        "role_name": (role_flag, role),
        "read_only": ("--read-only", getattr(args, "write_read_only", None)),
        "runbooks_dir": ("--runbooks-dir", args.runbooks_dir),
        "write": ("--yes", True if args.yes else None),
    }
    if regions is not None and not values.regions(flags["regions"][1], (), "--regions"):
        raise UsageError("--regions: give at least one Region")
    if dr is not None:
        values.regions(flags["dr_regions"][1], (), "--dr-regions")
    for key in ("backup_account", "management_account"):
        flag, value = flags[key]
        if value is not None:
            values.account_id(value, None, flag)
    if role is not None:
        values.role_name(role, role_flag)
    if args.runbooks_dir is not None:
        values.runbooks_dir(args.runbooks_dir, "--runbooks-dir")
    if getattr(args, "config", None):
        values.config_target(args.config)
    return flags


def configure(args: argparse.Namespace, environ: Mapping[str, str], asker: Asker) -> int:
    """Read what there is, settle every answer, show the file, write it once confirmed."""
    path, config = read_old_config(args)
    # Read-only mode changes nothing on the host either: refused before AWS is read or anything
    # asked, once the file is known to be one init may write.
    refuse_in_read_only(args, "init rewrites the config file", new_file_ok=True)
    profile = choose_profile(asker, config, environ)
    settings = discovery_settings(profile, config, args, environ)
    sessions = AwsSessions(settings)
    identity = discovery.read_identity(sessions)
    say(f"Signed in as {identity.arn} (account {identity.account_id})")
    organization, why = discovery.read_organization(sessions)
    say(describe_org(organization, why))
    enabled, why_not = discovery.enabled_regions(sessions)
    if not enabled:
        say(f"Enabled Regions: not read ({why_not}); looking in {settings.home_region} only.")

    check_against_aws(asker, organization, enabled)

    def old(key: str) -> Any:
        return config_file.current(config, profile, key)

    role, working = choose_role(
        asker, settings, config, organization, identity.account_id, flag_value(args)
    )
    if all(asker.given(key) for key in ("backup_account", "regions", "dr_regions")):
        found, reader = discovery.VaultSurvey((), (), (), ()), sessions  # nothing to propose
    else:
        found, reader = survey(
            settings, working, organization, identity.account_id, enabled or settings.regions
        )
    backup = choose_backup(asker, organization, found, old("backup_account_id"))
    in_use = discovery.regions_in_use(found)
    if in_use:
        say("Regions with vaults: " + ", ".join(in_use))
    region_default = first(old("regions"), in_use, settings.regions)

    def nonempty_regions(text: str, where: str) -> tuple[str, ...]:
        chosen = values.regions(text, enabled, where)
        if not chosen:
            raise UsageError(f"{where}: give at least one Region")
        return chosen

    regions = asker.text(
        "regions", "Regions to scan (comma-separated)", ", ".join(region_default), nonempty_regions
    )
    sources = discovery.copy_source_regions(reader, found, backup) if backup else {}
    proposed_dr = discovery.propose_dr_regions(found, backup, sources)
    dr_default = old("dr_regions")  # an empty list in the file is a setting too
    if dr_default is None:
        dr_default = [region for region in proposed_dr if region in regions]
    dr = asker.text(
        "dr_regions",
        "DR Regions, where copies are kept (comma-separated; empty for none)",
        ", ".join(dr_default),
        lambda text, where: values.dr_regions(text, enabled, regions, where),
    )
    read_only = asker.confirm(
        "read_only", "Start in read-only mode by default?", bool(old("read_only"))
    )
    runbooks = asker.text(
        "runbooks_dir",
        "Folder of drill runbooks",
        old("runbooks_dir") or default_runbooks(),
        values.runbooks_dir,
    )
    answers = config_file.Answers(
        profile=profile,
        regions=regions,
        dr_regions=dr,
        role_name=role,
        management_account_id=management(
            asker, organization, old("management_account_id"), identity.account_id
        ),
        backup_account_id=backup,
        read_only=read_only,
        # Only the old file's own endpoint is kept: AWS_ENDPOINT_URL is this shell's (a
        # sandbox, a proxy, with its password perhaps), not a setting to persist for later ones.
        endpoint_url=old("endpoint_url"),
        runbooks_dir=runbooks,
    )
    return show_and_write(asker, path, config, answers)


def check_against_aws(
    asker: Asker, organization: Organization | None, enabled: tuple[str, ...]
) -> None:
    """Flags refuted by the organization or the enabled Regions: one line, before the survey."""
    for key, flag in (
        ("backup_account", "--backup-account"),
        ("management_account", "--management-account"),
    ):
        if asker.given(key):
            values.account_id(str(asker.flag(key)), organization, flag)
    regions: tuple[str, ...] = ()
    if asker.given("regions"):
        regions = values.regions(str(asker.flag("regions")), enabled, "--regions")
    if asker.given("dr_regions"):
        dr = str(asker.flag("dr_regions"))
        if regions:
            values.dr_regions(dr, enabled, regions, "--dr-regions")
        else:
            values.regions(dr, enabled, "--dr-regions")


def flag_value(args: argparse.Namespace) -> str | None:
    """The member role given as a flag (`--member-role`, else the global `--role-name`)."""
    value = args.member_role if args.member_role is not None else getattr(args, "role_name", None)
    return str(value) if value is not None else None


def choose_backup(
    asker: Asker, organization: Organization | None, found: discovery.VaultSurvey, old: str | None
) -> str | None:
    """The backup account: picked from the organization, or typed without one."""
    proposed = discovery.propose_backup_account(found, organization)
    if proposed and old and proposed != old:
        say(f"The config names backup account {old}; vaults open to the organization: {proposed}.")
    default = old or proposed or NO_ACCOUNT

    def parse(text: str, where: str) -> str:
        return values.account_id(text, organization, where) if text.strip() else NO_ACCOUNT

    if organization is None or asker.given("backup_account"):
        chosen = asker.text("backup_account", "Backup account id (empty for none)", default, parse)
    else:
        choices = account_choices(organization, found)
        chosen = asker.choose("backup_account", "Backup account (central vaults)", choices, default)
    return chosen or None


def management(
    asker: Asker, organization: Organization | None, old: str | None, caller: str
) -> str | None:
    """The management account: the flag, else the old value, else the organization's when the
    caller is it. A delegated administrator reads the organization from its own account (the
    organization was just read from it): naming the management account would only send those
    reads through a member role the management account normally lacks."""
    found = organization.management_account_id if organization else None
    default = old or (found if found == caller else "") or ""

    def parse(text: str, where: str) -> str:
        return values.account_id(text, organization, where) if text.strip() else ""

    if asker.given("management_account"):
        return asker.text("management_account", "Management account", default, parse) or None
    return default or None


def show_and_write(
    asker: Asker, path: Any, config: config_file.ConfigFile, answers: config_file.Answers
) -> int:
    """Show the new file (and the diff of the old one); write it once confirmed."""
    top, profiles = config_file.merged(config, answers)
    text = config_file.render(top, profiles)
    old = config_file.old_text(path)
    if old == text:
        say(f"{path} already holds these settings: nothing to write.")
        return 0
    say()
    say(f"{path} will hold:")
    for line in text.splitlines():
        say("    " + line)
    if old:
        say()
        say("Changes to the file as it is now:")
        for line in config_file.diff(path, old, text).splitlines():
            say("    " + line)
        if config_file.comments_lost(old):
            say("Note: the comments of the old file are not kept.")
    question = f"Replace {path} with this?" if old else f"Write {path}?"
    if not asker.confirm("write", question, not old):
        say("Nothing written.")
        return 1
    written = config_file.write(path, text)
    mode = f"mode {stat.S_IMODE(written.stat().st_mode):04o}"
    linked = f"the file it links to, {written}, " if written != path else ""
    say(f"Wrote {path} ({linked}{mode}). Next: `drconsole` opens the console.")
    return 0
