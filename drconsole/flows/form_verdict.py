"""The restore form's validation as the `restore.metadata` check's verdict: a pre-flight check
(`check restore`, `check copy --restore`, `drill plan`) refuses the values that `restore`,
`copy --restore` and `drill run` then refuse."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from drconsole.checks.facts import RestoreFacts, Unreadable
from drconsole.checks.runner import CheckReport
from drconsole.flows import restore_forms as forms
from drconsole.models import CauseCode, Check, CheckStatus

METADATA_CHECK = "restore.metadata"


def with_form_verdict(report: CheckReport, given: Mapping[str, str] | None) -> CheckReport:
    """`report` with its `restore.metadata` check FAILed by the first problems of the values
    the user `given` (as `restore` judges them); unchanged when they are fine, when AWS's
    metadata could not be read, or when the check has already failed for its own reason."""
    facts = report.facts
    if not given or not isinstance(facts, RestoreFacts) or isinstance(facts.metadata, Unreadable):
        return report
    point = facts.recovery_point
    if point.resource_type not in forms.FIELDS:
        return report
    region = facts.restoring_region or point.region
    # As the flow builds it: a copy into another Region restores a copy from the source's.
    if facts.after_copy_to:
        copied_from = point.region if region != point.region else ""
    else:
        copied_from = point.copied_from_region
    # The form as the flow builds it, from AWS's own metadata (the floor of a volume's size).
    aws = facts.aws_metadata if facts.aws_metadata is not None else facts.metadata
    form = forms.build_form(
        point.resource_type,
        aws,
        region,
        "check",
        copied_from,
        # A copy of a snapshot is a snapshot; the copy's window is not this point's.
        (point.arn, None if facts.after_copy_to else point.creation_date),
    )
    problems = forms.problems_of_given(form, forms.with_overrides(form, given), given)
    if not problems:
        return report
    checks = tuple(
        _failed(check, problems)
        if check.id == METADATA_CHECK and check.status is CheckStatus.PASS
        else check
        for check in report.checks
    )
    return dataclasses.replace(report, checks=checks)


def _failed(check: Check, problems: list[str]) -> Check:
    return Check(
        check.id,
        check.title,
        CheckStatus.FAIL,
        "; ".join(problems),
        CauseCode.UNKNOWN,
        "Give a value the restore accepts for each key named (the restore refuses these).",
    )
