"""Property-based fuzzing of every way a person can give drconsole bad input.

Every subcommand's flags, the environment variables drconsole and botocore read, the config
file, the AWS config and credentials files, and policies: each generated case is a user mistake
by construction, and must end in exit 2 with exactly one line on stderr naming it, no traceback,
no raw control character, and nothing in the state directory. Most cases run in process through
`drconsole.cli.main` (the real code); `test_real_processes` runs a sample as real processes.
The groups live in `BAD_INPUT` (tests/bad_input.py), which other commands extend.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.flows.ids import is_flow_id, is_run_id
from tests.bad_input import (
    BAD_INPUT,
    CONTROL_CHARACTERS,
    COUNTS,
    Case,
    assert_one_line_usage_error,
    register,
    run_in_process,
    run_process,
    state_files,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RP = "arn:aws:backup:eu-central-1:111122223333:recovery-point:1b2c3d4e-aaaa-bbbb-cccc-0123456789ab"
VAULT = "arn:aws:backup:eu-north-1:444455556666:backup-vault:dr-vault"
RDS_RP = "arn:aws:rds:eu-central-1:111122223333:snapshot:awsbackup:job-0123abcd"
PRINCIPAL = "arn:aws:iam::111122223333:root"
# How AWS spells Regions (written here on its own, not taken from drconsole).
REGION = re.compile(r"[a-z]{2}(-[a-z]+){1,3}-[0-9]{1,2}")
PRINTABLE = string.ascii_letters + string.digits + "-_./:@+= "

# --- values that are wrong by construction -------------------------------------------------


def with_control(base: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """A value with a control character inside it (surrounding whitespace is trimmed, as the
    AWS CLI trims it, so the character is never at either end)."""
    head = base if base is not None else st.text(PRINTABLE.strip(), min_size=1, max_size=12)
    return st.builds(
        lambda a, c, b: a + c + b,
        head,
        st.sampled_from(CONTROL_CHARACTERS),
        st.text(string.ascii_letters, min_size=1, max_size=8),
    )


def huge(low: int, high: int) -> st.SearchStrategy[str]:
    """Integers outside [low, high], up to far past any machine word, as text."""
    return st.one_of(
        st.integers(min_value=high + 1, max_value=10**40),
        st.integers(min_value=-(10**40), max_value=low - 1),
    ).map(str)


NOT_A_NUMBER = st.sampled_from(["", "ten", "1.5", "1e3", "0x10", "NaN", "--", "9" * 5000])
NOT_A_FLOAT = st.sampled_from(["", "fast", "1,5", "0x1", "--"])


def bad_float(low: float, high: float) -> st.SearchStrategy[str]:
    numbers = st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not low <= x <= high)
    return st.one_of(numbers.map(repr), NOT_A_FLOAT)


BAD_REGION = st.one_of(
    with_control(st.just("eu-central-1")),
    st.text(PRINTABLE + "!;|", min_size=1, max_size=24).filter(
        lambda s: s.strip() and "," not in s and not REGION.fullmatch(s.strip())
    ),
)
BAD_ROLE = st.one_of(
    with_control(st.just("Admin")),
    st.builds(lambda c: f"bad{c}name", st.sampled_from(" !#$%^&*()|;<>'\"~`[]{}\\")),
    st.text(string.ascii_letters, min_size=65, max_size=120),
)
BAD_ACCOUNT = st.one_of(
    st.text(string.digits, min_size=1, max_size=30).filter(lambda s: len(s) != 12),
    st.just("١٢٣٤٥٦٧٨٩٠١٢"),  # twelve digits, but not ASCII ones
    st.builds(lambda s: s[:11] + "x", st.text(string.digits, min_size=12, max_size=12)),
    with_control(st.just("11112222333")),
)
# A partition that is not the Region's (as AWS groups Regions: cn-*, us-gov-*, the rest).
PARTITION_OF = {"eu-central-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}
WRONG_PARTITION = st.tuples(
    st.sampled_from(sorted(PARTITION_OF)), st.sampled_from(["aws", "aws-cn", "aws-us-gov"])
).filter(lambda pair: PARTITION_OF[pair[0]] != pair[1])
BAD_ARN = st.one_of(
    st.text(PRINTABLE, max_size=40).filter(lambda s: not s.startswith("arn:")),
    with_control(st.just(RP[:-4])),
    st.builds(lambda s: f"arn:aws:backup:{s}", st.text(PRINTABLE, max_size=30)),
    st.just("arn:" + "x" * 5000),
    WRONG_PARTITION.map(
        lambda pair: f"arn:{pair[1]}:backup:{pair[0]}:111122223333:recovery-point:abc"
    ),
    WRONG_PARTITION.map(lambda pair: f"arn:{pair[1]}:ec2:{pair[0]}::snapshot/snap-0123abcd"),
    WRONG_PARTITION.map(
        lambda pair: f"arn:{pair[1]}:fsx:{pair[0]}:111122223333:backup/backup-0123abcd"
    ),
    WRONG_PARTITION.map(
        lambda pair: f"arn:{pair[1]}:redshift:{pair[0]}:111122223333:snapshot:dw/nightly"
    ),
    # FSx backups and Redshift snapshots with a part missing or of another kind.
    st.sampled_from(
        [
            "arn:aws:fsx:eu-central-1:111122223333:backup/fs-0123456789abcdef0",
            "arn:aws:fsx:eu-central-1::backup/backup-0123456789abcdef0",
            "arn:aws:redshift:eu-central-1:111122223333:snapshot:dw",
            "arn:aws:redshift:eu-central-1::snapshot:dw/nightly",
        ]
    ),
)
BAD_VAULT = st.one_of(
    BAD_ARN,
    WRONG_PARTITION.map(
        lambda pair: f"arn:{pair[1]}:backup:{pair[0]}:444455556666:backup-vault:v1"
    ),
    st.builds(lambda n: VAULT.rsplit(":", 1)[0] + ":" + n, st.sampled_from(["a", "x" * 51, "b!d"])),
)
BAD_METADATA = st.one_of(
    st.text(PRINTABLE.replace("=", ""), max_size=20),  # no '='
    st.builds(lambda k: f"{k}=v", st.sampled_from(["1key", "bad key", "k!", "x" * 129])),
    st.builds(lambda v: f"volumeType={v}", with_control()),
    st.just("=value"),
)
DUPLICATE_METADATA = st.builds(
    lambda key, spell, a, b: (f"{key}={a}", f"{spell(key)}={b}"),
    st.sampled_from(["targetTableName", "volumeType", "MasterUserPassword"]),
    st.sampled_from([str.lower, str.upper, str]),
    st.text(string.ascii_letters, min_size=1, max_size=8),
    st.text(string.ascii_letters, min_size=1, max_size=8),
)
# A role ARN in an account that is neither RP's (111122223333) nor, for a restore after the
# copy, VAULT's (444455556666).
FOREIGN_ROLE = st.builds(
    lambda account, name: f"arn:aws:iam::{account}:role/{name}",
    st.sampled_from(["999988887777", "444455556666", "000000000001"]),
    st.sampled_from(["service-role/AWSBackupDefaultServiceRole", "BackupRole"]),
)
BAD_SINCE = st.one_of(
    st.integers(min_value=36_700, max_value=10**30).map(lambda n: f"{n}d"),
    st.integers(min_value=10**16, max_value=10**30).map(lambda n: f"{n}m"),
    st.sampled_from(["yesterday", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-23:59"]),
    with_control(st.just("7d")),
)


def case(*argv: str, env: dict[str, str | None] | None = None, **files: bytes) -> Case:
    return Case(tuple(argv), env or {}, {k.replace("__", "/"): v for k, v in files.items()})


def slot(strategy: st.SearchStrategy[str], build) -> st.SearchStrategy[Case]:
    """Cases built by putting each bad value into one place of a command line."""
    return strategy.map(build)


# --- the groups ------------------------------------------------------------------------------

FLAG_CASES = st.one_of(
    # global flags, before and after the subcommand
    slot(BAD_REGION, lambda v: case("--region", v, "ls", "vaults")),
    slot(BAD_REGION, lambda v: case("ls", "recovery-points", "--region", v)),
    # an empty member: `--region "$REGION"` with REGION unset, a stray comma
    slot(
        st.lists(st.sampled_from(["eu-central-1", "eu-north-1", "", " "]), min_size=1).filter(
            lambda parts: any(not part.strip() for part in parts)
        ),
        lambda parts: case("--region", ",".join(parts), "ls", "vaults"),
    ),
    slot(BAD_ROLE, lambda v: case("--role-name", v, "ls", "accounts")),
    slot(
        st.text(PRINTABLE, min_size=1, max_size=20).filter(lambda s: s.strip() != "default"),
        lambda v: case("--profile", "nope-" + v, "ls", "vaults"),
    ),
    slot(st.just("{home}/missing.toml"), lambda v: case("--config", v, "ls", "vaults")),
    # ls
    slot(BAD_SINCE, lambda v: case("ls", "jobs", "--since", v)),
    # drill run's evidence: checked before the drill starts (it failed after the last target)
    slot(
        st.one_of(
            st.sampled_from(["/etc/hostname", "/etc/hostname/reports", ""]),
            with_control(st.just("{home}/reports")),
        ),
        lambda v: case("drill", "run", "{home}/r.yaml", "--yes", "--report-dir", v),
    ),
    slot(
        st.sampled_from(["{home}", "/etc/hostname/drill.xml", ""]),
        lambda v: case("drill", "resume", "20261205T012221Z-6484fa", "--yes", "--junit", v),
    ),
    # drill cleanup --wait: a duration (30m, 1h, 45s) or 0
    slot(
        st.one_of(
            with_control(st.just("1h")),
            st.sampled_from(["", "soon", "-5", "-1h", "1.5h", "inf", "nan", "1e400", "h", "5x"]),
            st.text(string.ascii_letters, min_size=1, max_size=6).map(lambda v: "9" + v + "9"),
        ),
        lambda v: case("drill", "cleanup", "20261205T012221Z-6484fa", "--yes", "--wait", v),
    ),
    # --account takes an id or a name: a wrong number of digits, a control character, too long
    slot(
        st.one_of(
            st.text(string.digits, min_size=1, max_size=30).filter(lambda s: len(s) != 12),
            with_control(),
            st.text(string.ascii_letters, min_size=51, max_size=80),
        ),
        lambda v: case("ls", "vaults", "--account", v),
    ),
    slot(
        st.text(string.ascii_letters, min_size=1, max_size=12).filter(
            lambda s: s.lower() not in {"ebs", "ec2", "rds", "efs", "s3", "aurora", "dynamodb"}
        ),
        lambda v: case("ls", "recovery-points", "--resource-type", "x" + v),
    ),
    slot(with_control(), lambda v: case("ls", v)),
    # check copy / check restore
    slot(BAD_ARN, lambda v: case("check", "copy", "--recovery-point", v, "--to", VAULT)),
    slot(BAD_VAULT, lambda v: case("check", "copy", "--recovery-point", RP, "--to", v)),
    slot(
        huge(1, 36500),
        lambda v: case(
            "check", "copy", "--recovery-point", RP, "--to", VAULT, "--delete-after-days", v
        ),
    ),
    slot(
        NOT_A_NUMBER,
        lambda v: case(
            "check", "copy", "--recovery-point", RP, "--to", VAULT, "--delete-after-days", v
        ),
    ),
    slot(
        st.one_of(BAD_ROLE.map(lambda r: f"arn:aws:iam::111122223333:role/{r}"), BAD_ARN),
        lambda v: case("check", "copy", "--recovery-point", RP, "--to", VAULT, "--role-arn", v),
    ),
    slot(BAD_METADATA, lambda v: case("check", "restore", "--recovery-point", RP, "--metadata", v)),
    slot(BAD_ACCOUNT, lambda v: case("check", "restore", "--recovery-point", RP, "--account", v)),
    # copy / restore (with --yes --json: no prompt)
    slot(
        huge(1, 36500),
        lambda v: case(
            "copy",
            "--recovery-point",
            RP,
            "--to",
            VAULT,
            "--yes",
            "--json",
            "--delete-after-days",
            v,
        ),
    ),
    slot(
        BAD_ROLE,
        lambda v: case("copy", "--recovery-point", RP, "--to", VAULT, "--yes", "--copy-role", v),
    ),
    slot(
        BAD_ROLE,
        lambda v: case(
            "copy", "--recovery-point", RP, "--to", VAULT, "--yes", "--restore", "--restore-role", v
        ),
    ),
    slot(
        BAD_METADATA,
        lambda v: case(
            "copy", "--recovery-point", RP, "--to", VAULT, "--yes", "--restore", "--metadata", v
        ),
    ),
    slot(
        bad_float(0.05, 30),
        lambda v: case(
            "copy", "--recovery-point", RP, "--to", VAULT, "--yes", f"--poll-interval={v}"
        ),
    ),
    slot(
        BAD_ACCOUNT,
        lambda v: case("restore", "--recovery-point", RP, "--yes", "--source-account", v),
    ),
    slot(BAD_ROLE, lambda v: case("restore", "--recovery-point", RP, "--yes", "--restore-role", v)),
    slot(BAD_ARN, lambda v: case("restore", "--recovery-point", v, "--yes")),
    # jobs
    slot(bad_float(0.05, 30), lambda v: case("jobs", f"--poll-interval={v}")),
    # policy simulate (the policy itself is fuzzed in its own group)
    slot(
        st.one_of(
            with_control(st.just("s3:Get")),
            st.text(PRINTABLE, max_size=20).filter(
                lambda s: not re.fullmatch(r"[A-Za-z0-9_-]+:[A-Za-z0-9_-]+", s.strip())
            ),
        ),
        lambda v: case(
            "policy",
            "simulate",
            "--policy",
            "{home}/p.json",
            "--action",
            v,
            "--principal",
            PRINCIPAL,
            **{"p.json": b'{"Statement":{"Effect":"Allow","Action":"*"}}'},
        ),
    ),
    slot(
        st.text(PRINTABLE.replace("=", ""), max_size=20),
        lambda v: case(
            "policy",
            "simulate",
            "--policy",
            "{home}/p.json",
            "--action",
            "s3:Get",
            "--principal",
            PRINCIPAL,
            "--context",
            v,
            **{"p.json": b'{"Statement":{"Effect":"Allow","Action":"*"}}'},
        ),
    ),
    slot(
        st.sampled_from(["{home}/none.json", "{home}", "{home}/" + "n" * 300, "{home}/x/../y"]),
        lambda v: case(
            "policy", "simulate", "--policy", v, "--action", "s3:Get", "--principal", PRINCIPAL
        ),
    ),
    # sandbox and demo knobs: refused before anything starts
    slot(huge(0, 65535), lambda v: case("sandbox", "--port", v)),
    slot(
        st.one_of(
            st.floats(max_value=0).map(repr),
            st.floats(min_value=1_000_001, allow_infinity=True).map(repr),
            st.just("nan"),
        ),
        lambda v: case("sandbox", f"--time-scale={v}"),
    ),
    slot(huge(0, 60000), lambda v: case("sandbox", f"--latency-ms={v}")),
    slot(bad_float(0, 0.999), lambda v: case("demo", f"--throttle-rate={v}")),
    slot(with_control(), lambda v: case("sandbox", "--scenario", v)),
    slot(with_control(), lambda v: case("demo", "--access-denied", v)),
)

# Metadata keys and roles that cannot be sent as given: refused before any AWS call.
METADATA_AND_ROLE_CASES = st.one_of(
    # the same metadata key twice (AWS Backup ignores the keys' case): both named
    slot(
        DUPLICATE_METADATA,
        lambda pair: case(
            "restore", "--recovery-point", RP, "--yes", "--metadata", pair[0], "--metadata", pair[1]
        ),
    ),
    slot(
        DUPLICATE_METADATA,
        lambda pair: case(
            "copy",
            "--recovery-point",
            RP,
            "--to",
            VAULT,
            "--yes",
            "--restore",
            "--metadata",
            pair[0],
            "--metadata",
            pair[1],
        ),
    ),
    # a role ARN of an account other than the one whose job passes it
    slot(
        FOREIGN_ROLE,
        lambda v: case("copy", "--recovery-point", RP, "--to", VAULT, "--yes", "--copy-role", v),
    ),
    slot(
        FOREIGN_ROLE,
        lambda v: case("restore", "--recovery-point", RP, "--yes", "--restore-role", v),
    ),
    slot(
        FOREIGN_ROLE.filter(lambda v: ":444455556666:" not in v),
        lambda v: case(
            "copy", "--recovery-point", RP, "--to", VAULT, "--yes", "--restore", "--restore-role", v
        ),
    ),
    # a database copy across account and Region may take two hops: a role ARN fits only one
    slot(
        st.sampled_from(["auto", "two-hop"]),
        lambda route: case(
            "copy",
            "--recovery-point",
            RDS_RP,
            "--to",
            VAULT,
            "--yes",
            "--route",
            route,
            "--copy-role",
            "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole",
        ),
    ),
    # a resume's --metadata gives back a secret only, and only with --resume
    slot(
        st.sampled_from(["targetTableName=x", "volumeType=gp3", "Port=5432"]),
        lambda v: case("jobs", "--resume", "--flow", "0123456789ab", "--metadata", v),
    ),
    st.just(case("jobs", "--resume", "--metadata", "MasterUserPassword=Sup3rS3cret")),
    st.just(case("jobs", "--metadata", "MasterUserPassword=Sup3rS3cret")),
)

ENV_CASES = st.one_of(
    slot(BAD_REGION, lambda v: case("ls", "vaults", env={"AWS_REGION": v})),
    slot(
        BAD_REGION,
        lambda v: case("ls", "vaults", env={"AWS_REGION": None, "AWS_DEFAULT_REGION": v}),
    ),
    slot(
        st.one_of(
            st.sampled_from(
                [
                    "not a url",
                    "ftp://host",
                    "http://",
                    "http://[::1",
                    "http://h:99999",
                    "http://h:port",
                    "//host",
                    "http://h:0",
                ]
            ),
            with_control(st.just("http://127.0.0.1")),
        ),
        lambda v: case("ls", "vaults", env={"AWS_ENDPOINT_URL": v}),
    ),
    slot(
        st.text(string.ascii_letters + "-", min_size=1, max_size=12).filter(
            lambda s: s not in {"legacy", "auto", "standard", "in-region", "cross-region", "mobile"}
        ),
        lambda v: case("ls", "vaults", env={"AWS_DEFAULTS_MODE": v}),
    ),
    slot(
        st.text(string.ascii_letters, min_size=1, max_size=12).filter(
            lambda s: s not in {"legacy", "regional"}
        ),
        lambda v: case("ls", "vaults", env={"AWS_STS_REGIONAL_ENDPOINTS": v}),
    ),
    slot(
        st.one_of(
            st.integers(min_value=16385, max_value=200_000).map(lambda n: "A" * n),
            with_control(st.just("IQoJb3JpZ2luX2VjE")),
        ),
        lambda v: case("ls", "vaults", env={"AWS_SESSION_TOKEN": v}),
    ),
    slot(
        st.text(PRINTABLE, min_size=1, max_size=16).filter(lambda s: s.strip() != "default"),
        lambda v: case("ls", "vaults", env={"AWS_PROFILE": "nope-" + v}),
    ),
    slot(
        st.tuples(st.sampled_from(["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]), with_control()),
        lambda pair: case("ls", "vaults", env={pair[0]: pair[1]}),
    ),
    st.just(case("ls", "vaults", env={"AWS_SECRET_ACCESS_KEY": ""})),
    slot(
        st.tuples(
            st.sampled_from(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
            st.one_of(
                with_control(st.just("AKIAIOSFODNN7EXAMPLE")),
                st.just("AKIA EXAMPLE"),
                st.integers(min_value=1025, max_value=50_000).map(lambda n: "A" * n),
            ),
        ),
        lambda pair: case("ls", "vaults", env={pair[0]: pair[1]}),
    ),
    slot(
        st.tuples(
            st.sampled_from(["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]),
            st.one_of(
                st.sampled_from(
                    ["http://[::1", "http://proxy:99999", "http://proxy:port", "http://"]
                ),
                with_control(st.just("http://proxy")),
            ),
        ),
        lambda pair: case("ls", "vaults", env={pair[0]: pair[1]}),
    ),
    slot(
        st.text(string.ascii_letters, min_size=1, max_size=12),
        lambda name: case("ls", "vaults", env={"AWS_CA_BUNDLE": f"/nonexistent/{name}.pem"}),
    ),
    slot(
        st.sampled_from(
            [
                "AWS_ACCOUNT_ID_ENDPOINT_MODE",
                "AWS_REQUEST_CHECKSUM_CALCULATION",
                "AWS_METADATA_SERVICE_TIMEOUT",
            ]
        ),
        lambda name: case("ls", "vaults", env={name: "bogus"}),
    ),
    # What botocore reads loosely: an unknown retry mode, a boolean it would take as false, an
    # AWS file that is a folder (it read as empty: every profile gone without a word).
    slot(
        st.text(string.ascii_letters, min_size=1, max_size=12).filter(
            lambda mode: mode not in ("legacy", "standard", "adaptive")
        ),
        lambda mode: case("ls", "vaults", env={"AWS_RETRY_MODE": mode}),
    ),
    slot(
        st.tuples(
            st.sampled_from(["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"]),
            st.text(string.ascii_letters + "01", min_size=1, max_size=8).filter(
                lambda value: value.lower() not in ("true", "false")
            ),
        ),
        lambda pair: case("ls", "vaults", env={pair[0]: pair[1]}),
    ),
    slot(
        st.sampled_from(["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]),
        lambda name: case("ls", "vaults", env={name: "{home}"}),
    ),
)


def toml_value(value: object) -> str:
    return json.dumps(value)  # JSON scalars and arrays are TOML too


CONFIG_CASES = st.one_of(
    slot(
        st.sampled_from(
            [
                "regions = 'eu-central-1'",
                "regions = [1]",
                "read_only = 'yes'",
                "max_workers = 0",
                "max_workers = 99999999999999",
                "max_workers = 1.5",
                "management_account_id = '12345'",
                "endpoint_url = 'ftp://x'",
                "endpoint_url = 'http://h:99999'",
                "role_name = 'bad role!'",
                "colour = 'blue'",
                "[profiles]\nx = 1",
                "profiles = 3",
                "a = " + "[" * 3000 + "]" * 3000,
                "a = {" * 2000 + "}" * 2000,
                "regions = [",
                "= 1",
            ]
        ),
        lambda text: case("--config", "{home}/c.toml", "ls", "vaults", **{"c.toml": text.encode()}),
    ),
    slot(
        BAD_REGION,
        lambda v: case(
            "--config",
            "{home}/c.toml",
            "ls",
            "vaults",
            **{"c.toml": f"regions = [{toml_value(v)}]".encode()},
        ),
    ),
    slot(
        BAD_ROLE,
        lambda v: case(
            "--config",
            "{home}/c.toml",
            "ls",
            "vaults",
            **{"c.toml": f"role_name = {toml_value(v)}".encode()},
        ),
    ),
    slot(
        st.binary(min_size=1, max_size=20).filter(lambda b: _not_utf8(b)),
        lambda b: case("--config", "{home}/c.toml", "ls", "vaults", **{"c.toml": b}),
    ),
    slot(
        st.integers(min_value=129, max_value=10**30),
        lambda n: case(
            "ls", "vaults", **{"config/drconsole/config.toml": f"max_workers = {n}".encode()}
        ),
    ),
)


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


AWS_FILE_CASES = st.one_of(
    # unparsable AWS config: read for the Region when no AWS_REGION is set
    slot(
        st.text(string.ascii_letters + " =", min_size=1, max_size=20),
        lambda junk: case(
            "ls",
            "vaults",
            env={"AWS_REGION": None},
            **{"aws-config": f"{junk}\n[default\nregion=eu-central-1\n".encode()},
        ),
    ),
    slot(
        # an ini file strips the whitespace around a value and ends it at a line break
        BAD_REGION.filter(lambda v: not REGION.fullmatch(v.strip(" \t\x0b\x0c"))).filter(
            lambda v: not any(c in v for c in "\r\n\x0b\x0c")
        ),
        lambda v: case(
            "ls",
            "vaults",
            env={"AWS_REGION": None},
            **{"aws-config": f"[default]\nregion = {v}\n".encode()},
        ),
    ),
    # unparsable credentials file: read when the environment has no keys
    slot(
        st.text(string.ascii_letters + " =", min_size=1, max_size=20),
        lambda junk: case(
            "ls",
            "vaults",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
            **{"aws-credentials": f"{junk}\n[default\n".encode()},
        ),
    ),
    st.just(
        case(
            "ls",
            "vaults",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
            **{"aws-credentials": b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"},
        )
    ),
    # a program or token file the profile's credentials need, missing or not runnable
    slot(
        st.sampled_from(
            [
                "credential_process = /nonexistent/credential-helper --profile ops",
                "credential_process = /etc/hostname",
                "web_identity_token_file = /nonexistent/token\n"
                "role_arn = arn:aws:iam::123456789012:role/ops",
            ]
        ),
        lambda line: case(
            "ls",
            "vaults",
            env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
            **{"aws-config": f"[default]\n{line}\n".encode()},
        ),
    ),
)


def nested(depth: int, opener: str, closer: str) -> str:
    return opener * depth + closer * depth


POLICY_CASES = st.one_of(
    slot(
        st.one_of(
            st.integers(min_value=1000, max_value=200_000).map(lambda d: nested(d, "[", "]")),
            st.integers(min_value=1000, max_value=50_000).map(
                lambda d: '{"Statement":' + nested(d, '{"a":', "}") + "}"
            ),
            st.integers(min_value=4301, max_value=20_000).map(
                lambda n: (
                    '{"Statement":{"Effect":"Allow","Action":"*","Condition":'
                    '{"NumericLessThan":{"s3:max-keys":' + "9" * n + "}}}}"
                )
            ),
            st.sampled_from(
                [
                    "99999999999999999999",
                    "-99999999999999999999",
                    "1e400",
                    "0001-01-01T00:00:00+01:00",
                    "10000-01-01",
                ]
            ).map(
                lambda d: json.dumps(
                    {
                        "Statement": {
                            "Effect": "Allow",
                            "Action": "*",
                            "Condition": {"DateLessThan": {"aws:CurrentTime": d}},
                        }
                    }
                )
            ),
            st.text(max_size=30).filter(lambda s: not _is_json(s)),
            st.sampled_from(
                [
                    "{}",
                    "[]",
                    "null",
                    '{"Statement": []}',
                    '{"Statement": 1}',
                    '{"Statement":{"Effect":"Maybe","Action":"*"}}',
                    '{"Statement":{"Effect":"Allow","Action":"s3"}}',
                    '{"Statement":{"Effect":"Allow","Action":"*","Resource":"x"}}',
                ]
            ),
        ),
        lambda text: case(
            "policy",
            "simulate",
            "--policy",
            "{home}/p.json",
            "--action",
            "s3:GetObject",
            "--principal",
            PRINCIPAL,
            **{"p.json": text.encode()},
        ),
    ),
    slot(
        st.binary(min_size=1, max_size=20).filter(_not_utf8),
        lambda b: case(
            "policy",
            "simulate",
            "--policy",
            "{home}/p.json",
            "--action",
            "s3:GetObject",
            "--principal",
            PRINCIPAL,
            **{"p.json": b},
        ),
    ),
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# Deep enough to exhaust Python's recursion limit; parsing it is slow, so one of each.
RUNBOOK_CASES = st.one_of(
    slot(
        st.one_of(
            st.sampled_from(["a: [", "targets: {", "- - -\n  x: : :", "\t- tab"]),
            st.just("a: " + nested(1000, "[", "]")),
            st.just("a: " + "{b: " * 1000 + "}" * 1000),
        ),
        lambda text: case(
            "drill", "plan", "{home}/runbook.yaml", **{"runbook.yaml": text.encode()}
        ),
    ),
    slot(
        st.binary(min_size=1, max_size=20).filter(lambda b: _not_utf8(b)),
        lambda b: case("drill", "plan", "{home}/runbook.yaml", **{"runbook.yaml": b}),
    ),
    slot(
        st.sampled_from(["{home}/none.yaml", "{home}", "{home}/" + "r" * 300]),
        lambda path: case("drill", "plan", path),
    ),
)


# Break-glass credentials: a real file keyring is chosen, so only the input can be wrong.
KEYRING = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
GOOD_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
GOOD_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GOOD_DEVICE = "arn:aws:iam::123456789012:mfa/ops"
BAD_NAME = st.one_of(
    st.sampled_from(["", "-ops", ".ops", "a b", "ops/1", "o" * 65, "ops;rm", "ö"]),
    with_control(),
)
BAD_KEY_ID = st.one_of(
    st.sampled_from(
        ["", "AKIA", "AKIAshort", "akiaiosfodnn7example", "AIDAIOSFODNN7EXAMPLE", "A" * 200]
    ),
    st.text(string.ascii_uppercase + string.digits, min_size=12, max_size=12).map(
        lambda t: "AKIA" + t + "-"
    ),
    with_control(st.just("AKIAIOSFODNN")),
)
BAD_SECRET = st.one_of(
    st.text(string.ascii_letters + string.digits, max_size=39),
    st.text(string.ascii_letters, min_size=41, max_size=80),
    st.sampled_from(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE!", "x" * 40 + "\x1b"]),
)
BAD_DEVICE = st.one_of(
    st.sampled_from(
        [
            "arn:aws:iam::123456789012:user/ops",
            "arn:aws:iam::12345:mfa/ops",
            "arn:aws:sts::123456789012:mfa/ops",
            "GAHT12345678",
            "arn:aws:iam::123456789012:mfa/",
        ]
    ),
    with_control(st.just("arn:aws:iam::123456789012:mfa/o")),
)


def answers(key: str = GOOD_KEY_ID, secret: str = GOOD_SECRET, device: str = GOOD_DEVICE) -> bytes:
    text = f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    return (text + (f"mfa_serial = {device}\n" if device else "")).encode()


def credentials_set(stdin: bytes, name: str = "ops") -> Case:
    return Case(("credentials", "set", name), KEYRING, {}, stdin)


CREDENTIAL_CASES = st.one_of(
    slot(BAD_NAME, lambda n: Case(("credentials", "set", n), KEYRING, {}, answers())),
    slot(BAD_NAME, lambda n: Case(("credentials", "delete", n), KEYRING)),
    slot(BAD_NAME, lambda n: Case(("--break-glass", n, "ls", "accounts"), KEYRING)),
    slot(BAD_KEY_ID, lambda v: credentials_set(answers(key=v))),
    slot(BAD_SECRET, lambda v: credentials_set(answers(secret=v))),
    slot(BAD_DEVICE, lambda v: credentials_set(answers(device=v))),
    st.sampled_from(
        [
            b"",
            b"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            answers() + b"region = eu-central-1\n",
            answers() + b"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            b"AKIAIOSFODNN7EXAMPLE\n" + GOOD_SECRET.encode() + b"\n",
            b"\xff\xfe" + answers(),
            answers() + b"#" * (64 * 1024),
        ]
    ).map(credentials_set),
    st.just(Case(("credentials", "delete", "ops"), KEYRING)),
    st.sampled_from(["demo", "sandbox"]).map(lambda c: Case(("--break-glass", "ops", c), KEYRING)),
    st.just(Case(("--break-glass", "ops", "ls", "accounts"), KEYRING)),
    slot(
        st.sampled_from(["12345", "1234567", "abcdef", "12 456", "\uff11\uff12\uff13" * 2]),
        lambda code: Case(
            ("--break-glass", "ops", "ls", "accounts"), {**KEYRING, "DRCONSOLE_MFA_CODE": code}
        ),
    ),
)


# `drconsole init`: every flag's value is checked before AWS is read or a file written.
INIT_CASES = st.one_of(
    slot(BAD_REGION, lambda v: case("init", "--yes", "--regions", v)),
    slot(BAD_REGION, lambda v: case("init", "--yes", "--dr-regions", v)),
    slot(BAD_ACCOUNT, lambda v: case("init", "--yes", "--backup-account", v)),
    slot(BAD_ACCOUNT, lambda v: case("init", "--yes", "--management-account", v)),
    slot(BAD_ROLE, lambda v: case("init", "--yes", "--member-role", v)),
    slot(BAD_ROLE, lambda v: case("init", "--role-name", v, "--yes")),
    slot(with_control(st.just("{home}/runbooks")), lambda v: case("init", "--runbooks-dir", v)),
    slot(
        st.sampled_from(["{home}", "{home}/", "{home}/a\x1b.toml"]),
        lambda v: case("init", "--yes", "--config", v),
    ),
    slot(
        st.text(PRINTABLE, min_size=1, max_size=20).filter(lambda s: s.strip()),
        lambda v: case("init", "--yes", "--profile", "nope-" + v),
    ),
    # no terminal to ask in, and no --yes
    st.just(case("init")),
    # a broken config file is not replaced
    slot(
        st.sampled_from([b"regions = [", b"colour = 1\n", b"read_only = 'yes'\n"]),
        lambda text: case("init", "--yes", **{"config/drconsole/config.toml": text}),
    ),
)

READINESS_CASES = st.one_of(
    slot(
        st.sampled_from(["12345", "", "1234567890123", "name\x1bx", "a" * 51]),
        lambda v: case("readiness", "--account", v),
    ),
    slot(
        st.sampled_from(["{home}/missing/out.html", "{home}", "", "out\x07.html"]),
        lambda v: case("readiness", "--json", "--html", v),
    ),
    slot(
        st.sampled_from(
            [
                "rpo_objective = 'soon'",
                "rpo_objective = 24",
                "rpo_objective = '0h'",
                "rpo_objective = '24 hours'",
                "rpo_objectives = 3",
                "[rpo_objectives]\nProd = '1y'",
                "[rpo_objectives]\nProd = 6",
                "[profiles.x.rpo_objectives]\nProd = 'x'",
            ]
        ),
        lambda text: case("--config", "{home}/c.toml", "readiness", **{"c.toml": text.encode()}),
    ),
)


# Files far past any config, runbook, policy or message: refused at once, in bounded memory
# (files that never end or never open are run as processes, in test_endless_files).
TOO_BIG = st.integers(min_value=1024 * 1024 + 1, max_value=3 * 1024 * 1024)
SIMULATE = ("policy", "simulate", "--action", "s3:GetObject", "--principal", PRINCIPAL, "--policy")


OVERSIZED_FILE_CASES = st.one_of(
    slot(
        TOO_BIG,
        lambda n: case("--config", "{home}/c.toml", "ls", "vaults", **{"c.toml": b"#" * n}),
    ),
    slot(TOO_BIG, lambda n: case("drill", "plan", "{home}/r.yaml", **{"r.yaml": b"#" * n})),
    slot(TOO_BIG, lambda n: case(*SIMULATE, "{home}/p.json", **{"p.json": b" " * n})),
    slot(
        st.integers(min_value=64 * 1024 + 1, max_value=1024 * 1024),
        lambda n: Case(("explain", "-"), {}, {}, (b"AccessDenied " * n)[:n]),
    ),
)

# Ids typed on the command line become lock-file names: only drconsole's own forms pass.
BAD_ID = st.one_of(
    st.sampled_from(
        ["../../victim/y", "/etc/passwd", "..", "0123456789ab/../x", "20261201T000000Z-abcdef/.."]
    ),
    st.text(PRINTABLE.strip(), min_size=1, max_size=40).filter(
        lambda v: not is_flow_id(v) and not is_run_id(v) and not v.startswith("-")
    ),
    with_control(),
)
ID_CASES = st.one_of(
    slot(BAD_ID, lambda v: case("jobs", "--flow", v)),
    slot(BAD_ID, lambda v: case("--read-only", "jobs", "--flow", v)),
    slot(BAD_ID, lambda v: case("jobs", "--resume", "--flow", v)),
    slot(BAD_ID, lambda v: case("jobs", "--abandon", v)),
    slot(BAD_ID, lambda v: case("drill", "cleanup", v)),
    slot(BAD_ID, lambda v: case("drill", "resume", v)),
)
# A state dir that is a file, or lies under one (XDG_STATE_HOME is a path a person sets).
UNUSABLE_STATE = st.sampled_from(["{home}/a-file", "{home}/a-file/state"])
STATE_DIR_CASES = st.one_of(
    *(
        slot(
            UNUSABLE_STATE,
            lambda v, argv=argv: case(*argv, env={"XDG_STATE_HOME": v}, **{"a-file": b"x"}),
        )
        for argv in (
            ("jobs",),
            ("jobs", "--resume"),
            ("--read-only", "jobs", "--all"),
            ("drill", "history"),
            ("restore", "--recovery-point", RP, "--yes"),
        )
    )
)

register("flags", FLAG_CASES)
register("metadata keys and roles", METADATA_AND_ROLE_CASES)
register("environment", ENV_CASES)
register("config file", CONFIG_CASES)
register("AWS config and credentials files", AWS_FILE_CASES)
register("policies", POLICY_CASES)
register("runbooks", RUNBOOK_CASES)
register("init flags", INIT_CASES)
register("break-glass credentials", CREDENTIAL_CASES)
register("readiness", READINESS_CASES)
register("oversized files", OVERSIZED_FILE_CASES)
register("ids", ID_CASES)
register("state dir", STATE_DIR_CASES)


# Groups whose every mistake is in a file: the line names that file.
NAMES_ITS_FILE = {"runbooks", "policies"}


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    total = sum(COUNTS.values())
    groups = ", ".join(f"{name}: {count}" for name, count in sorted(COUNTS.items()))
    print(f"\nbad-input fuzz: {total} cases ({groups}), 0 tracebacks")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-home")


@pytest.mark.parametrize("group", sorted(BAD_INPUT))
def test_every_user_mistake_is_one_line_and_exit_2(group: str, home: Path) -> None:
    strategy = BAD_INPUT[group]

    @FUZZ
    @given(strategy)
    def check(bad: Case) -> None:
        outcome = run_in_process(bad, home)
        COUNTS[group] += 1
        assert_one_line_usage_error(outcome, bad)
        assert state_files(home) == {}, f"{bad.argv!r} wrote {state_files(home)}"
        written = [p for p in home.rglob("*") if p.is_file() and "state" not in p.parts]
        assert written == [], f"{bad.argv!r} wrote {written}"
        stored = home / ".local" / "share" / "python_keyring" / "keyring_pass.cfg"
        assert not stored.exists(), f"{bad.argv!r} stored credentials"
        if group in NAMES_ITS_FILE:
            assert str(home) in outcome.stderr, f"the file is not named: {outcome.stderr}"

    check()


REAL_PROCESS_CASES = [
    case("--role-name", "x\x1by", "ls", "vaults"),
    case("--region", "eu-central-1;rm", "ls", "vaults"),
    case("ls", "vaults", env={"AWS_ENDPOINT_URL": "http://localhost:99999"}),
    case("ls", "vaults", env={"AWS_DEFAULTS_MODE": "bogus"}),
    case("ls", "vaults", env={"AWS_SESSION_TOKEN": "A" * 100_000}),
    case("ls", "jobs", "--since", "9999999999999999999d"),
    case(
        "copy",
        "--recovery-point",
        RP,
        "--to",
        VAULT,
        "--yes",
        "--delete-after-days",
        "99999999999999999999",
    ),
    case(
        "copy",
        "--recovery-point",
        RP,
        "--to",
        VAULT,
        "--yes",
        "--restore",
        "--restore-role",
        "bad role name!",
    ),
    case(
        "copy",
        "--recovery-point",
        RP,
        "--to",
        VAULT,
        "--yes",
        "--copy-role",
        "arn:aws:iam::999988887777:role/service-role/AWSBackupDefaultServiceRole",
    ),
    case(
        "restore",
        "--recovery-point",
        RP,
        "--yes",
        "--metadata",
        "targetTableName=a",
        "--metadata",
        "TARGETTABLENAME=b",
    ),
    case("ls", "vaults", **{"config/drconsole/config.toml": b"max_workers = 99999999999999\n"}),
    case("ls", "vaults", **{"config/drconsole/config.toml": ("a = " + "[" * 5000).encode()}),
    case(
        "policy", "simulate", "--policy", "{home}", "--action", "s3:Get", "--principal", PRINCIPAL
    ),
    case("ls", "vaults\x1b[31m"),
    case("init", "--yes", "--member-role", "bad role!", "--regions", "eu-central-1"),
]


@pytest.mark.parametrize("bad", REAL_PROCESS_CASES, ids=lambda c: " ".join(c.argv)[:40])
def test_real_processes(bad: Case, tmp_path: Path) -> None:
    outcome = run_process(bad, tmp_path)
    COUNTS["real processes"] += 1
    assert_one_line_usage_error(outcome, bad)
    assert state_files(tmp_path) == {}


def fifo_case(*argv: str) -> Case:
    return Case(tuple(argv), {}, {}, fifos=("pipe",))


ENDLESS_FILE_CASES = [
    *(case("--config", device, "ls", "vaults") for device in ("/dev/zero", "/dev/urandom")),
    *(case("drill", "plan", device) for device in ("/dev/zero", "/dev/urandom")),
    *(case(*SIMULATE, device) for device in ("/dev/zero", "/dev/urandom")),
    Case(("explain", "-"), {}, {}, b"AccessDenied " * 100_000),
    fifo_case("drill", "plan", "{home}/pipe"),
    fifo_case(*SIMULATE, "{home}/pipe"),
    # Output files: a FIFO or a device is never opened for writing, nor replaced.
    fifo_case("readiness", "--html", "{home}/pipe"),
    fifo_case("drill", "run", "{home}/r.yaml", "--junit", "{home}/pipe"),
    fifo_case("--config", "{home}/pipe", "init", "--yes"),
    case("readiness", "--html", "/dev/null"),
    case("drill", "run", "{home}/r.yaml", "--junit", "/dev/null"),
]


@pytest.mark.parametrize("bad", ENDLESS_FILE_CASES, ids=lambda c: " ".join(c.argv)[:40])
def test_endless_files(bad: Case, tmp_path: Path) -> None:
    """A device that never ends or a named pipe no one writes to: one line and exit 2 within
    seconds, in bounded memory (reading it whole would take all the machine's memory)."""
    outcome = run_process(bad, tmp_path, timeout=30, max_memory=1024**3)
    COUNTS["endless files"] += 1
    assert_one_line_usage_error(outcome, bad)
    assert state_files(tmp_path) == {}
