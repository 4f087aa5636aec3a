"""The job watcher against the sandbox: many jobs, one Describe per job per poll, adaptive
intervals, jobs started elsewhere (organization-wide listing), a clean stop; measured figures."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.aws.session import AwsSessions
from drconsole.aws.watcher import JobUpdate, JobWatcher, discover, wait_for
from drconsole.config import Credentials, Settings
from drconsole.errors import AwsError
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions

EU = "eu-central-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sb, info = start_sandbox("demo", SandboxOptions(time_scale=600))
    yield sb, info
    sb.stop()


@pytest.fixture(scope="module")
def jobs(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path_factory: pytest.TempPathFactory
) -> JobsApi:
    sb, info = sandbox
    management = info.accounts["management"]
    settings = Settings(
        regions=(EU,),
        endpoint_url=sb.endpoint_url,
        static_credentials=Credentials.from_mapping(sb.credentials_for(management)),
        management_account_id=management,
        state_dir=tmp_path_factory.mktemp("state"),
        retry_max_attempts=3,
    )
    return JobsApi(AwsSessions(settings))


def start_copies(
    sb: Sandbox,
    info: ScenarioInfo,
    count: int,
    on_start: Callable[[JobRef], None] | None = None,
) -> list[JobRef]:
    """Copy jobs of `count` different resources, central vault -> prod vault, started as the
    backup account (i.e. elsewhere than the watcher's management identity)."""
    backup_id, prod = info.accounts["backup"], info.accounts["prod"]
    backup = sb.client("backup", backup_id, EU)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="central-eu-central-1")
    newest: dict[str, str] = {}
    for point in sorted(points["RecoveryPoints"], key=lambda p: p["CreationDate"], reverse=True):
        if point["ResourceName"].startswith("prod-") and point["ResourceType"] in (
            "EFS",
            "S3",
            "DynamoDB",
            "EBS",
            "EC2",
        ):
            newest.setdefault(point["ResourceArn"], point["RecoveryPointArn"])
    refs = []
    for arn in list(newest.values())[:count]:
        job = backup.start_copy_job(
            RecoveryPointArn=arn,
            SourceBackupVaultName="central-eu-central-1",
            DestinationBackupVaultArn=f"arn:aws:backup:{EU}:{prod}:backup-vault:prod-vault",
            IamRoleArn=f"arn:aws:iam::{backup_id}:role/service-role/AWSBackupDefaultServiceRole",
        )
        refs.append(JobRef("copy", backup_id, EU, job["CopyJobId"]))
        if on_start is not None:
            on_start(refs[-1])
    assert len(refs) == count
    return refs


def describe_calls(jobs: JobsApi) -> int:
    return jobs.sessions.requests_sent["backup:DescribeCopyJob"]


def test_many_jobs_at_once_one_describe_per_job_per_poll(
    sandbox: tuple[Sandbox, ScenarioInfo], jobs: JobsApi
) -> None:
    sb, info = sandbox
    updates: list[JobUpdate] = []
    finished = threading.Event()
    lock = threading.Lock()
    count = 5

    def listen(update: JobUpdate) -> None:
        with lock:
            updates.append(update)
            if sum(1 for u in updates if u.finished) == count:
                finished.set()

    before = describe_calls(jobs)
    sb.options.time_scale = 40  # jobs of two seconds or more
    with JobWatcher(jobs, min_interval=0.05, max_interval=0.5) as watcher:
        try:

            def watch_twice(ref: JobRef) -> None:
                watcher.watch(ref, listen)
                watcher.watch(ref, listen)  # watching twice changes nothing

            refs = start_copies(sb, info, count, watch_twice)
            # Slow jobs until every one is seen finished: each is seen in flight first, even
            # when a busy machine delays the first poll.
            assert finished.wait(30)
        finally:
            sb.options.time_scale = 600
        polls = dict(watcher.polls)
    assert describe_calls(jobs) - before == sum(polls.values())
    assert set(polls) == {ref.key for ref in refs}
    for ref in refs:
        mine = [u for u in updates if u.ref == ref]
        assert [u.polls for u in mine] == list(range(1, len(mine) + 1))  # one call per poll
        assert mine[-1].finished and mine[-1].job is not None
        assert mine[-1].job.state == "COMPLETED" and sum(u.finished for u in mine) == 1
        if len(mine) == 1:
            # A machine busy enough to delay the first poll past the job's end sees it finished
            # at once; that poll must then have come after the end, not skipped a state.
            only = mine[0].job
            assert only is not None and only.completed is not None
            assert mine[0].seen_at >= only.completed.timestamp(), mine[0]
        else:
            assert not mine[0].finished  # seen in flight, then finished
    delays = [
        u.seen_at - u.job.completed.timestamp()
        for u in updates
        if u.finished and u.job and u.job.completed
    ]
    print(
        f"\nwatcher: polls per job {sorted(polls.values())}, completion->event delays (s) "
        f"{[round(d, 3) for d in sorted(delays)]}"
    )
    assert max(delays) < 2.0  # the 0.5 s interval cap, plus a loaded machine's latency


def test_polling_backs_off_for_long_jobs_and_resets_on_change(
    sandbox: tuple[Sandbox, ScenarioInfo], jobs: JobsApi
) -> None:
    sb, info = sandbox
    minimum, maximum, backoff = 0.05, 0.8, 2.0
    sb.options.time_scale = 40  # a ~2 s job: 0.5 s CREATED, then RUNNING
    try:
        (ref,) = start_copies(sb, info, 1)
        seen: list[tuple[float, JobUpdate]] = []
        done = threading.Event()

        def listen(update: JobUpdate) -> None:
            assert update.job is not None
            seen.append((time.monotonic(), update))
            if update.finished:
                done.set()

        with JobWatcher(
            jobs, min_interval=minimum, max_interval=maximum, backoff=backoff
        ) as watcher:
            watcher.watch(ref, listen)
            assert done.wait(60)
    finally:
        sb.options.time_scale = 600
    updates = [u for _, u in seen]
    states = [u.job.state for u in updates if u.job is not None]
    intervals = [u.interval for u in updates]
    print(f"\nbackoff: {len(updates)} polls, {list(zip(states, intervals, strict=True))}")
    # The schedule: back to the minimum when the state changes, else grown by the backoff
    # factor up to the cap.
    assert updates[0].changed and intervals[0] == minimum
    for before, after in itertools.pairwise(updates):
        if after.changed:
            assert after.interval == minimum, (before, after)
        else:
            assert after.interval == pytest.approx(min(before.interval * backoff, maximum))
    assert max(intervals) <= maximum
    assert max(intervals) >= minimum * backoff**2  # a job that stays put is polled less often
    first_running = states.index("RUNNING")
    assert updates[first_running].changed
    assert intervals[first_running] == minimum  # reset when the job started running
    assert states[-1] == "COMPLETED" and updates[-1].finished
    # Loose wall-clock bounds: the watcher waits the intervals out (less a little for the
    # scheduling-to-callback delay), and does not poll a fixed-fast 0.05 s beat.
    elapsed = seen[-1][0] - seen[0][0]
    assert elapsed >= sum(intervals[:-1]) - 0.5
    assert len(seen) < elapsed / minimum / 3


def test_stop_is_clean_and_quick(jobs: JobsApi, sandbox: tuple[Sandbox, ScenarioInfo]) -> None:
    sb, info = sandbox
    # The next poll is a minute away: stop() must not wait it out.
    watcher = JobWatcher(jobs, min_interval=60.0)
    (ref,) = start_copies(sb, info, 1)
    watcher.watch(ref, lambda update: None)
    time.sleep(0.2)
    started = time.monotonic()
    watcher.stop(timeout=30.0)
    assert time.monotonic() - started < 10.0
    assert not any(
        t.name == "drconsole-job-watcher" and t.is_alive() for t in threading.enumerate()
    )


def test_jobs_started_elsewhere_are_found_org_wide_once_monitoring_is_on(
    sandbox: tuple[Sandbox, ScenarioInfo], jobs: JobsApi
) -> None:
    sb, info = sandbox
    sb.options.time_scale = 20  # keep the jobs in flight while they are listed
    try:
        organizations = sb.client("organizations", info.accounts["management"], EU)
        # Without trusted access for AWS Backup, jobs are listed account by account.
        organizations.disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
        refs = start_copies(sb, info, 2)
        found = discover(jobs, [EU], [info.accounts["backup"]])
        assert not found.organization_wide
        assert {r.job_id for r in refs} <= {j.id for j in found.copy_jobs}
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
        org_wide = discover(jobs, [EU])
        assert org_wide.organization_wide and org_wide.errors == ()
        listed = {j.id: j for j in org_wide.copy_jobs}
        assert {r.job_id for r in refs} <= set(listed)
        assert all(listed[r.job_id].account_id == info.accounts["backup"] for r in refs)
    finally:
        sb.options.time_scale = 600


def test_a_job_that_cannot_be_read_is_given_up_after_a_few_polls(
    sandbox: tuple[Sandbox, ScenarioInfo], jobs: JobsApi
) -> None:
    _, info = sandbox
    ref = JobRef("copy", info.accounts["management"], EU, "00000000-0000-0000-0000-000000000000")
    with JobWatcher(jobs, min_interval=0.01, max_interval=0.02) as watcher:
        with pytest.raises(AwsError, match="could not be read 5 times in a row"):
            wait_for(watcher, ref)
        assert watcher.polls[ref.key] == 5 and watcher.watching == []
