"""A restore job started with plain boto3, as AWS answers it once it has ended."""

from __future__ import annotations

import time
from typing import Any

ENDED = ("COMPLETED", "FAILED", "ABORTED", "EXPIRED")


def restore_ended(backup: Any, **request: Any) -> dict[str, Any]:
    """StartRestoreJob with `request` on the `backup` client, then DescribeRestoreJob until the
    job ends (two minutes at most)."""
    started = backup.start_restore_job(**request)
    job: dict[str, Any] = {}
    for _ in range(2400):
        job = backup.describe_restore_job(RestoreJobId=started["RestoreJobId"])
        if job["Status"] in ENDED:
            return job
        time.sleep(0.05)
    raise AssertionError(f"{job} did not end")
