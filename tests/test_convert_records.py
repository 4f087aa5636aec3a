"""Records as AWS (or an endpoint standing in for it) may send them: any field missing or of an
unexpected type converts, with that field empty, so one odd record never stops a listing."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.aws import convert
from drconsole.models import KeyType

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["45.00%", "NEW_VALUE", "2026-13-45T99:00:00Z", "\x1b[2J", "1e999"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
)
FIELDS = [
    "BackupVaultArn",
    "BackupVaultName",
    "EncryptionKeyArn",
    "Locked",
    "MinRetentionDays",
    "MaxRetentionDays",
    "NumberOfRecoveryPoints",
    "CreationDate",
    "CompletionDate",
    "CopyJobId",
    "RestoreJobId",
    "BackupJobId",
    "AccountId",
    "State",
    "Status",
    "StatusMessage",
    "PercentDone",
    "ExpectedCompletionTimeMinutes",
    "ChildJobsInState",
    "IsParent",
    "BackupSizeInBytes",
    "ResourceArn",
    "ResourceType",
    "ResourceName",
    "LastBackupTime",
    "LastRecoveryPointArn",
    "LastBackupVaultArn",
    "RecoveryPointArn",
    "CreatedResourceArn",
]
RECORDS = st.dictionaries(st.sampled_from(FIELDS), ANY_VALUE, max_size=len(FIELDS))


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_any_record_converts(item: dict[str, object]) -> None:
    vault = convert.vault_from(item, "111122223333", "eu-central-1", KeyType.CUSTOMER_MANAGED, None)
    assert isinstance(vault.name, str) and isinstance(vault.recovery_point_count, int)
    copy = convert.copy_job_from(item, "111122223333", "eu-central-1")
    assert isinstance(copy.id, str) and isinstance(copy.state, str)
    restore = convert.restore_job_from(item, "111122223333", "eu-central-1")
    assert restore.percent_done is None or isinstance(restore.percent_done, float)
    backup = convert.backup_job_from(item, "111122223333", "eu-central-1")
    assert backup.created is None or isinstance(backup.created, datetime)
    resource = convert.protected_resource_from(item, "111122223333", "eu-central-1")
    assert isinstance(resource.resource_arn, str)


def test_what_aws_sends_is_read_as_before() -> None:
    item = {
        "RestoreJobId": "r-1",
        "Status": "RUNNING",
        "PercentDone": "45.00%",
        "ExpectedCompletionTimeMinutes": 12,
        "BackupVaultArn": "arn:aws:backup:eu-central-1:111122223333:backup-vault:prod",
        "NumberOfRecoveryPoints": 7,
        "Locked": True,
        "ChildJobsInState": {"COMPLETED": 2, "RUNNING": 1},
    }
    restore = convert.restore_job_from(item, "111122223333", "eu-central-1")
    assert (restore.id, restore.state, restore.percent_done) == ("r-1", "RUNNING", 45.0)
    assert restore.expected_minutes == 12
    vault = convert.vault_from(item, "111122223333", "eu-central-1", KeyType.CUSTOMER_MANAGED, None)
    assert (vault.name, vault.recovery_point_count, vault.locked) == ("prod", 7, True)
    copy = convert.copy_job_from(item, "111122223333", "eu-central-1")
    assert copy.child_states == (("COMPLETED", 2), ("RUNNING", 1))
