"""botocore's data files decoded by msgspec give botocore's own data, and a process reads each
file once, whichever session (the caller's, a role's, a partition look-up) asks first."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import botocore
import botocore.loaders
import pytest

from drconsole.aws.model_loader import MsgspecJsonFileLoader

DATA = Path(botocore.__file__).parent / "data"


@pytest.mark.parametrize(
    "name",
    ["endpoints", "_retry", "backup/2018-11-15/service-2", "kms/2014-11-01/paginators-1"],
)
def test_each_file_decodes_to_what_botocore_reads(name: str) -> None:
    """Plain and gzipped files alike (service models ship gzipped)."""
    ours = MsgspecJsonFileLoader().load_file(str(DATA / name))
    assert ours is not None
    assert ours == botocore.loaders.JSONFileLoader().load_file(str(DATA / name))


def test_a_missing_file_is_none(tmp_path: Path) -> None:
    assert MsgspecJsonFileLoader().load_file(str(tmp_path / "absent")) is None


def test_a_process_reads_the_endpoint_data_once(tmp_path: Path) -> None:
    """Two sessions' clients, a partition and a Region look-up: one read of `endpoints`."""
    script = textwrap.dedent(
        """
        import botocore.loaders
        read = []
        plain = botocore.loaders.JSONFileLoader.load_file
        def counted(self, path):
            read.append(path.rsplit("/", 1)[-1])
            return plain(self, path)
        botocore.loaders.JSONFileLoader.load_file = counted
        from drconsole.aws.model_loader import MsgspecJsonFileLoader
        MsgspecJsonFileLoader.load_file = counted
        from drconsole import partitions
        from drconsole.aws.session import AwsSessions
        from drconsole.config import Settings
        sessions = AwsSessions(Settings(regions=("eu-central-1",)))
        sessions.client("backup", region="eu-central-1")
        sessions.client("kms", region="eu-north-1")
        sessions.prepare_member_client("backup", "eu-north-1")
        assert partitions.known_partition("cn-north-1") == "aws-cn"
        print(read.count("endpoints"), read.count("service-2"))
        """
    )
    env = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "2"]
