"""Settings precedence, credentials, member access and client sharing, over HTTP to moto."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError
from botocore.retries.adaptive import ClientRateLimiter
from botocore.retries.standard import RetryHandler

from drconsole.aws.inventory import Inventory
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings, load_settings
from drconsole.errors import AwsError, UsageError
from drconsole.models import CauseCode

MEMBER = "111122223333"
OTHER_MEMBER = "444455556666"


def flags(**values: Any) -> argparse.Namespace:
    """A namespace like cli.py's global flags."""
    base = {"profile": None, "regions": None, "role_name": None, "read_only": None, "config": None}
    base.update(values)
    return argparse.Namespace(**base)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real AWS or drconsole config leaks into a test."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".state"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "drconsole" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_aws_config(home: Path, text: str) -> None:
    (home / ".aws" / "config").write_text(text)


# Settings ---------------------------------------------------------------------------------


def test_flags_beat_environment_beat_profile_section_beat_top_level(isolated_home: Path) -> None:
    write_aws_config(isolated_home, "[profile prod]\nregion = eu-west-1\n")
    write_config(
        isolated_home,
        'role_name = "TopRole"\nread_only = false\ndr_regions = ["eu-north-1"]\n'
        'backup_account_id = "222233334444"\n'
        '[profiles.prod]\nrole_name = "ProdRole"\nread_only = true\n',
    )
    env = {"AWS_PROFILE": "prod"}
    settings = load_settings(flags(), env)
    assert settings.profile == "prod"
    assert settings.role_name == "ProdRole"
    assert settings.read_only is True
    assert settings.backup_account_id == "222233334444"
    # Default Regions: the profile's Region, then the configured DR Regions.
    assert settings.regions == ("eu-west-1", "eu-north-1")

    settings = load_settings(flags(role_name="FlagRole", regions=["us-east-1"]), env)
    assert settings.role_name == "FlagRole"
    assert settings.regions == ("us-east-1",)

    settings = load_settings(flags(profile="other"), {**env, "AWS_REGION": "ap-south-1"})
    assert settings.profile == "other"
    assert settings.role_name == "TopRole"
    assert settings.read_only is False
    assert settings.regions == ("ap-south-1", "eu-north-1")


def test_any_source_that_says_read_only_wins(isolated_home: Path) -> None:
    """A profile's `read_only = false` does not switch off the top level's `true`."""
    write_aws_config(isolated_home, "[profile rw]\nregion = eu-west-1\n")
    write_config(isolated_home, "read_only = true\n[profiles.rw]\nread_only = false\n")
    for env in ({"AWS_PROFILE": "rw"}, {"AWS_DEFAULT_PROFILE": "rw"}, {"AWS_REGION": "eu-west-1"}):
        assert load_settings(flags(), env).read_only is True
    assert load_settings(flags(profile="rw"), {}).read_only is True


def test_configured_regions_and_endpoint_from_environment(isolated_home: Path) -> None:
    write_config(isolated_home, 'regions = ["eu-central-1", "eu-north-1"]\n')
    settings = load_settings(
        flags(read_only=True), {"AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_REGION": "x"}
    )
    assert settings.regions == ("eu-central-1", "eu-north-1")
    # botocore's to use, per service (AWS_ENDPOINT_URL_<SERVICE> beats it); checked here.
    assert settings.endpoint_url is None and settings.config_endpoint_url is None
    assert settings.read_only is True
    assert settings.state_dir == isolated_home / ".state" / "drconsole"
    assert settings.config_dir == isolated_home / ".config" / "drconsole"
    assert settings.runbooks_dir == isolated_home / ".config" / "drconsole" / "runbooks"


def test_runbooks_dir_expands_home_and_reads_relative_from_the_config(isolated_home: Path) -> None:
    write_config(
        isolated_home, 'runbooks_dir = "~/dr/runbooks"\n[profiles.ops]\nrunbooks_dir = "rb"\n'
    )
    settings = load_settings(flags(regions=["eu-central-1"]), {})
    assert settings.runbooks_dir == isolated_home / "dr" / "runbooks"
    settings = load_settings(flags(regions=["eu-central-1"], profile="ops"), {})
    assert settings.runbooks_dir == isolated_home / ".config" / "drconsole" / "rb"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('regions = "eu-central-1"\n', "key 'regions' must be a list of strings"),
        ("colour = 1\n", "unknown key 'colour'"),
        ("[profiles.prod]\nreadonly = true\n", "unknown key 'readonly' in [profiles.prod]"),
        ('[profiles.prod]\nread_only = "yes"\n', "'read_only' in [profiles.prod] must be true"),
        ('backup_account_id = "12"\n', "must be a 12-digit account id"),
        ('runbooks_dir = "a\\u001bb"\n', "key 'runbooks_dir' must be a folder path"),
        ('regions = ["a"]\nrole_name = \n', "invalid TOML: Invalid value (at line 2, column 13)"),
    ],
)
def test_bad_config_names_file_and_key(isolated_home: Path, text: str, expected: str) -> None:
    path = write_config(isolated_home, text)
    with pytest.raises(UsageError) as caught:
        load_settings(flags(regions=["eu-central-1"]), {})
    message = str(caught.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="config file not found"):
        load_settings(flags(config=str(tmp_path / "nope.toml"), regions=["eu-central-1"]), {})


def test_no_region_anywhere_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no AWS Region"):
        load_settings(flags(), {})


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="AWS profile 'ghost' not found"):
        load_settings(flags(profile="ghost"), {})


# Credentials ------------------------------------------------------------------------------


def test_expired_sso_session_names_the_login_command(isolated_home: Path) -> None:
    write_aws_config(
        isolated_home,
        "[profile ops]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Admin\nregion = eu-central-1\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = eu-central-1\n",
    )
    sessions = AwsSessions(load_settings(flags(profile="ops"), {}))
    with pytest.raises(AwsError) as caught:
        sessions.caller_account_id()
    assert caught.value.cause == CauseCode.CREDENTIALS_EXPIRED
    message = str(caught.value)
    assert "profile 'ops'" in message
    assert "run `aws sso login --profile ops`" in message
    assert "\n" not in message


def test_missing_credentials_name_the_configure_command(isolated_home: Path) -> None:
    write_aws_config(isolated_home, "[profile bare]\nregion = eu-central-1\n")
    sessions = AwsSessions(load_settings(flags(profile="bare"), {}))
    with pytest.raises(NoCredentialsError) as raw:
        sessions.client("backup").list_backup_vaults()
    error = sessions.error_for(raw.value)
    assert error.cause == CauseCode.CREDENTIALS_EXPIRED
    assert "profile 'bare' are missing: run `aws configure --profile bare`" in str(error)


# Member access ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def sandbox_settings(url: str, **values: Any) -> Settings:
    return Settings(
        regions=("eu-central-1",),
        endpoint_url=url,
        static_credentials=Credentials("AKIAIOSFODNN7EXAMPLE", "management-secret"),
        **values,
    )


def test_member_account_reached_by_assuming_the_role(moto_url: str) -> None:
    sessions = AwsSessions(sandbox_settings(moto_url, role_name="DrRole"))
    assert sessions.caller_account_id() == "123456789012"
    member = sessions.client("sts", MEMBER).get_caller_identity()
    assert member["Account"] == MEMBER
    assert ":assumed-role/DrRole/drconsole-" in member["Arn"]
    # The caller's own account id maps to the caller's identity, not to a role.
    own = sessions.client("sts", "123456789012").get_caller_identity()
    assert own["Arn"] == sessions.caller_identity_arn()


def test_member_accounts_use_the_endpoint_of_the_callers_profile(
    moto_url: str, isolated_home: Path
) -> None:
    write_aws_config(
        isolated_home,
        f"[profile lab]\nregion = eu-central-1\nendpoint_url = {moto_url}\n"
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = lab-secret\n",
    )
    sessions = AwsSessions(load_settings(flags(profile="lab"), {}))
    member = sessions.client("sts", MEMBER).get_caller_identity()
    assert ":assumed-role/OrganizationAccountAccessRole/" in member["Arn"]


def test_clients_are_created_once_and_shared_across_threads(moto_url: str) -> None:
    sessions = AwsSessions(sandbox_settings(moto_url))
    seen: list[Any] = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        seen.append(sessions.client("backup", MEMBER, "eu-north-1"))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1
    assert sessions.client("backup", MEMBER, "eu-central-1") is not seen[0]
    # Assumed-role accounts share one botocore client per service and Region; each account
    # keeps its own retry state: botocore's standard handler (retry quota) and adaptive limiter.
    other = sessions.client("backup", OTHER_MEMBER, "eu-north-1")
    assert other is not seen[0] and other._shared is seen[0]._shared
    assert other.retry_events is not seen[0].retry_events
    handlers = list(seen[0].retry_events._handlers.prefix_search("before-send.backup.ListX"))
    assert any(isinstance(getattr(h, "__self__", None), ClientRateLimiter) for h in handlers)
    handlers = list(seen[0].retry_events._handlers.prefix_search("needs-retry.backup.ListX"))
    assert any(isinstance(getattr(h, "__self__", None), RetryHandler) for h in handlers)
    # The shared client itself retries nothing: its one needs-retry handler forwards the event
    # to the calling account's retry state (no second retry loop around it).
    shared = seen[0]._shared.meta.events._emitter._handlers
    retry_loops = [
        handler
        for handler in shared.prefix_search("needs-retry.backup.ListX")
        # region_health.py only counts the attempts that could not connect, and returns None.
        if not handler.__qualname__.startswith("RegionHealth.")
    ]
    assert len(retry_loops) == 1
    config = seen[0].meta.config
    assert config.retries["total_max_attempts"] == 10
    assert sessions.client("backup").meta.config.retries == {
        "mode": "adaptive",
        "total_max_attempts": 10,
    }
    assert config.connect_timeout == 5
    assert config.max_pool_connections >= 16


def test_member_profiles_map_accounts_to_profiles(
    moto_url: str, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real access key of a user in the member account: moto maps it to that account.
    admin = AwsSessions(sandbox_settings(moto_url))
    iam = admin.client("iam", MEMBER)
    iam.create_user(UserName="operator")
    key = iam.create_access_key(UserName="operator")["AccessKey"]
    (isolated_home / ".aws" / "credentials").write_text(
        f"[member]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    sessions = AwsSessions(sandbox_settings(moto_url, member_profiles=("member",)))
    assert sessions.member_profile_accounts() == {MEMBER: "member"}
    arn = sessions.client("sts", MEMBER).get_caller_identity()["Arn"]
    assert arn.endswith(":user/operator")
    # Without Organizations access, the organization is the caller plus the member profiles.
    org = Inventory(sessions).organization()
    assert [(a.id, a.profile) for a in org.accounts] == [
        ("123456789012", None),
        (MEMBER, "member"),
    ]


# The profile, as botocore resolves it ------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"AWS_DEFAULT_PROFILE": "ro"}, "ro"),
        ({"AWS_PROFILE": "ro"}, "ro"),
        # botocore reads AWS_DEFAULT_PROFILE first.
        ({"AWS_DEFAULT_PROFILE": "ro", "AWS_PROFILE": "rw"}, "ro"),
        ({"AWS_DEFAULT_PROFILE": "rw", "AWS_PROFILE": "ro"}, "rw"),
        ({}, None),
    ],
)
def test_the_profile_is_the_one_botocore_uses(
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    expected: str | None,
) -> None:
    write_aws_config(
        isolated_home,
        "[default]\nregion = eu-west-1\n[profile ro]\nregion = eu-central-1\n"
        "[profile rw]\nregion = eu-north-1\n",
    )
    write_config(isolated_home, "[profiles.ro]\nread_only = true\n")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(flags(), environment)
    assert settings.profile == expected
    assert settings.read_only is (expected == "ro")
    session = AwsSessions(settings)._base
    assert session.profile_name == (expected or "default")
    assert session.region_name == {"ro": "eu-central-1", "rw": "eu-north-1"}.get(
        expected or "", "eu-west-1"
    )


@pytest.mark.parametrize("name", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_an_empty_profile_variable_is_named(name: str) -> None:
    with pytest.raises(UsageError, match=f"{name} is set but empty"):
        load_settings(flags(regions=["eu-central-1"]), {name: ""})


def test_a_read_only_member_profile_gets_the_guard(isolated_home: Path) -> None:
    write_config(isolated_home, "[profiles.prod]\nread_only = true\n")
    settings = load_settings(flags(regions=["eu-central-1"]), {})
    assert settings.read_only is False
    assert settings.read_only_profiles == frozenset({"prod"})
    sessions = AwsSessions(settings)
    assert sessions._guarded(("profile", "prod"))
    assert not sessions._guarded(("profile", "qa"))
    assert not sessions._guarded(("role", MEMBER))
