"""Who is asked before a copy or restore flow, a drill's manual steps and a drill's abandoning:
--yes asks no one; --json or no terminal without --yes is a usage error saying what to pass."""

from __future__ import annotations

import argparse
import io
import sys

import pytest

from drconsole.commands import _drill_cli, _flow_cli
from drconsole.errors import UsageError

RUN = "20261205-001500-abcd"
FLOW_JSON = "--json needs --yes (there is no one to confirm the flow)"
FLOW_NO_TERMINAL = "not a terminal: pass --yes to run the flow without confirmation"
DRILL_JSON = "--json needs --yes (there is no one to answer the manual steps)"
DRILL_NO_TERMINAL = "not a terminal: pass --yes to run the drill headless"
ABANDON_JSON = (
    f"drill {RUN} is not finished: --json needs --yes to abandon it and delete what it created"
)
ABANDON_NO_TERMINAL = (
    f"drill {RUN} is not finished: not a terminal, pass --yes to abandon it and delete what it "
    "created"
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def args(*, yes: bool = False, json: bool = False) -> argparse.Namespace:
    return argparse.Namespace(yes=yes, json=json)


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO())


def refusal(call: object, *call_args: object) -> str:
    with pytest.raises(UsageError) as refused:
        call(*call_args)  # type: ignore[operator]
    return str(refused.value)


@pytest.mark.usefixtures("no_terminal")
def test_with_no_one_to_ask_each_command_says_what_to_pass() -> None:
    assert refusal(_flow_cli.require_confirmation_path, args(json=True)) == FLOW_JSON
    assert refusal(_flow_cli.require_confirmation_path, args()) == FLOW_NO_TERMINAL
    assert refusal(_drill_cli._interactive, args(json=True)) == DRILL_JSON
    assert refusal(_drill_cli._interactive, args()) == DRILL_NO_TERMINAL
    assert refusal(_drill_cli.confirm_abandon, args(json=True), RUN) == ABANDON_JSON
    assert refusal(_drill_cli.confirm_abandon, args(), RUN) == ABANDON_NO_TERMINAL


@pytest.mark.usefixtures("no_terminal")
def test_yes_asks_no_one() -> None:
    assert _flow_cli.require_confirmation_path(args(yes=True, json=True)) is False
    assert _drill_cli._interactive(args(yes=True, json=True)) is False
    assert _drill_cli.confirm_abandon(args(yes=True, json=True), RUN) is True


def test_in_a_terminal_the_person_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    # set in the test: pytest's capture replaces sys.stdout after the fixtures
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys, "stdout", Terminal())
    asked: list[str] = []

    def confirm(prompt: str, default: bool = False) -> bool:
        asked.append(prompt)
        return False

    monkeypatch.setattr(_flow_cli, "confirm", confirm)
    assert _flow_cli.require_confirmation_path(args()) is True
    assert _drill_cli._interactive(args()) is True
    assert _drill_cli.confirm_abandon(args(), RUN) is False
    assert asked == [f"Abandon drill {RUN} and delete what it created?"]
