"""Services and Regions that do not answer: their next calls fail at once for a while.

In a Regional outage every call into the Region may meet a refused or closed connection, a
timeout or a server error (500, 502, 503, 504), and botocore retries each one (10 attempts,
backing off up to 20 s between them, a 5 s connect timeout each): every account of every screen
would wait out its own retries, a minute or more, before the Region's rows could say it is down.
Once a service's endpoint in a Region has failed that way a few attempts in a row (any
account's, retries included), with no other answer in between, its calls are refused before
they are sent for `OPEN_SECONDS`: with `RegionUnreachable` (cause NETWORK) after connection
failures, with `RegionFailing` (cause SERVICE_ERROR) after server errors; never retried. The
first call after that asks AWS again, and one more failure refuses again. Any other HTTP answer
(an error too, throttling too: a service that throttles is up) shows the endpoint answers and
clears the count. The console's `r` forgets it at once.

Server errors count only once they come from more than one call: a single operation of a
single account answering 500 again and again (its own retries, the next poll of the same job)
may be that request's own trouble while the service answers the rest, and is retried as
before; a second account or a second operation failing alike in a row is the service.

An endpoint is the service, the Region its requests are signed for (that of the global
endpoints of IAM and Organizations is us-east-1, whatever Region their client names) and the
client's endpoint URL: one Region's outage never refuses another Region's or a global endpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

from drconsole.aws.errors import (
    INCOMPLETE_ANSWER,
    NETWORK_EXCEPTIONS,
    SERVICE_ERROR_CODES,
    RegionDown,
    RegionFailing,
    RegionUnreachable,
)
from drconsole.aws.refused_roles import FROM_MEMORY
from drconsole.redact import safe_line

# Failed attempts in a row (connection failures, timeouts, 5xx) that mark a service and Region
# down: three is past a dropped connection's retry and reached within seconds of backoff.
FAILURES_TO_OPEN = 3
OPEN_SECONDS = 30.0
# What AWS answers when it fails on its own side: botocore's transient statuses, and the codes
# drconsole classifies SERVICE_ERROR (not its own code for an answer that lacks a field).
SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
SERVER_ERROR_CODES = SERVICE_ERROR_CODES - {INCOMPLETE_ANSWER}
# Different callers whose server errors in a row mark the endpoint down (see the docstring).
CALLERS_TO_OPEN = 2
# The request context's entry naming the access key that signed an attempt.
CALLER_KEY = "drconsole_signed_by"
# An endpoint: (service, Region its requests are signed for, endpoint URL).
Endpoint = tuple[str, str, str]


@dataclass
class _Streak:
    """An endpoint's failed attempts in a row, and whether its calls are refused."""

    failures: int = 0
    last: str = ""
    unreachable: bool = False  # the last failure was a connection failure (else a 5xx)
    network: bool = False  # a connection failure is among them
    callers: set[tuple[str, str]] = field(default_factory=set)  # (access key, operation) of 5xx
    asked_again: bool = False  # the call after a refusal: one failure refuses again
    open_until: float | None = None

    def trips(self) -> bool:
        if self.failures < FAILURES_TO_OPEN and not self.asked_again:
            return False
        return self.network or self.asked_again or len(self.callers) >= CALLERS_TO_OPEN


class RegionHealth:
    """Failed attempts in a row per endpoint (service and Region), shared by every client of a
    session."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._streaks: dict[Endpoint, _Streak] = {}
        self._throttling = ThrottlingErrorDetector(RetryEventAdapter())

    def watch(self, client: Any) -> None:
        """Count `client`'s attempts, and refuse its calls while their endpoint is marked
        down."""
        region = client.meta.region_name or ""
        service = client.meta.service_model.service_id.hyphenize()
        url = client.meta.endpoint_url or ""

        def endpoint(context: dict[str, Any]) -> Endpoint:
            signing = context.get("signing") or {}
            return service, signing.get("region") or region, url

        def before_send(request: Any = None, **_: Any) -> None:
            if request is not None:
                self._refuse_if_down(endpoint(request.context))
                # Who sends it, for needs-retry (which sees the request before it was signed).
                request.context[CALLER_KEY] = _access_key(request.headers.get("Authorization"))

        def needs_retry(
            response: Any = None,
            caught_exception: BaseException | None = None,
            request_dict: dict[str, Any] | None = None,
            **kwargs: Any,
        ) -> None:
            if isinstance(caught_exception, RegionDown):
                return  # refused here, not sent
            where = endpoint((request_dict or {}).get("context") or {})
            if isinstance(caught_exception, NETWORK_EXCEPTIONS):
                last = f"{type(caught_exception).__name__}: {caught_exception}"
                self._failed(where, last, None)
            elif response is not None:
                failure = self._server_error(response, caught_exception, request_dict, kwargs)
                if failure is None:
                    self._answered(where)
                else:
                    caller = (request_dict or {}).get("context", {}).get(CALLER_KEY, "")
                    operation = getattr(kwargs.get("operation"), "name", "")
                    self._failed(where, failure, (caller, operation))
            # None: whether to retry stays botocore's decision.

        client.meta.events.register(f"before-send.{service}", before_send)
        client.meta.events.register(f"needs-retry.{service}", needs_retry)

    def forget(self) -> None:
        """Ask every service and Region again at its next call (the console's `r`)."""
        with self._lock:
            self._streaks.clear()

    def regions_down(self, service: str) -> dict[str, str]:
        """Region -> cause ("NETWORK" or "SERVICE_ERROR") of each Region whose `service`
        endpoint is refused right now."""
        now = self._clock()
        with self._lock:
            return {
                region: "NETWORK" if streak.unreachable else "SERVICE_ERROR"
                for (name, region, _), streak in self._streaks.items()
                if name == service and streak.open_until is not None and now < streak.open_until
            }

    def _server_error(
        self,
        response: Any,
        caught: BaseException | None,
        request_dict: dict[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> str | None:
        """`Code: message` of an answer that is AWS failing on its own side; None for any
        other answer (a success, a refusal, throttling)."""
        http, parsed = response
        status = getattr(http, "status_code", 200)
        error = parsed.get("Error") or {} if isinstance(parsed, dict) else {}
        code = str(error.get("Code") or "")
        if status not in SERVER_ERROR_STATUSES and code not in SERVER_ERROR_CODES:
            return None
        # Throttling is not an outage, whatever its status (S3's SlowDown is a 503): botocore's
        # own detector (its codes, the model's throttling errors, 429).
        if self._throttling.is_throttling_error(
            response=response,
            caught_exception=caught,
            request_dict=request_dict or {"context": {}},
            attempts=kwargs.get("attempts", 1),
            operation=kwargs.get("operation"),
        ):
            return None
        message = str(error.get("Message") or "")
        return safe_line(f"{code or status}: {message}"[:160] if message else code or str(status))

    def _refuse_if_down(self, where: Endpoint) -> None:
        with self._lock:
            streak = self._streaks.get(where)
            if streak is None or streak.open_until is None:
                return
            if self._clock() >= streak.open_until:
                # Asked again: this call decides (one more failure refuses again).
                streak.open_until = None
                streak.asked_again = True
                return
            kind = RegionUnreachable if streak.unreachable else RegionFailing
            refusal = kind(
                service=where[0],
                region=where[1],
                failures=streak.failures,
                last=streak.last,
                seconds=streak.open_until - self._clock(),
            )
        # Not a new answer from AWS: a job watcher that gives up after a few failed polls in a
        # row does not count it (else one blip of a few seconds would end its watch).
        setattr(refusal, FROM_MEMORY, True)
        raise refusal

    def _failed(self, where: Endpoint, last: str, caller: tuple[str, str] | None) -> None:
        with self._lock:
            streak = self._streaks.setdefault(where, _Streak())
            streak.failures += 1
            streak.last = last
            streak.unreachable = caller is None
            if caller is None:
                streak.network = True
            elif len(streak.callers) < CALLERS_TO_OPEN:
                streak.callers.add(caller)
            if streak.open_until is None and streak.trips():
                streak.open_until = self._clock() + OPEN_SECONDS
                streak.asked_again = False

    def _answered(self, where: Endpoint) -> None:
        with self._lock:
            self._streaks.pop(where, None)


def _access_key(header: Any) -> str:
    """The access key id in a SigV4 Authorization header (`Credential=AKID/...`); "" when the
    request is not signed that way."""
    if isinstance(header, bytes):
        header = header.decode("ascii", "replace")
    if not isinstance(header, str) or "Credential=" not in header:
        return ""
    return header.split("Credential=", 1)[1].split("/", 1)[0]
