"""How `drconsole init` gets each answer: questions in a terminal, or flags with `--yes`.

Both askers take the same parse functions (`_init_values`): in a terminal a bad answer is
asked again with the reason under it; with `--yes` a bad flag value is one line, exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from drconsole.errors import UsageError
from drconsole.redact import safe_line

T = TypeVar("T")
# parse(text, where) -> value, or UsageError saying why not.
Parse = Callable[[str, str], T]


class Asker(Protocol):
    """Where answers come from."""

    asks: bool  # True when a person answers (a default is then checked like any answer)

    def choose(
        self, key: str, message: str, choices: Sequence[tuple[str, str]], default: str
    ) -> str:
        """One of the choices' values (choices are (title, value))."""

    def text(self, key: str, message: str, default: str, parse: Parse[T]) -> T:
        """A typed value, parsed."""

    def confirm(self, key: str, message: str, default: bool) -> bool:
        """Yes or no."""

    def given(self, key: str) -> bool:
        """True when the answer to `key` was given up front (a flag)."""

    def flag(self, key: str) -> Any:
        """The value given up front for `key`, or None."""


def say(line: str = "") -> None:
    """One line of progress or explanation (stdout: stderr is for the one-line error)."""
    print(safe_line(line) if line else "", flush=True)


class _Flagged:
    """The flags given on the command line: key -> (flag name, raw value or None)."""

    def __init__(self, flags: Mapping[str, tuple[str, Any]]) -> None:
        self.flags = flags

    def flag(self, key: str) -> Any:
        return self.flags.get(key, ("", None))[1]

    def given(self, key: str) -> bool:
        return self.flag(key) is not None


class FlagAsker(_Flagged):
    """`init --yes`: each answer is its flag's value, else the proposed default."""

    asks = False

    def choose(
        self, key: str, message: str, choices: Sequence[tuple[str, str]], default: str
    ) -> str:
        flag, value = self.flags.get(key, ("", None))
        if value is None:
            return default
        values = [choice for _, choice in choices]
        if value not in values:
            known = ", ".join(v for v in values if v) or "none"
            raise UsageError(f"{flag} {safe_line(repr(value))}: expected one of {known}")
        return str(value)

    def text(self, key: str, message: str, default: str, parse: Parse[T]) -> T:
        flag, value = self.flags.get(key, ("", None))
        if value is None:
            return parse(default, key)
        return parse(str(value), flag)

    def confirm(self, key: str, message: str, default: bool) -> bool:
        value = self.flags.get(key, ("", None))[1]
        return default if value is None else bool(value)


class TerminalAsker(_Flagged):
    """Questions with questionary, a flag's value as the proposed answer; every bad answer is
    asked again with its reason."""

    asks = True

    def choose(
        self, key: str, message: str, choices: Sequence[tuple[str, str]], default: str
    ) -> str:
        import questionary

        if self.given(key):
            default = str(self.flag(key))
        options = [questionary.Choice(title, value=value) for title, value in choices]
        chosen = next((o for o in options if o.value == default), options[0])
        answer = questionary.select(message, choices=options, default=chosen).unsafe_ask()
        return str(answer)

    def text(self, key: str, message: str, default: str, parse: Parse[T]) -> T:
        import questionary

        def validate(text: str) -> bool | str:
            try:
                parse(text, "answer")
            except UsageError as error:
                return str(error).removeprefix("answer: ")
            return True

        if self.given(key):
            default = str(self.flag(key))
        answer = questionary.text(
            message, default=default, validate=validate, validate_while_typing=False
        ).unsafe_ask()
        return parse(answer, "answer")

    def confirm(self, key: str, message: str, default: bool) -> bool:
        import questionary

        if self.given(key) and key != "write":
            default = bool(self.flag(key))
        return bool(questionary.confirm(message, default=default).unsafe_ask())


def require_terminal() -> None:
    """Interactive init needs a terminal to ask in."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "drconsole init asks its questions in a terminal: run it in one, or pass --yes "
            "with the settings as flags (drconsole init --help)"
        )
