"""Settings: command-line flags, AWS environment variables and the TOML config file, merged.

Precedence, highest first: flags, environment (`AWS_DEFAULT_PROFILE` / `AWS_PROFILE`,
`AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`, `AWS_MAX_ATTEMPTS`), the
`[profiles.NAME]` section of the config file for the active profile, the top level of the config
file, built-in defaults. The active profile is the one botocore itself would use (see
`resolve_profile`), so a profile's `read_only = true` holds however the profile was chosen. The
Regions to scan are `--regions` if given, else `regions` from the config file, else the
profile's Region followed by the configured `dr_regions`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drconsole import limits
from drconsole.aws_environment import check_aws_environment, max_attempts
from drconsole.bounded_read import TooLarge, read_bounded
from drconsole.errors import UsageError

APP_NAME = "drconsole"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
CONFIG_FILE_NAME = "config.toml"
DEFAULT_RETRY_MAX_ATTEMPTS = 10  # total attempts per AWS call, unless AWS_MAX_ATTEMPTS says
# A config file is a few hundred bytes; more than this is some other file given by mistake.
MAX_CONFIG_BYTES = 1024 * 1024

# key -> (expected type description, validator); shared by the top level and profile sections.
_STRING_KEYS = (
    "role_name",
    "management_account_id",
    "backup_account_id",
    "endpoint_url",
    "runbooks_dir",
    "rpo_objective",
)
# The proxies botocore reads from the environment (urllib's getproxies, http and https only).
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
_LIST_KEYS = ("regions", "dr_regions", "member_profiles")
_BOOL_KEYS = ("read_only",)
_INT_KEYS = ("max_workers", "readiness_on_start_max_accounts")
_TOP_ONLY_KEYS = ("profile",)
# Tables of OU path, account id or account name -> duration (readiness RPO objectives).
_TABLE_KEYS = ("rpo_objectives",)
DEFAULT_RPO_OBJECTIVE = "24h"


def default_config_dir() -> Path:
    """The XDG config dir for drconsole (`~/.config/drconsole` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def default_runbooks_dir() -> Path:
    """Where drill runbooks are kept unless `runbooks_dir` says otherwise."""
    return default_config_dir() / "runbooks"


def default_state_dir() -> Path:
    """The XDG state dir for drconsole: the journal and the audit log live here."""
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME))


@dataclass(frozen=True)
class Credentials:
    """Static AWS credentials (the sandbox's, or break-glass ones). Never printed."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Credentials:
        """Build from boto3-style keys, as `Sandbox.credentials_for` gives them."""
        return cls(
            access_key_id=values["aws_access_key_id"],
            secret_access_key=values["aws_secret_access_key"],
            session_token=values.get("aws_session_token"),
        )

    def __repr__(self) -> str:
        # Keep secrets out of logs, tracebacks and snapshots.
        return f"Credentials(access_key_id={self.access_key_id[:4]}..., secret=***)"


@dataclass(frozen=True)
class Settings:
    """Everything drconsole needs to reach AWS: identity, Regions, member access, safety."""

    profile: str | None = None
    regions: tuple[str, ...] = ()
    role_name: str = DEFAULT_ROLE_NAME
    read_only: bool = False
    # drconsole's own endpoint (the embedded sandbox, `drconsole demo`): every client uses it,
    # whatever the AWS configuration says. AWS_ENDPOINT_URL and the rest are botocore's to
    # resolve, per service (aws/endpoints.py).
    endpoint_url: str | None = None
    # `endpoint_url` in this config file: used by a service the AWS configuration gives none.
    config_endpoint_url: str | None = None
    static_credentials: Credentials | None = None
    management_account_id: str | None = None
    backup_account_id: str | None = None
    member_profiles: tuple[str, ...] = ()
    state_dir: Path = field(default_factory=default_state_dir)
    config_dir: Path = field(default_factory=default_config_dir)
    dr_regions: tuple[str, ...] = ()
    max_workers: int = 16
    # The accounts screen decides readiness after its inventory only for organizations up to
    # this size: at a thousand accounts it would cost minutes of CPU and hundreds of MB at every
    # start; larger ones open `:readiness` when they want it.
    readiness_on_start_max_accounts: int = 200
    config_file: Path | None = None
    # The environment variable botocore reads the profile from (None: a flag or the config
    # chose it, or no profile is set); the session then lets botocore resolve it itself.
    profile_env_var: str | None = None
    # Profiles whose [profiles.NAME] section says read_only = true (member profiles included).
    read_only_profiles: frozenset[str] = frozenset()
    # The runbooks folder (drills); `runbooks_dir` in the config file.
    runbooks_dir: Path = field(default_factory=default_runbooks_dir)
    # total attempts per call (adaptive retries); tests lower it
    retry_max_attempts: int = DEFAULT_RETRY_MAX_ATTEMPTS
    # Where `regions` came from, said next to every listing ("--region", "config file", ...).
    regions_source: str = ""
    # `--break-glass NAME`: the identity of that name in the OS keyring replaces the profile's.
    break_glass: str | None = None
    # Where `runbooks_dir` came from ("--runbooks", "config file", "default"; the demo lists
    # the example runbooks when it is the default).
    runbooks_dir_source: str = "default"
    # Readiness: how old the newest backup may be (`rpo_objective`), and per OU path, account
    # id or account name (`[rpo_objectives]`); durations such as 24h, 3d.
    rpo_objective: str = DEFAULT_RPO_OBJECTIVE
    rpo_objectives: tuple[tuple[str, str], ...] = ()
    # AWS_REGION / AWS_DEFAULT_REGION, else the profile's Region (None: neither is set), even
    # when `regions` came from elsewhere: its account surely has it enabled, so the caller's
    # STS calls go there first when it is scanned (aws/caller_identity.py).
    configured_region: str | None = None

    @property
    def home_region(self) -> str:
        """The first Region scanned (us-east-1 when none is): where a listing starts. The
        caller's global calls (STS, Organizations, IAM) go to `AwsSessions.global_region()`."""
        return self.regions[0] if self.regions else "us-east-1"


def _check_type(path: Path, section: str, key: str, value: Any) -> None:
    """Raise UsageError when `value` does not have the type `key` needs."""
    where = f"{path}: key '{key}'" + (f" in [{section}]" if section else "")
    if key in _TABLE_KEYS:
        if not isinstance(value, dict):
            raise UsageError(f"{where} must be a table ([{key}]), got {limits.shown(value)}")
        for name, item in value.items():
            limits.duration(item, f"{where}: entry {limits.shown(name)}")
        return
    if key in _STRING_KEYS or key in _TOP_ONLY_KEYS:
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where} must be a non-empty string, got {limits.shown(value)}")
    elif key in _LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise UsageError(f"{where} must be a list of strings, got {limits.shown(value)}")
    elif key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false, got {limits.shown(value)}")
    elif key in _INT_KEYS and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UsageError(f"{where} must be a positive integer, got {limits.shown(value)}")
    if key == "max_workers":
        limits.bounded_int(value, 1, limits.MAX_WORKERS, where)
    elif key == "readiness_on_start_max_accounts":
        limits.bounded_int(value, 1, limits.MAX_ACCOUNTS, where)
    elif key in ("regions", "dr_regions"):
        for item in value:
            limits.region(item, where)
    elif key == "endpoint_url":
        limits.endpoint_url(value, where)
    elif key == "role_name":
        limits.role(value, where)
    elif key == "rpo_objective":
        limits.duration(value, where)
    elif key == "runbooks_dir" and limits.has_controls(value):
        raise UsageError(f"{where} must be a folder path, got {limits.shown(value)}")
    if key in ("management_account_id", "backup_account_id") and not (
        len(value) == 12 and value.isascii() and value.isdigit()
    ):
        raise UsageError(f"{where} must be a 12-digit account id, got {limits.shown(value)}")


def _validate_section(path: Path, section: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """Check every key of one table; return it as a plain dict."""
    allowed = set(_STRING_KEYS + _LIST_KEYS + _BOOL_KEYS + _INT_KEYS + _TABLE_KEYS)
    if not section:
        allowed |= set(_TOP_ONLY_KEYS)
    for key, value in table.items():
        if key not in allowed:
            where = f" in [{section}]" if section else ""
            known = ", ".join(sorted(allowed | ({"profiles"} if not section else set())))
            name = limits.shown(key)
            raise UsageError(f"{path}: unknown key {name}{where} (known keys: {known})")
        _check_type(path, section, key, value)
    return dict(table)


@dataclass(frozen=True)
class ConfigFile:
    """The parsed, validated config file: top-level keys and per-profile sections."""

    path: Path | None
    top: dict[str, Any]
    profiles: dict[str, dict[str, Any]]

    def section_for(self, profile: str | None) -> dict[str, Any]:
        """The profile's section (the `default` section when no profile is set), or {}."""
        return self.profiles.get(profile or "default", {})


def read_config_file(path: Path, *, required: bool) -> ConfigFile:
    """Parse and validate a config file; a missing optional file is an empty config."""
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        if required:
            raise UsageError(f"config file not found: {path}") from None
        return ConfigFile(None, {}, {})
    except OSError as error:
        raise UsageError(f"cannot read config file {path}: {error.strerror}") from None
    except TooLarge as error:
        raise UsageError(f"config file {path}: {error} (is it the right file?)") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # a byte-order mark is no TOML error
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    profiles_table = data.pop("profiles", {})
    if not isinstance(profiles_table, dict):
        raise UsageError(f"{path}: 'profiles' must be a table of [profiles.NAME] sections")
    top = _validate_section(path, "", data)
    profiles: dict[str, dict[str, Any]] = {}
    for name, table in profiles_table.items():
        if not isinstance(table, dict):
            shown = limits.shown(name)
            raise UsageError(f"{path}: profiles.{shown} must be a table ([profiles.NAME])")
        profiles[name] = _validate_section(path, f"profiles.{name}", table)
    return ConfigFile(path, top, profiles)


def _env(environ: Mapping[str, str], *names: str) -> str | None:
    """The first non-empty environment variable among `names`."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _env_region(environ: Mapping[str, str]) -> str | None:
    """The Region from AWS_REGION or AWS_DEFAULT_REGION, checked and naming its variable."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = _env(environ, name)
        if value:
            return limits.region(value, name)
    return None


def _configured_region(environ: Mapping[str, str], profile: str | None) -> str | None:
    """AWS_REGION / AWS_DEFAULT_REGION, else the profile's Region; None when neither is set or
    usable. Only a preference for where the caller's STS calls go: a Region that cannot be
    used here is reported where it is used as the Region to scan, not here."""
    from botocore.exceptions import BotoCoreError

    try:
        return _env_region(environ) or profile_region(profile)
    except (UsageError, BotoCoreError):  # an AWS config file botocore cannot read, say
        return None


def profile_region(profile: str | None) -> str | None:
    """The Region configured for an AWS CLI profile (~/.aws/config), as botocore resolves it."""
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    session = botocore.session.Session(profile=profile)
    try:
        region = session.get_config_variable("region")
    except ProfileNotFound:
        shown = limits.shown(profile)
        raise UsageError(f"AWS profile {shown} not found in the AWS config files") from None
    if not region:
        return None
    return limits.region(str(region), f"region of AWS profile {limits.shown(profile or 'default')}")


def botocore_profile_variables() -> tuple[str, ...]:
    """The environment variables botocore reads the profile from, in its order of precedence."""
    import botocore.session

    names = botocore.session.Session.SESSION_VARIABLES["profile"][1]
    return (names,) if isinstance(names, str) else tuple(names)


def resolve_profile(
    flag: str | None, environ: Mapping[str, str], config_profile: str | None
) -> tuple[str | None, str | None]:
    """(profile, environment variable it came from): the profile botocore will use.

    `--profile` first; then botocore's own environment variables, in botocore's order
    (`AWS_DEFAULT_PROFILE` before `AWS_PROFILE`) and with its rule that a variable set to any
    value, even empty, counts; then the config file's `profile`; else None (botocore's
    `default` profile).
    """
    if flag:
        return flag, None
    for name in botocore_profile_variables():
        if name in environ:
            value = environ[name]
            if not value.strip():
                raise UsageError(f"{name} is set but empty: unset it or name an AWS profile")
            return value, name
    return config_profile, None


def runbooks_dir(value: str | None, config_path: Path | None) -> Path:
    """The runbooks folder: `~` expanded, a relative path taken from the config file's folder."""
    if not value:
        return default_runbooks_dir()
    from drconsole.user_paths import expanded

    path = expanded(value, "config file runbooks_dir")
    if not path.is_absolute() and config_path is not None:
        path = config_path.parent / path
    return path


def _unique(values: list[str]) -> tuple[str, ...]:
    """Values in order, duplicates dropped."""
    return tuple(dict.fromkeys(values))


def config_file_exists(args: argparse.Namespace) -> bool:
    """True when the config file drconsole would read (`--config` or the XDG one) exists."""
    flag_config = getattr(args, "config", None)
    path = Path(flag_config) if flag_config else default_config_dir() / CONFIG_FILE_NAME
    return path.exists()


def read_only_setting(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None, *, new_file_ok: bool = False
) -> bool:
    """Whether read-only mode is on (the flag, the config's or the active profile's
    `read_only`), for a command that changes only local state and needs no Region.
    `new_file_ok`: a --config file that does not exist yet is an empty one (init creates it)."""
    environ = os.environ if environ is None else environ
    flag_config = getattr(args, "config", None)
    config_path = Path(flag_config) if flag_config else default_config_dir() / CONFIG_FILE_NAME
    config = read_config_file(config_path, required=bool(flag_config) and not new_file_ok)
    profile, _ = resolve_profile(getattr(args, "profile", None), environ, config.top.get("profile"))
    return _read_only(args, config, config.section_for(profile))


def _read_only(args: argparse.Namespace, config: ConfigFile, section: Mapping[str, Any]) -> bool:
    # Any source that says read-only wins: a profile's `read_only = false` cannot switch off
    # a top-level `read_only = true` (nor the flag); it only means "no more than the top".
    return (
        bool(getattr(args, "read_only", None))
        or config.top.get("read_only") is True
        or section.get("read_only") is True
    )


def load_settings(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Merge flags, environment and config file into Settings (see the module docstring).

    `overrides` replace fields after merging (the sandbox passes its endpoint and credentials).
    """
    environ = os.environ if environ is None else environ
    config_dir = default_config_dir()
    state_dir = default_state_dir()
    flag_config = getattr(args, "config", None)
    config_path = Path(flag_config) if flag_config else config_dir / CONFIG_FILE_NAME
    config = read_config_file(config_path, required=bool(flag_config))

    profile, profile_env_var = resolve_profile(
        getattr(args, "profile", None), environ, config.top.get("profile")
    )
    section = config.section_for(profile)

    def pick(key: str, default: Any = None) -> Any:
        if key in section:
            return section[key]
        return config.top.get(key, default)

    flag_regions = getattr(args, "regions", None)
    configured_region: str | None = None
    read_configured = False  # the environment's or profile's Region read already
    if "regions" in overrides:
        regions = _unique(list(overrides.pop("regions")))
        regions_source = "given"
    elif flag_regions:
        regions = _unique([limits.region(r, "--region") for r in flag_regions])
        regions_source = "--region"
    elif pick("regions"):
        regions = _unique(pick("regions"))
        regions_source = "config file regions"
    else:
        env_home = _env_region(environ)
        home = configured_region = env_home or profile_region(profile)
        read_configured = True
        regions = _unique(([home] if home else []) + list(pick("dr_regions", [])))
        regions_source = "AWS_REGION" if env_home else "the profile's Region"
        if pick("dr_regions"):
            regions_source += " and dr_regions"
    if not read_configured:
        # The Regions came from elsewhere: the environment's or profile's Region still says
        # where the caller's STS calls go first.
        configured_region = _configured_region(environ, profile)
    role_name = limits.role(getattr(args, "role_name", None), "--role-name")
    # Checked here, used by botocore; AWS_ENDPOINT_URL_<SERVICE> too, before any request (the
    # AWS config file's endpoints are checked as each client is made: aws/endpoints.py).
    for name in sorted(n for n in environ if n.startswith("AWS_ENDPOINT_URL")):
        limits.endpoint_url(_env(environ, name), name)
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        limits.session_token(environ.get(name), name)
    limits.credential_part(
        environ.get("AWS_ACCESS_KEY_ID"),
        "AWS_ACCESS_KEY_ID",
        "access key id",
        limits.MAX_ACCESS_KEY_ID,
    )
    limits.credential_part(
        environ.get("AWS_SECRET_ACCESS_KEY"),
        "AWS_SECRET_ACCESS_KEY",
        "secret access key",
        limits.MAX_SECRET_KEY,
    )
    for name in PROXY_VARIABLES:
        limits.proxy_url(environ.get(name), name)
    check_aws_environment(environ)

    read_only = _read_only(args, config, section)
    break_glass = getattr(args, "break_glass", None)
    if break_glass is not None:
        from drconsole.credential_shapes import credentials_name

        credentials_name(break_glass, "--break-glass")
        if "static_credentials" in overrides:
            raise UsageError("--break-glass applies to AWS, not to the sandbox's own credentials")
    runbooks_folder = runbooks_dir(pick("runbooks_dir"), config.path)
    runbooks_source = "config file" if pick("runbooks_dir") else "default"
    if getattr(args, "runbooks", None):
        if limits.has_controls(args.runbooks):
            raise UsageError(f"--runbooks must be a folder path, got {limits.shown(args.runbooks)}")
        from drconsole.user_paths import expanded

        runbooks_folder, runbooks_source = expanded(args.runbooks, "--runbooks"), "--runbooks"
    settings = Settings(
        profile=profile,
        regions=regions,
        role_name=role_name or pick("role_name", DEFAULT_ROLE_NAME),
        read_only=read_only,
        config_endpoint_url=pick("endpoint_url"),
        management_account_id=pick("management_account_id"),
        backup_account_id=pick("backup_account_id"),
        # Break-glass replaces every profile: members are reached by assuming the role.
        member_profiles=() if break_glass else tuple(pick("member_profiles", [])),
        state_dir=state_dir,
        config_dir=config_dir,
        dr_regions=tuple(pick("dr_regions", [])),
        max_workers=int(pick("max_workers", 16)),
        readiness_on_start_max_accounts=int(pick("readiness_on_start_max_accounts", 200)),
        config_file=config.path,
        regions_source=regions_source,
        profile_env_var=profile_env_var,
        runbooks_dir=runbooks_folder,
        runbooks_dir_source=runbooks_source,
        break_glass=break_glass,
        rpo_objective=pick("rpo_objective", DEFAULT_RPO_OBJECTIVE),
        rpo_objectives=tuple((str(k), str(v)) for k, v in pick("rpo_objectives", {}).items()),
        read_only_profiles=frozenset(
            name for name, table in config.profiles.items() if table.get("read_only") is True
        ),
        configured_region=configured_region,
    )
    attempts = max_attempts(environ)
    if attempts is not None:
        settings = dataclasses.replace(settings, retry_max_attempts=attempts)
    if overrides:
        settings = dataclasses.replace(settings, **overrides)
    if not settings.regions:
        where = f"profile '{profile}'" if profile else "the default profile"
        raise NoRegionError(
            f"no AWS Region: pass --region, set AWS_REGION, or set a region for {where}"
        )
    return settings


class NoRegionError(UsageError):
    """No Region is set anywhere: every other setting was read and found right."""
