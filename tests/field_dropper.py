"""An endpoint that leaves chosen fields out of chosen operations' answers (WSGI, tests only).

Wrapped around the sandbox's own application, it stands in for an AWS (or a proxy, or an
endpoint standing in for AWS) whose answers lack a field drconsole reads: a JSON answer loses
the key wherever it occurs, an XML answer the element. Operations are named as AWS names them
(`backup:ListBackupVaults`), read from the wire the way the sandbox's request log reads them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from drconsole.sandbox.knobs import account_of_access_key, request_identity
from drconsole.sandbox.request_log import operation_of
from drconsole.sandbox.server import Sandbox

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Drop:
    """Leave `field` out of `operation`'s answers (to `account` only, when given); `first_only`
    leaves it out of the first record that holds it and keeps it in the others; `blank` sends
    it empty ("") instead of leaving it out."""

    operation: str
    field: str
    account: str | None = None
    first_only: bool = False
    blank: bool = False


def _drop_json(value: Any, drop: Drop, done: list[bool]) -> Any:
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if key == drop.field and not (drop.first_only and done):
                done.append(True)
                if drop.blank:
                    kept[key] = ""
                continue
            kept[key] = _drop_json(item, drop, done)
        return kept
    if isinstance(value, list):
        return [_drop_json(item, drop, done) for item in value]
    return value


def drop_from_body(body: bytes, drop: Drop) -> bytes:
    """`body` (JSON or XML) without the dropped field; a body that is neither is returned as
    it is."""
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith(("{", "[")):
        try:
            answer = json.loads(text)
        except ValueError:
            return body
        return json.dumps(_drop_json(answer, drop, [])).encode()
    name = re.escape(drop.field)
    element = re.compile(rf"<{name}(\s[^>]*)?/>|<{name}(\s[^>]*)?>.*?</{name}>", re.DOTALL)
    empty = f"<{drop.field}></{drop.field}>" if drop.blank else ""
    return element.sub(empty, text, count=1 if drop.first_only else 0).encode()


class FieldDropper:
    """WSGI middleware: the wrapped application's answers with the chosen fields left out."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.drops: list[Drop] = []
        self.dropped: list[str] = []  # the operations whose answer lost a field
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        drops = list(self.drops)
        if not drops:
            return self.app(environ, start_response)
        access_key, signing_name = request_identity(environ)
        service, operation = operation_of(environ, signing_name)
        name = f"{service}:{operation}"
        chosen = [d for d in drops if d.operation == name]
        if chosen and access_key is not None:
            account = account_of_access_key(access_key)
            chosen = [d for d in chosen if d.account in (None, account)]
        if not chosen:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        changed = body
        for drop in chosen:
            changed = drop_from_body(changed, drop)
        if changed != body:
            with self._lock:
                self.dropped.append(name)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(changed))))
        start_response(captured["status"], headers)
        return [changed]


def install(sandbox: Sandbox) -> FieldDropper:
    """Put a FieldDropper in front of the sandbox's AWS services (behind its knobs); returns it."""
    knobs = sandbox.middleware
    if isinstance(knobs.app, FieldDropper):
        return knobs.app
    dropper = FieldDropper(knobs.app)
    knobs.app = dropper
    return dropper
