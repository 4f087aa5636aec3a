"""The read-only guard over every operation of every service model drconsole uses.

Each operation is called through a real client made by AwsSessions (read-only on) that points
at a local port nobody listens on. A refused operation raises ReadOnlyViolation before anything
is sent; a read passes the guard and then fails to connect, which proves the guard let it by.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError

from drconsole.aws.errors import RegionUnreachable
from drconsole.aws.readonly import CREDENTIAL_EXCEPTIONS, READ_OPERATIONS, is_read_operation
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.errors import ReadOnlyViolation

SERVICES = ["backup", "sts", "iam", "kms", "organizations", "ec2", "rds", "dynamodb", "efs", "s3"]

MUST_REFUSE = [
    ("kms", "Decrypt"),
    ("kms", "GenerateDataKey"),
    ("kms", "PutKeyPolicy"),
    ("kms", "CreateGrant"),
    ("ec2", "RunInstances"),
    ("ec2", "CopySnapshot"),
    ("backup", "StartCopyJob"),
    ("backup", "StartRestoreJob"),
    ("backup", "CreateBackupVault"),
    ("backup", "PutBackupVaultAccessPolicy"),
    ("backup", "UpdateGlobalSettings"),
    ("backup", "DeleteRecoveryPoint"),
    ("iam", "CreateServiceLinkedRole"),
    ("iam", "PutRolePolicy"),
    ("organizations", "EnableAWSServiceAccess"),
    ("s3", "SelectObjectContent"),
    ("s3", "PutObject"),
    ("rds", "DownloadDBLogFilePortion"),
    ("dynamodb", "ExecuteStatement"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "AssumeRoleWithSAML"),
    # Credential-issuing calls are not reads, whatever their names say.
    ("sts", "GetSessionToken"),
    ("sts", "GetFederationToken"),
    ("sts", "GetDelegatedAccessToken"),
    ("sts", "GetScopedCredentials"),
    ("sts", "GetWebIdentityToken"),
    # Reads with side effects or secrets in the answer.
    ("kms", "GetParametersForImport"),
    ("ec2", "GetPasswordData"),
    ("s3", "GetObject"),
    ("dynamodb", "GetItem"),
    ("dynamodb", "Scan"),
]
MUST_ALLOW = [
    ("sts", "AssumeRole"),
    ("sts", "GetCallerIdentity"),
    ("backup", "ListRecoveryPointsByBackupVault"),
    ("backup", "DescribeBackupVault"),
    ("backup", "GetBackupVaultAccessPolicy"),
    ("kms", "DescribeKey"),
    ("organizations", "ListAccounts"),
    ("s3", "HeadBucket"),
    ("dynamodb", "DescribeTable"),
    ("iam", "SimulatePrincipalPolicy"),
    ("ec2", "DescribeImages"),
    ("rds", "DescribeDBClusters"),
]


def unused_port() -> int:
    """A local TCP port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def sessions() -> AwsSessions:
    settings = Settings(
        regions=("eu-central-1",),
        read_only=True,
        endpoint_url=f"http://127.0.0.1:{unused_port()}",
        static_credentials=Credentials("AKIAEXAMPLEREADONLY", "not-a-secret"),
        retry_max_attempts=1,
    )
    return AwsSessions(settings)


def sample(shape: Any, depth: int = 0) -> Any:
    """A minimal value satisfying botocore's validation for `shape` (required members only)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        return {
            name: sample(shape.members[name], depth + 1)
            for name in shape.required_members
            if name in shape.members
        }
    if kind == "list":
        count = max(1, int(shape.metadata.get("min", 1)))
        return [sample(shape.member, depth + 1) for _ in range(count)]
    if kind == "map":
        return {}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        return "x" * max(1, int(shape.metadata.get("min", 1)))
    if kind in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x"
    if kind == "timestamp":
        return datetime(2026, 1, 1, tzinfo=UTC)
    return None


def operations(service: str) -> list[str]:
    model = botocore.session.get_session().get_service_model(service)
    return list(model.operation_names)


def _reverse(client: Any) -> dict[str, str]:
    return {api: method for method, api in client.meta.method_to_api_mapping.items()}


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_is_refused_or_let_through(sessions: AwsSessions, service: str) -> None:
    client = sessions.client(service)
    names = _reverse(client)
    model = client.meta.service_model
    refused: list[str] = []
    passed: list[str] = []
    for operation in operations(service):
        op_model = model.operation_model(operation)
        params = sample(op_model.input_shape) if op_model.input_shape is not None else {}
        method = getattr(client, names[operation])
        try:
            method(**params)
        except ReadOnlyViolation as violation:
            assert f"{service}:{operation}" in str(violation)
            refused.append(operation)
        except (EndpointConnectionError, RegionUnreachable):
            # sent, or refused where it would be sent (after a few failed, region_health.py)
            passed.append(operation)
        else:  # pragma: no cover - nothing listens on the port
            pytest.fail(f"{service}:{operation} reached a server")
    for operation in refused:
        assert not is_read_operation(service, operation), operation
    for operation in passed:
        assert is_read_operation(service, operation), f"{service}:{operation} was not refused"
    assert refused, f"no mutating operation of {service} was tried"
    assert passed, f"no read of {service} was tried"


@pytest.mark.parametrize(("service", "operation"), MUST_REFUSE)
def test_known_mutations_are_refused(service: str, operation: str) -> None:
    assert operation in operations(service)
    assert not is_read_operation(service, operation)


@pytest.mark.parametrize(("service", "operation"), MUST_ALLOW)
def test_reads_needed_for_browsing_are_allowed(service: str, operation: str) -> None:
    assert operation in operations(service)
    assert is_read_operation(service, operation)


def test_guard_off_without_read_only() -> None:
    settings = Settings(
        regions=("eu-central-1",),
        endpoint_url=f"http://127.0.0.1:{unused_port()}",
        static_credentials=Credentials("AKIAEXAMPLEREADONLY", "not-a-secret"),
        retry_max_attempts=1,
    )
    client = AwsSessions(settings).client("backup")
    with pytest.raises(EndpointConnectionError):
        client.create_backup_vault(BackupVaultName="vault")


def test_the_allow_list_names_real_operations_only() -> None:
    for service, names in READ_OPERATIONS.items():
        known = set(operations(service))
        assert names <= known, f"{service}: {sorted(names - known)} are not operations"


def test_assume_role_is_the_only_credential_issuing_exception() -> None:
    assert set(CREDENTIAL_EXCEPTIONS) == {("sts", "AssumeRole")}
    for operation in operations("sts"):
        if operation not in ("GetCallerIdentity", "DecodeAuthorizationMessage", "AssumeRole"):
            assert not is_read_operation("sts", operation), operation


def test_services_off_the_list_are_refused_whole() -> None:
    assert not is_read_operation("secretsmanager", "GetSecretValue")
    assert not is_read_operation("ssm", "GetParameter")
    assert not is_read_operation("sso", "GetRoleCredentials")


def test_credential_issuing_sts_calls_never_leave_the_process(sessions: AwsSessions) -> None:
    sts = sessions.client("sts")
    sent_before = sum(sessions.requests_sent.values())
    for call in (
        lambda: sts.get_session_token(),
        lambda: sts.get_federation_token(Name="drconsole"),
    ):
        with pytest.raises(ReadOnlyViolation, match="sts:Get"):
            call()
    assert sum(sessions.requests_sent.values()) == sent_before
