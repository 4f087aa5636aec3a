"""`ls jobs` and its tables: with `--since`, a job that ended in the window but started before
it is listed ("what failed overnight" includes the copy AWS retried for hours and the backup
that ran long) and the scope says that `since` matched either time; the tables' times say UTC."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.test_cli_ls import demo, drconsole, env, ls_json  # noqa: F401

REGIONS = ("--regions", "eu-central-1,eu-north-1")


def parsed(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def test_a_job_that_failed_in_the_window_but_started_before_is_listed(
    env: dict[str, str],  # noqa: F811
    demo: Any,  # noqa: F811
) -> None:
    failed = ls_json(env, "jobs", "--state", "FAILED", *REGIONS)["items"]
    # The demo's failed jobs ran a minute or more: a `since` between a job's start and its end.
    job = next(
        i for i in failed if parsed(i["completed"]) - parsed(i["created"]) >= timedelta(minutes=1)
    )
    middle = parsed(job["created"]) + (parsed(job["completed"]) - parsed(job["created"])) / 2
    since = middle.strftime("%Y-%m-%dT%H:%M:%SZ")
    document = ls_json(env, "jobs", "--state", "FAILED", "--since", since, *REGIONS)
    listed = [item["id"] for item in document["items"]]
    assert job["id"] in listed, (job, since, listed)
    assert len(listed) == len(set(listed))  # created and completed after `since`: listed once
    started_after = [i["id"] for i in failed if parsed(i["created"]) >= middle]
    assert set(listed) == set(started_after) | {job["id"]}
    assert document["scope"]["since_matches"] == "created_or_completed"
    table = drconsole(env, "ls", "jobs", "--state", "FAILED", "--since", since, *REGIONS)
    assert table.returncode == 0, table.stderr
    assert f"created or completed since {since}" in table.stderr, table.stderr


def test_table_times_say_they_are_utc(env: dict[str, str], demo: Any) -> None:  # noqa: F811
    """On a machine in New York the tables' times are UTC, and their headings say so."""
    in_new_york = {**env, "TZ": "America/New_York"}
    jobs = drconsole(in_new_york, "ls", "jobs", "--state", "FAILED", "--since", "24h")
    points = drconsole(in_new_york, "ls", "recovery-points", "--account", "qa")
    assert jobs.returncode == 0 and points.returncode == 0, jobs.stderr + points.stderr
    job_header = next(line for line in jobs.stdout.splitlines() if "Kind" in line)
    point_header = next(line for line in points.stdout.splitlines() if "Vault" in line)
    assert "Created (UTC)" in job_header, job_header
    assert "Created (UTC)" in point_header and "Expires (UTC)" in point_header, point_header
