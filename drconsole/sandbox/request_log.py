"""Every request the sandbox receives, named by its operation as AWS would name it.

The operation is read from the wire, the way a server sees it: the `X-Amz-Target` header (JSON
protocols), the `Action` parameter (query and EC2 protocols), or the HTTP method and path matched
against the service model's request URIs (REST protocols). Tests count what reached the
sandbox with it, e.g. that read-only mode sent no mutating call at all.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs

# Signing names whose botocore service name differs.
SERVICE_BY_SIGNING_NAME = {"elasticfilesystem": "efs"}


@dataclass(frozen=True)
class SeenRequest:
    """One request as it arrived: `service:Operation`, the caller's access key id, for
    sts:AssumeRole the role asked for (tests count the calls into one account), and the Region
    it was signed for (tests check where each call went)."""

    service: str
    operation: str
    access_key: str | None
    role_arn: str | None = None
    region: str | None = None

    @property
    def name(self) -> str:
        """`service:Operation`."""
        return f"{self.service}:{self.operation}"


@cache
def _service_model(service: str) -> Any:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown service: the request is logged without an operation name
        return None


@cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], frozenset[str], int, str], ...]:
    """(method, path pattern, required query keys, specificity, operation) of a REST service."""
    model = _service_model(service)
    if model is None:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = http.get("requestUri", "/").partition("?")
        pattern = re.sub(
            r"\\\{([^}]+)\\\}",
            lambda m: ".+" if m.group(1).endswith("+") else "[^/]+",
            re.escape(path),
        )
        keys = frozenset(part.split("=")[0] for part in query.split("&") if part)
        literal = len(re.sub(r"\{[^}]+\}", "", path)) + 10 * len(keys)
        routes.append((http.get("method", "POST"), re.compile(pattern + "/?"), keys, literal, name))
    return tuple(routes)


def _rest_operation(service: str, method: str, path: str, query: str) -> str:
    keys = set(parse_qs(query, keep_blank_values=True))
    best: tuple[int, str] | None = None
    for route_method, pattern, required, literal, name in _rest_routes(service):
        matches = route_method == method and pattern.fullmatch(path) and required <= keys
        if matches and (best is None or literal > best[0]):
            best = (literal, name)
    return best[1] if best else f"{method} {path}"


def operation_of(environ: dict[str, Any], signing_name: str | None) -> tuple[str, str]:
    """(botocore service name, operation name) of a WSGI request; reads a form body, and
    puts it back for the app."""
    service = SERVICE_BY_SIGNING_NAME.get(signing_name or "", signing_name or "unknown")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return service, target.split(".")[-1]
    query = environ.get("QUERY_STRING", "")
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return service, action[0]
    action = parse_qs(query).get("Action")
    if action:
        return service, action[0]
    method = environ.get("REQUEST_METHOD", "GET")
    # The path as sent, still percent-encoded: a label such as a recovery point ARN may hold
    # a `/` (`%2F` on the wire) that PATH_INFO has already decoded.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    path = raw.split("?", 1)[0] if raw.startswith("/") else environ.get("PATH_INFO", "/")
    return service, _rest_operation(service, method, path, query)


def _role_asked(environ: dict[str, Any]) -> str | None:
    """The RoleArn of an AssumeRole's form body (which operation_of has put back, read)."""
    body = environ.get("wsgi.input")
    if not isinstance(body, io.BytesIO):
        return None
    found = parse_qs(body.getvalue().decode("utf-8", "replace")).get("RoleArn")
    return found[0] if found else None


class RequestLog:
    """Thread-safe record of the requests the sandbox received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []

    def record(
        self,
        environ: dict[str, Any],
        access_key: str | None,
        signing_name: str | None,
        region: str | None = None,
    ) -> SeenRequest:
        """Name and keep one request (signed for `region`); returns it."""
        service, operation = operation_of(environ, signing_name)
        role_arn = _role_asked(environ) if operation == "AssumeRole" else None
        seen = SeenRequest(service, operation, access_key, role_arn, region)
        with self._lock:
            self._seen.append(seen)
        return seen

    def mark(self) -> int:
        """A position in the log, for `since`."""
        with self._lock:
            return len(self._seen)

    def since(self, mark: int = 0) -> list[SeenRequest]:
        """The requests received after `mark`."""
        with self._lock:
            return list(self._seen[mark:])
