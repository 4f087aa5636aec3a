"""Which restore metadata keys are known per resource type: every form field and documented key
of every type drconsole restores passes, in any case; a near miss names the key it misses."""

from __future__ import annotations

import pytest

from drconsole.errors import UsageError
from drconsole.flows import metadata_keys as mk
from drconsole.flows.restore_forms import FIELDS, RESTORABLE_TYPES
from drconsole.sandbox.restore_metadata import restore_metadata


@pytest.mark.parametrize("resource_type", RESTORABLE_TYPES)
def test_every_key_a_restore_of_the_type_takes_is_known(resource_type: str) -> None:
    keys = [f.key for f in FIELDS[resource_type]] + list(mk.DOCUMENTED[resource_type])
    given = {key.upper() if i % 2 else key: "x" for i, key in enumerate(keys)}
    assert mk.unknown_key_problems(resource_type, given, ()) == (None, [])
    # What GetRecoveryPointRestoreMetadata answers is known too, whatever drconsole lists.
    answered = restore_metadata(resource_type, "arn:aws:x:eu-central-1:1:y/z", "z", "k", "r")
    assert mk.unknown_key_problems(resource_type, answered, answered) == (None, [])


@pytest.mark.parametrize(
    ("resource_type", "typed", "meant", "refused"),
    [
        ("DynamoDB", "targetTableNmae", "targetTableName", True),
        ("EFS", "PerformanceMod", "PerformanceMode", True),
        ("RDS", "DBInstanceClas", "DBInstanceClass", False),
        ("EBS", "volumeSzie", "volumeSize", False),
        ("S3", "DestinationBucket", "DestinationBucketName", False),
    ],
)
def test_a_near_miss_names_the_key_and_is_refused_only_where_the_list_is_whole(
    resource_type: str, typed: str, meant: str, refused: bool
) -> None:
    refusal, warnings = mk.unknown_key_problems(resource_type, {typed: "x"}, ())
    said = refusal if refused else " ".join(warnings)
    assert said is not None and f"did you mean {meant}?" in said and typed in said
    assert (refusal is not None) is refused


def test_a_key_given_twice_names_both() -> None:
    with pytest.raises(UsageError, match="as targetTableName and TARGETTABLENAME"):
        mk.duplicates(["targetTableName", "TARGETTABLENAME"])
    with pytest.raises(UsageError, match="given twice"):
        mk.duplicates(["Port", "Port"])
    mk.duplicates(["Port", "Engine"])


def test_dynamodb_deletion_protection_is_known_though_aws_s_answer_may_not_hold_it() -> None:
    # Restore testing's inferred DynamoDB metadata holds deletionProtection; the restore guide's
    # GetRecoveryPointRestoreMetadata answer does not: the key must not be refused.
    answered = ["originalTableName", "targetTableName", "encryptionType"]
    given = {"targetTableName": "t", "deletionProtection": "true"}
    assert mk.unknown_key_problems("DynamoDB", given, answered) == (None, [])
