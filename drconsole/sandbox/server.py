"""The embedded AWS: moto's services on 127.0.0.1 with drconsole's Backup additions."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

DEFAULT_REGION = "eu-central-1"


@dataclass
class SandboxOptions:
    """Knobs of the sandbox; read at every request, so they may be changed while it runs."""

    time_scale: float = 60.0  # sandbox seconds per real second for job progress
    latency_ms: int = 0  # added to every request
    throttle_rate: float = 0.0  # fraction of requests answered ThrottlingException
    access_denied_accounts: set[str] = field(default_factory=set)  # every call -> AccessDenied
    throttled_accounts: set[str] = field(default_factory=set)  # every call -> ThrottlingException
    # account id -> opt-in Regions it has not enabled: its every call there is refused as AWS
    # refuses it ("The security token included in the request is invalid")
    disabled_regions: dict[str, set[str]] = field(default_factory=dict)
    single_action_db_copy: bool = True  # False: RDS-family cross-account+cross-Region fails
    # "service:Operation" -> "throttle" | "denied" | "error" | "echo" | "slow" | "late" | "hold",
    # optionally "+N": every such call (after the first N) fails that way ("late": carried out,
    # answered 3 s later; "hold": answered once the fault is cleared); a test fails one precise
    # step, then clears it (`Sandbox.fail_operation` counts the calls from then on)
    faults: dict[str, str] = field(default_factory=dict)
    region: str = DEFAULT_REGION
    # The one code STS GetSessionToken accepts with an MFA device (None: any 6 digits).
    mfa_code: str | None = None
    # How far AWS's clock is ahead of the caller's (negative: behind). A request signed more
    # than 5 minutes away from the sandbox's clock is refused as AWS refuses it.
    clock_skew_seconds: float = 0.0
    # Region -> "reset" | "unavailable": a Regional outage. Every request signed for that Region
    # has its connection closed without an answer ("reset") or is answered 503
    # ServiceUnavailable ("unavailable"); IAM, Organizations and STS signed for us-east-1 (its
    # global endpoint) keep answering unless `outage_global` is set.
    regions_down: dict[str, str] = field(default_factory=dict)
    outage_global: bool = False


class Sandbox:
    """One embedded AWS per process (moto's state is process-global)."""

    def __init__(self, options: SandboxOptions | None = None, port: int = 0) -> None:
        self._options = options or SandboxOptions()
        self.endpoint_url = ""
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._credentials: dict[str, dict[str, str]] = {}
        self._sessions: dict[str, Any] = {}
        self.middleware: Any = None

    @property
    def options(self) -> SandboxOptions:
        """The knobs in force; change their fields, or assign new options, while it runs."""
        return self._options

    @options.setter
    def options(self, value: SandboxOptions) -> None:
        from . import engine, sts_mfa

        self._options = value
        if self.middleware is not None:
            self.middleware.options = value
            engine.configure(value)
            sts_mfa.configure(value)

    @property
    def request_log(self) -> Any:
        """The RequestLog of every AWS request received (see request_log.py); needs start()."""
        if self.middleware is None:
            raise RuntimeError("the sandbox is not started")
        return self.middleware.log

    def start(self) -> None:
        """Register the Backup additions and serve on 127.0.0.1 (the given port or a free one)."""
        from . import shared_loader

        shared_loader.install()  # before moto is imported
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from . import (
            ami_catalogue,
            backup_api,
            engine,
            key_accounts,
            kms_cross_account,
            moto_dispatch,
            option_groups,
            org_reads,
            rds_api,
            restore_access,
            sts_mfa,
            tag_policies,
        )
        from .knobs import KnobsMiddleware

        ami_catalogue.install()
        backup_api.install()
        key_accounts.install()
        kms_cross_account.install()
        moto_dispatch.install()
        org_reads.install()
        sts_mfa.install()
        tag_policies.install()
        rds_api.install()
        option_groups.install()
        restore_access.install()
        engine.configure(self.options)
        sts_mfa.configure(self.options)
        app = cached_dispatcher(DomainDispatcherApplication)(create_backend_app)
        self.middleware = KnobsMiddleware(app, self.options, before_request=engine.advance_due)
        self._server = keep_alive_server(self._port, self.middleware)
        host, port = self._server.bind_addr[:2]
        self.endpoint_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve, name="drconsole-sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (state stays until reset)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Wipe every moto and sandbox state (accounts, organization, vaults, jobs, keys)."""
        from moto.moto_api._internal.models import moto_api_backend
        from moto.organizations.models import organizations_backends

        from . import engine, store, sts_mfa

        with store.LOCK:
            moto_api_backend.reset()
            organizations_backends.master_accounts.clear()
            engine.reset()
            sts_mfa.reset()
        self._credentials.clear()
        self._sessions.clear()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def credentials_for(self, account_id: str) -> dict[str, str]:
        """Access keys that moto maps to the account (made once per account, like STS keys)."""
        from moto.iam.models import iam_backends

        from . import store

        with store.LOCK:
            known = self._credentials.get(account_id)
            iam = iam_backends[account_id]["aws"]
            if known is None or known["aws_access_key_id"] not in iam.access_keys:
                key = iam.create_temp_access_key()
                known = {
                    "aws_access_key_id": key.access_key_id,
                    "aws_secret_access_key": key.secret_access_key,
                }
                self._credentials[account_id] = known
            return dict(known)

    def known_credentials(self) -> dict[str, dict[str, str]]:
        """A copy of the access keys handed out so far, by account id."""
        return {account: dict(keys) for account, keys in self._credentials.items()}

    def adopt_credentials(self, credentials: dict[str, dict[str, str]]) -> None:
        """Hand out these access keys (already in moto's IAM state) from now on: a restored
        scenario's copy keeps the keys its build made."""
        self._credentials = {account: dict(keys) for account, keys in credentials.items()}
        self._sessions.clear()

    def client(self, service: str, account_id: str, region: str | None = None) -> Any:
        """A boto3 client over HTTP acting as the account (standard retries)."""
        import boto3
        from botocore.config import Config

        session = self._sessions.get(account_id)
        credentials = self.credentials_for(account_id)
        if (
            session is None
            or session.get_credentials().access_key != (credentials["aws_access_key_id"])
        ):
            session = boto3.session.Session(**credentials)
            self._sessions[account_id] = session
        config = Config(
            retries={"mode": "standard", "max_attempts": 10},
            s3={"addressing_style": "path"},
        )
        return session.client(
            service,
            region_name=region or self.options.region,
            endpoint_url=self.endpoint_url,
            config=config,
        )

    def fail_operation(self, operation: str, kind: str, after: int = 0) -> None:
        """Answer every call of `operation` ("backup:StartCopyJob") with a fault ("throttle",
        "denied", "error"; "echo" is a refused signature whose message quotes the request's
        Authorization header and security token; "slow" answers after 3 s; "late" carries the
        call out at once and answers 3 s later; "hold" answers once the fault is cleared) once
        `after` calls went through, counted from now."""
        if self.middleware is not None:
            self.middleware.reset_fault_counts()
        self.options.faults[operation] = f"{kind}+{after}" if after else kind

    def clear_faults(self) -> None:
        """Stop injecting faults into calls."""
        self.options.faults.clear()
        if self.middleware is not None:
            self.middleware.reset_fault_counts()

    def hold_jobs(self, kind: str) -> None:
        """Keep every job of `kind` ("copy", "restore", "backup") RUNNING past its end until
        `release_jobs()`: a test acts while a job runs without racing the clock."""
        from . import engine

        engine.hold(kind)

    def release_jobs(self) -> None:
        """Let held jobs end (each one past its end settles at the next request)."""
        from . import engine

        engine.release()

    def inject_job_failure(self, resource_arn: str, message: str) -> None:
        """Make the next copy or restore job of that resource fail with `message`."""
        from . import engine

        engine.inject_failure(resource_arn, message)

    def inject_restore_failure_after_create(self, resource_arn: str, message: str) -> None:
        """Make the next restore of that resource create its resource, then fail with
        `message`, naming the resource as AWS does (CreatedResourceArn)."""
        from . import engine

        engine.inject_failure_after_create(resource_arn, message)

    def inject_job_ending(self, resource_arn: str, state: str, message: str | None = None) -> None:
        """Make the next copy of that resource end PARTIAL (its copy made, marked PARTIAL), or
        its next restore end ABORTED (nothing made), with `message` as the StatusMessage."""
        from . import engine

        engine.inject_ending(resource_arn, state, message)

    def inject_restore_message(self, resource_arn: str, message: str) -> None:
        """Make the next restore job of that resource end COMPLETED with `message` as its
        StatusMessage (AWS's wording for an S3 restore that left objects out, or found none)."""
        from . import engine

        engine.inject_completion_message(resource_arn, message)


def cached_dispatcher(base: type) -> type:
    """moto's dispatcher remembering each host's backend.

    moto lists its package directory on disk and tries every service's URL pattern to find the
    backend of a host name, for every request and under one lock; the answer never changes.
    """

    class CachedDispatcher(base):
        """moto's DomainDispatcherApplication with the host -> backend lookup cached."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.backends_by_host: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            # Called under the dispatcher's lock (get_application).
            try:
                return self.backends_by_host[host]
            except KeyError:
                backend = super().get_backend_for_host(host)
                self.backends_by_host[host] = backend
                return backend

    return CachedDispatcher


# Requests answered at once. Each one holds its thread for the whole of the latency knob (and 3 s
# for a "slow" fault), so the pool is sized for every client thread drconsole and a test run at
# once; a request beyond it waits for a thread, it is not refused.
REQUEST_THREADS = 96
# Connections waiting to be accepted: a console opens two dozen at once when it starts.
ACCEPT_BACKLOG = 256
# Idle connections kept open for reuse: every pool of a console at 16-24 threads, well under
# the usual limit of 1,024 open files.
KEEP_ALIVE_CONNECTIONS = 512


def keep_alive_server(port: int, app: Any) -> Any:
    """A WSGI server on 127.0.0.1 that keeps HTTP/1.1 connections open between requests.

    AWS keeps a client's connection open, and botocore reuses it; werkzeug's development server
    (moto's own) closes every connection, which made each call open a connection and start a
    server thread, CPU that neither AWS nor a client on AWS spends.
    """
    from cheroot.wsgi import Server

    server = Server(
        ("127.0.0.1", port),
        app,
        numthreads=REQUEST_THREADS,
        request_queue_size=ACCEPT_BACKLOG,
        # Idle connections are closed after this many seconds; botocore opens a new one then.
        timeout=30,
        shutdown_timeout=5,
    )
    # cheroot closes a response's connection once 10 are kept open (its default), so a client
    # with more threads than that reconnected for nearly every call (704 connections for the
    # 716 calls of `ls recovery-points` at 16 threads), unlike AWS.
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    server.prepare()
    return server
