"""The option-group verdict on facts, for the shapes AWS documents: default and custom groups,
persistent options held or not where the copy is made, and facts that could not be read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drconsole.checks.facts import SnapshotOptionGroup, Unreadable
from drconsole.checks.option_group import check_option_group
from drconsole.models import CauseCode, CheckStatus
from tests.test_checks_copy import good_facts

OG = CauseCode.RDS_OPTION_GROUP
DENIED = Unreadable("rds:DescribeOptionGroups", "AccessDenied", "not authorized")
TDE = SnapshotOptionGroup("ora-tde", ("TDE",), ("STATSPACK",), "oracle-ee", "19")


def judged(group: SnapshotOptionGroup | Unreadable | None, resource_type: str = "RDS"):  # type: ignore[no-untyped-def]
    return check_option_group(good_facts(resource_type, snapshot_option_group=group))


@pytest.mark.parametrize(
    ("group", "status", "cause"),
    [
        (None, CheckStatus.PASS, None),
        (SnapshotOptionGroup("default:oracle-ee-19"), CheckStatus.PASS, None),
        (replace(TDE, destination_options=("TDE",)), CheckStatus.PASS, None),
        (TDE, CheckStatus.FAIL, OG),
        (replace(TDE, destination_options=("STATSPACK",)), CheckStatus.FAIL, OG),
        (SnapshotOptionGroup("mysql-audit", (), ("MARIADB_AUDIT_PLUGIN",)), CheckStatus.WARN, OG),
        (DENIED, CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS),
        (replace(TDE, lasting_options=DENIED), CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS),
        (replace(TDE, destination_options=DENIED), CheckStatus.UNKNOWN, CauseCode.ROLE_PERMISSIONS),
    ],
    ids=["none", "default", "prepared", "missing", "partial", "not-persistent", "unread",
         "options-unread", "destination-unread"],
)  # fmt: skip
def test_cross_region_rds_snapshot(group, status, cause) -> None:  # type: ignore[no-untyped-def]
    result = judged(group)
    assert (result.status, result.cause) == (status, cause), result
    if status is not CheckStatus.PASS:
        assert result.remediation


def test_the_fail_names_rds_message_and_a_remedy_for_the_destination_account() -> None:
    result = judged(TDE)
    assert "requires a target option group with the following options: [TDE]" in result.evidence
    # Another account: RDS does not copy option groups across accounts, the group is made anew.
    assert "aws rds create-option-group --option-group-name ora-tde" in result.remediation
    assert "OptionName=TDE" in result.remediation
    assert "OptionGroupName=ora-tde" in result.remediation


def test_a_copy_within_the_region_or_of_another_type_passes() -> None:
    facts = good_facts("RDS", snapshot_option_group=TDE)
    within = replace(facts, dest_region=facts.recovery_point.region)
    assert check_option_group(within).status is CheckStatus.PASS
    assert judged(None, "EBS").status is CheckStatus.PASS
