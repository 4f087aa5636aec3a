"""Break-glass credentials in the OS keyring: one JSON entry per name, and an index of names.

Entries live under the keyring service `drconsole`: `break-glass:NAME` holds
`{"aws_access_key_id", "aws_secret_access_key", "mfa_serial"}`, and `break-glass-index` the
sorted list of names (a keyring cannot enumerate its entries). The backend is the one keyring
itself would choose, with one difference: a backend keyring does not recommend (priority under
1, such as a plain file) is used only when the user chose it explicitly, with
PYTHON_KEYRING_BACKEND or keyring's own keyringrc.cfg. drconsole never falls back to a file on
its own.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from drconsole.errors import CredentialStoreError, UsageError
from drconsole.redact import register_secret

SERVICE = "drconsole"
INDEX_ENTRY = "break-glass-index"
ENTRY_PREFIX = "break-glass:"
# Backends that store nothing or refuse everything: never "usable", even when chosen.
UNUSABLE_BACKENDS = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")
# Backends that only exist on another operating system: not worth naming as missing here.
OTHER_PLATFORMS = {"win32": "keyring.backends.Windows", "darwin": "keyring.backends.macOS"}
HOW_TO_PROVIDE = (
    "provide one: run drconsole inside a D-Bus session with a Secret Service "
    "(gnome-keyring or KeePassXC; over SSH e.g. `dbus-run-session -- bash` and "
    "`gnome-keyring-daemon --unlock`), or choose a backend yourself with "
    "PYTHON_KEYRING_BACKEND or keyring's keyringrc.cfg (e.g. keyrings.alt's EncryptedKeyring)"
)


@dataclass(frozen=True)
class BreakGlassCredentials:
    """An IAM user's long-term keys kept for when single sign-on is down. Never printed."""

    name: str
    access_key_id: str
    secret_access_key: str
    mfa_serial: str | None = None

    def __repr__(self) -> str:
        # Keep the secret out of logs, tracebacks and snapshots.
        return f"BreakGlassCredentials({self.name!r}, {masked_key_id(self.access_key_id)})"

    def to_json(self) -> str:
        """The keyring entry's text."""
        return json.dumps(
            {
                "aws_access_key_id": self.access_key_id,
                "aws_secret_access_key": self.secret_access_key,
                "mfa_serial": self.mfa_serial,
            }
        )


def masked_key_id(key_id: str) -> str:
    """`AKIA…MPLE`: enough to tell keys apart, not the key id itself."""
    return f"{key_id[:4]}…{key_id[-4:]}" if len(key_id) > 8 else "…"


def _class_name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _looked_for() -> str:
    """keyring's own backends for this platform and why each cannot be used here."""
    from keyring import backend

    backend.get_all_keyring()  # loads keyring's plugins, so every backend class is known
    reasons: dict[str, str] = {}
    for kind in sorted(getattr(backend.KeyringBackend, "_classes", ()), key=_class_name):
        name = _class_name(kind)
        module = kind.__module__.removeprefix("keyring.backends.")
        if not name.startswith("keyring.backends.") or name in UNUSABLE_BACKENDS:
            continue  # third-party backends are used only when chosen (see the docstring)
        if module == "chainer" or module in reasons:
            continue
        if any(name.startswith(m) for p, m in OTHER_PLATFORMS.items() if p != sys.platform):
            continue
        try:
            kind.priority  # noqa: B018 (a backend says why it is not viable by raising)
        except Exception as error:
            reasons[module] = f"{module} ({error})"
    return "; ".join(reasons.values()) or "none installed"


def _explicit_backend() -> tuple[Any, str] | None:
    """The backend the user named (environment, then keyring's config file), or None."""
    from keyring import core
    from keyring.util import platform_

    name = os.environ.get("PYTHON_KEYRING_BACKEND", "").strip()
    where = "PYTHON_KEYRING_BACKEND"
    loader = core.load_env
    if not name:
        where = f"keyring's config file {platform_.config_root() / 'keyringrc.cfg'}"
        loader = core.load_config
    try:
        chosen = loader()
    except (ImportError, AttributeError, ValueError, TypeError):
        shown = name or "its default-keyring"
        raise UsageError(f"{where}: no keyring backend class {shown!r}") from None
    except Exception as error:  # keyring: a backend that is not viable here raises
        raise CredentialStoreError(
            f"the keyring backend chosen in {where} cannot be used here ({error}); "
            + HOW_TO_PROVIDE
        ) from None
    return (chosen, where) if chosen is not None else None


def keyring_backend() -> Any:
    """The keyring backend to use, or CredentialStoreError (exit 3) naming what is missing."""
    from keyring import backend

    explicit = _explicit_backend()
    if explicit is not None:
        chosen, where = explicit
        if _class_name(type(chosen)) not in UNUSABLE_BACKENDS:
            return chosen
        detail = f"{where} chooses {_class_name(type(chosen))}"
    else:
        recommended = [
            ring
            for ring in backend.get_all_keyring()
            if ring.priority >= 1 and not _class_name(type(ring)).startswith("keyring.backends.ch")
        ]
        if recommended:
            return max(recommended, key=backend.by_priority)
        detail = "keyring found none"
    raise CredentialStoreError(
        f"no usable OS keyring for break-glass credentials ({detail}); keyring looked for: "
        f"{_looked_for()}; {HOW_TO_PROVIDE}"
    )


class KeyringStore:
    """Break-glass credentials by name in the OS keyring (see the module docstring)."""

    def __init__(self) -> None:
        self.backend = keyring_backend()

    def _call(self, what: str, operation: Any, *args: str) -> Any:
        """One keyring call; a refusal (locked, D-Bus gone) becomes one line, exit 3."""
        try:
            return operation(SERVICE, *args)
        except Exception as error:
            raise self._refusal(what, error) from None

    def _refusal(self, what: str, error: BaseException) -> CredentialStoreError:
        from drconsole.redact import exception_text

        return CredentialStoreError(
            f"the OS keyring ({_class_name(type(self.backend))}) refused to {what}: "
            f"{exception_text(error)}"
        )

    def names(self) -> list[str]:
        """The stored names, sorted."""
        text = self._call("read the index", self.backend.get_password, INDEX_ENTRY)
        if not text:
            return []
        try:
            names = json.loads(text)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise CredentialStoreError(
                f"the keyring entry {SERVICE}/{INDEX_ENTRY} is damaged: delete it with your "
                "keyring's own tool (e.g. `keyring del drconsole break-glass-index`)"
            )
        return sorted(set(names))

    def _write_index(self, names: list[str]) -> None:
        text = json.dumps(sorted(set(names)))
        self._call("write the index", self.backend.set_password, INDEX_ENTRY, text)

    def get(self, name: str) -> BreakGlassCredentials | None:
        """The credentials stored under `name`, or None; the secret is registered for
        redaction as soon as it is read."""
        text = self._call(f"read {name!r}", self.backend.get_password, ENTRY_PREFIX + name)
        if not text:
            return None
        try:
            data = json.loads(text)
            found = BreakGlassCredentials(
                name=name,
                access_key_id=str(data["aws_access_key_id"]),
                secret_access_key=str(data["aws_secret_access_key"]),
                mfa_serial=data.get("mfa_serial") or None,
            )
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise CredentialStoreError(
                f"the keyring entry {SERVICE}/{ENTRY_PREFIX}{name} is damaged: store it again "
                f"with `drconsole credentials set {name}`"
            ) from None
        register_secret(found.secret_access_key)
        return found

    def put(self, credentials: BreakGlassCredentials) -> bool:
        """Store `credentials` under their name; True when they replaced earlier ones."""
        register_secret(credentials.secret_access_key)
        names = self.names()
        self._call(
            f"store {credentials.name!r}",
            self.backend.set_password,
            ENTRY_PREFIX + credentials.name,
            credentials.to_json(),
        )
        if credentials.name not in names:
            self._write_index([*names, credentials.name])
            return False
        return True

    def delete(self, name: str) -> None:
        """Remove `name` (UsageError when it is not stored)."""
        names = self.names()
        if name not in names:
            raise UsageError(unknown_name(name, names))
        from keyring.errors import PasswordDeleteError

        try:
            self.backend.delete_password(SERVICE, ENTRY_PREFIX + name)
        except PasswordDeleteError:
            pass  # the entry was already gone: only the index still named it
        except Exception as error:
            raise self._refusal(f"delete {name!r}", error) from None
        self._write_index([n for n in names if n != name])


def unknown_name(name: str, names: list[str]) -> str:
    """The line for a name that is not stored."""
    known = f" (stored: {', '.join(names)})" if names else " (none are stored)"
    return (
        f"no break-glass credentials named {name!r}{known}: "
        f"store them with `drconsole credentials set {name}`"
    )
