"""Backup's job summaries in the sandbox: ListBackupJobSummaries, ListCopyJobSummaries and
ListRestoreJobSummaries, counted from the sandbox's own jobs.

As AWS documents them: counts of the jobs created in a window, grouped by Region, account,
state, resource type and (not for restores) message category. Each dimension is a value (only
those jobs), `ANY` (one row per value met) or `AGGREGATE_ALL` (summed, the row says
`AGGREGATE_ALL`); omitted means `ANY`, and an omitted AccountId means the caller's account.
`AccountId=ANY` or another account's id reaches other accounts only from the organization's
management account with cross-account monitoring (trusted access for AWS Backup) on; from
anywhere else AWS counts the requestor's own jobs, and so does the sandbox. Windows are UTC
days: `ONE_DAY` gives one row set per day of the last 14 (today included), `SEVEN_DAYS` and
`FOURTEEN_DAYS` one window of the last 7 or 14 days. Rows with no job are not returned.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

from . import store
from .shapes import invalid_parameter

DAY = 86400.0
PERIOD_DAYS = {"ONE_DAY": 1, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}
DAILY_WINDOWS = 14
ANY, AGGREGATE_ALL = "ANY", "AGGREGATE_ALL"
ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
RESOURCE_TYPE = re.compile(r"[a-zA-Z0-9\-_.]{1,50}", re.ASCII)
_OPERATIONS = {
    "backup": "ListBackupJobSummaries",
    "copy": "ListCopyJobSummaries",
    "restore": "ListRestoreJobSummaries",
}
_ACCESS_WORDS = ("permission", "privilege", "access denied", "not authorized", "accessdenied")


@cache
def summary_states(kind: str) -> frozenset[str]:
    """The job states a summary of `kind` accepts: botocore's State enum of the operation."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("backup")
    shape = model.operation_model(_OPERATIONS[kind]).input_shape.members["State"]
    return frozenset(shape.enum) - {ANY, AGGREGATE_ALL}


def message_category(row: dict[str, Any]) -> str:
    """The job's message category: SUCCESS without a status message, ACCESS_DENIED for a
    permission message, else INVALID_PARAMETERS (the sandbox's coarse reading of AWS's
    categories)."""
    message = (row.get("StatusMessage") or "").lower()
    if not message:
        return "SUCCESS"
    if any(word in message for word in _ACCESS_WORDS):
        return "ACCESS_DENIED"
    return "INVALID_PARAMETERS"


def windows(period: str, now: float) -> list[tuple[float, float]]:
    """The (start, end) windows of an aggregation period, oldest first, as UTC days."""
    tomorrow = (now // DAY + 1) * DAY
    if period == "ONE_DAY":
        return [
            (tomorrow - (n + 1) * DAY, tomorrow - n * DAY) for n in reversed(range(DAILY_WINDOWS))
        ]
    return [(tomorrow - PERIOD_DAYS[period] * DAY, tomorrow)]


class SummariesApiMixin:
    """The three summary operations, mixed into the sandbox's Backup response class."""

    current_account: str
    region: str
    param: Callable[..., Any]
    max_results: Callable[[], int]
    offset_token: Callable[[], int]
    answer: Callable[[str, dict[str, Any]], str]
    _monitors_organization: Callable[[], bool]
    _organization_accounts: Callable[[], list[str]]

    def list_backup_job_summaries(self) -> str:
        """ListBackupJobSummaries."""
        return self._summaries("backup", "BackupJobSummaries")

    def list_copy_job_summaries(self) -> str:
        """ListCopyJobSummaries."""
        return self._summaries("copy", "CopyJobSummaries")

    def list_restore_job_summaries(self) -> str:
        """ListRestoreJobSummaries (no message category: AWS's restore summaries have none)."""
        return self._summaries("restore", "RestoreJobSummaries")

    def _summaries(self, kind: str, member: str) -> str:
        period = self.param("AggregationPeriod") or "ONE_DAY"
        if period not in PERIOD_DAYS:
            raise invalid_parameter(
                f"AggregationPeriod {period!r} is not one of ONE_DAY, SEVEN_DAYS, FOURTEEN_DAYS"
            )
        state = self._dimension("State", lambda v: v in summary_states(kind))
        resource_type = self._dimension("ResourceType", RESOURCE_TYPE.fullmatch)
        category = ANY
        if kind != "restore":
            category = self._dimension("MessageCategory", lambda v: 0 < len(v) <= 50)
        account_mode, accounts = self._summary_accounts()
        limit, offset = self.max_results(), self.offset_token()
        now = time.time()
        spans = windows(period, now)
        counts: Counter[tuple[Any, ...]] = Counter()
        state_key = "Status" if kind == "restore" else "State"
        with store.LOCK:
            for account in accounts:
                backend = store.backend_for(account, self.region)
                for job in backend.extras.jobs[kind].values():
                    row = job.describe()
                    created = float(row["CreationDate"])
                    span = next((s for s in spans if s[0] <= created < s[1]), None)
                    if span is None:
                        continue
                    values = (
                        _pick(account_mode, account),
                        _pick(state, row.get(state_key) or ""),
                        _pick(resource_type, row.get("ResourceType") or ""),
                        _pick(category, message_category(row)),
                    )
                    if None not in values:
                        counts[(span, *values)] += 1
        rows = []
        for (span, account, job_state, rtype, mcat), count in sorted(counts.items()):
            row = {
                "Region": self.region,
                "AccountId": account,
                "State": job_state,
                "ResourceType": rtype,
                "Count": count,
                "StartTime": span[0],
                "EndTime": span[1],
            }
            if kind != "restore":
                row["MessageCategory"] = mcat
            rows.append(row)
        body: dict[str, Any] = {member: rows[offset : offset + limit], "AggregationPeriod": period}
        if offset + limit < len(rows):
            body["NextToken"] = store.encode_token(offset + limit)
        return self.answer(_OPERATIONS[kind], body)

    def _dimension(self, name: str, valid: Callable[[str], Any]) -> str:
        """A dimension's mode: a value, ANY or AGGREGATE_ALL (InvalidParameterValue otherwise)."""
        value = self.param(name)
        if value is None or value == "":
            return ANY
        if value in (ANY, AGGREGATE_ALL) or valid(value):
            return str(value)
        raise invalid_parameter(f"Invalid value for {name}: {value}")

    def _summary_accounts(self) -> tuple[str, list[str]]:
        """(AccountId mode, the accounts counted): others only for a monitoring management
        account; the requestor's own jobs otherwise."""
        wanted = self.param("AccountId")
        if wanted in (None, ""):
            return self.current_account, [self.current_account]
        if wanted not in (ANY, AGGREGATE_ALL) and not ACCOUNT_ID.fullmatch(wanted):
            raise invalid_parameter(f"Invalid value for AccountId: {wanted}")
        if not self._monitors_organization():
            mode = AGGREGATE_ALL if wanted == AGGREGATE_ALL else self.current_account
            return mode, [self.current_account]
        members = self._organization_accounts()
        if wanted in (ANY, AGGREGATE_ALL):
            return wanted, members
        return wanted, [wanted] if wanted in members else []


def _pick(mode: str, value: str) -> str | None:
    """The row's value of a dimension: the job's own (ANY), AGGREGATE_ALL, or None when the
    job does not have the value asked for."""
    if mode == ANY:
        return value
    if mode == AGGREGATE_ALL:
        return AGGREGATE_ALL
    return value if value == mode else None
