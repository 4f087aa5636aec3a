"""The audit log: one fsynced JSON line per mutating AWS call, with who made it, and no secret."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_FILE = "audit.log"
# Parameter names whose values never reach the log.
SECRET_NAME = re.compile(
    r"(secret|password|passphrase|sessiontoken|session_token|credential|privatekey|"
    r"private_key|accesskey|access_key)",
    re.IGNORECASE,
)
REDACTED = "<redacted>"
_LOCK = threading.Lock()


def redact(value: Any) -> Any:
    """The value with every secret-named field (at any depth) replaced by a marker."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if SECRET_NAME.search(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


class AuditLog:
    """Append-only JSON lines in `<state_dir>/audit.log`, each fsynced before returning."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / AUDIT_FILE

    def record(
        self,
        *,
        caller_arn: str,
        account_id: str,
        region: str,
        operation: str,
        parameters: Mapping[str, Any],
        outcome: str = "ok",
        error: str | None = None,
    ) -> dict[str, Any]:
        """Append one entry for a mutating call and return it."""
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "caller": caller_arn,
            "account": account_id,
            "region": region,
            "operation": operation,
            "parameters": redact(dict(parameters)),
            "outcome": outcome,
        }
        if error:
            entry["error"] = error
        line = json.dumps(entry, sort_keys=True, default=str) + "\n"
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first (an unreadable trailing line is skipped)."""
        if not self.path.exists():
            return []
        found: list[dict[str, Any]] = []
        for line in self.path.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return found
