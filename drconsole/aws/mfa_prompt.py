"""The MFA code an AWS profile's role asks for (`mfa_serial`): typed on the terminal before the
console draws its screen, never while it is drawn, and one clear line where no one can type."""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import CredentialRetrievalError

PROMPT_PREFIX = "Enter MFA code for "

# Set while the console's screen owns the terminal: botocore's own prompt would be drawn over it
# and the digits typed would reach the console, not the prompt (it then waited for ever).
_console_on_screen = threading.Event()


class MfaCodeUnavailable(CredentialRetrievalError):
    """No one can type the MFA code a profile's role asks for."""

    def __init__(self, serial: str, why: str) -> None:
        super().__init__(
            provider="assume-role", error_msg=f"the role asks for an MFA code ({serial}); {why}"
        )


def console_on_screen(on: bool) -> None:
    """Say whether the console's screen owns the terminal (no prompt may be written then)."""
    if on:
        _console_on_screen.set()
    else:
        _console_on_screen.clear()


def _terminal_available() -> bool:
    try:
        descriptor = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(descriptor)
    return True


def ask(prompt: str) -> str:
    """botocore's prompter for AssumeRole's TokenCode: getpass on the terminal, or
    MfaCodeUnavailable (a credential failure, CREDENTIALS_EXPIRED) where no one can type it."""
    serial = prompt.removeprefix(PROMPT_PREFIX).rstrip(": ")
    if _console_on_screen.is_set():
        raise MfaCodeUnavailable(
            serial, "it cannot be typed while the console is on screen: quit and start it again"
        )
    if not _terminal_available():
        raise MfaCodeUnavailable(
            serial, "there is no terminal to type it in (run drconsole from a terminal)"
        )
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise MfaCodeUnavailable(serial, "no code was typed") from None


def install(session: Any) -> None:
    """Make `session` (boto3) ask for MFA codes through `ask` instead of botocore's getpass.

    botocore offers no public setting for it: the assume-role provider keeps its prompter in
    `_prompter` (tests/test_mfa_prompt.py fails if that changes). A configuration botocore
    cannot read is left for the first call to report, as before.
    """
    try:
        resolver = session._session.get_component("credential_provider")
        provider = resolver.get_provider("assume-role")
    except Exception:
        return
    if provider is not None and hasattr(provider, "_prompter"):
        provider._prompter = ask


def profiles_asking_for_code(
    profiles: Iterable[str | None], config: Mapping[str, Any]
) -> list[str]:
    """The profiles (None: `default`) whose credentials come from a role assumed with an MFA
    code, directly or through their `source_profile` chain."""
    sections: Mapping[str, Any] = config.get("profiles", {})
    asking = []
    for profile in profiles:
        name, seen = profile or "default", set()
        while name in sections and name not in seen:
            seen.add(name)
            section = sections[name]
            if "role_arn" in section and "mfa_serial" in section:
                asking.append(profile or "default")
                break
            name = section.get("source_profile")
    return asking
