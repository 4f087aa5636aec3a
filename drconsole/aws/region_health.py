"""Services and Regions that cannot be reached: their next calls fail at once for a while.

In a Regional outage every call into the Region may meet a refused or closed connection or a
timeout, and botocore retries each one (10 attempts, backing off up to 20 s between them, a
5 s connect timeout each): every account of every screen would wait out its own retries, a
minute or more, before the Region's rows could say it is down. Once a service's endpoint in a
Region has failed that way a few attempts in a row (any account's, retries included), with no
answer in between, its calls are refused before they are sent, with `RegionUnreachable` (cause
NETWORK, never retried), for `OPEN_SECONDS`; the first call after that asks AWS again. Any HTTP
answer (an error too) shows the endpoint is reachable and clears the count. The console's `r`
forgets it at once.

Server errors (500, 503) are not counted: the sandbox's injected faults and AWS's own answer
them for one operation while the service answers others, so they are retried as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from drconsole.aws.errors import NETWORK_EXCEPTIONS, RegionUnreachable
from drconsole.aws.refused_roles import FROM_MEMORY

# Failed attempts in a row (connection failures, timeouts, 5xx) that mark a service and Region
# down: three is past a dropped connection's retry and reached within seconds of backoff.
FAILURES_TO_OPEN = 3
OPEN_SECONDS = 30.0


class RegionHealth:
    """Failed attempts in a row per (service, Region), shared by every client of a session."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], int] = {}
        self._last: dict[tuple[str, str], str] = {}
        self._open_until: dict[tuple[str, str], float] = {}

    def watch(self, client: Any) -> None:
        """Count `client`'s attempts, and refuse its calls while its service and Region are
        marked down."""
        region = client.meta.region_name or ""
        service = client.meta.service_model.service_id.hyphenize()

        def before_send(**_: Any) -> None:
            self._refuse_if_down(service, region)

        def needs_retry(
            response: Any = None, caught_exception: BaseException | None = None, **_: Any
        ) -> None:
            if isinstance(caught_exception, RegionUnreachable):
                return  # refused here, not sent
            if isinstance(caught_exception, NETWORK_EXCEPTIONS):
                last = f"{type(caught_exception).__name__}: {caught_exception}"
                self._failed(service, region, last)
            elif response is not None:
                self._answered(service, region)
            # None: whether to retry stays botocore's decision.

        client.meta.events.register(f"before-send.{service}", before_send)
        client.meta.events.register(f"needs-retry.{service}", needs_retry)

    def forget(self) -> None:
        """Ask every service and Region again at its next call (the console's `r`)."""
        with self._lock:
            self._failures.clear()
            self._open_until.clear()

    def _refuse_if_down(self, service: str, region: str) -> None:
        key = (service, region)
        with self._lock:
            until = self._open_until.get(key)
            if until is None:
                return
            if self._clock() >= until:
                # Asked again: this call decides (one more failure marks it down again).
                del self._open_until[key]
                self._failures[key] = FAILURES_TO_OPEN - 1
                return
            failures, last = self._failures.get(key, FAILURES_TO_OPEN), self._last.get(key, "")
        refusal = RegionUnreachable(
            service=service,
            region=region,
            failures=failures,
            last=last,
            seconds=until - self._clock(),
        )
        # Not a new answer from AWS: a job watcher that gives up after a few failed polls in a
        # row does not count it (else one blip of a few seconds would end its watch).
        setattr(refusal, FROM_MEMORY, True)
        raise refusal

    def _failed(self, service: str, region: str, last: str) -> None:
        key = (service, region)
        with self._lock:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            self._last[key] = last
            if failures >= FAILURES_TO_OPEN and key not in self._open_until:
                self._open_until[key] = self._clock() + OPEN_SECONDS

    def _answered(self, service: str, region: str) -> None:
        key = (service, region)
        with self._lock:
            self._failures.pop(key, None)
            self._open_until.pop(key, None)
