"""AWS threads wait, before sending a request, while the console answers a key; never for long,
and never on the command line (nothing holds them there)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from drconsole.aws.pacing import FOREGROUND, LONGEST_HOLD, Foreground
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.server import Sandbox
from tests.sandbox.conftest import empty_sandbox

MANAGEMENT = "123456789012"
REGION = "eu-central-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as running:
        yield running


@pytest.fixture()
def sessions(sandbox: Sandbox) -> Iterator[AwsSessions]:
    yield AwsSessions(
        Settings(
            regions=(REGION,),
            endpoint_url=sandbox.endpoint_url,
            static_credentials=Credentials.from_mapping(sandbox.credentials_for(MANAGEMENT)),
        )
    )
    # Whatever a failed test left held lets go by itself; wait for it, for the next test.
    FOREGROUND.wait()
    assert not FOREGROUND.held


def listings_since(sandbox: Sandbox, mark: int) -> int:
    return sum(1 for seen in sandbox.request_log.since(mark) if seen.name.endswith("Vaults"))


def test_a_request_waits_until_the_key_is_answered(sandbox: Sandbox, sessions: AwsSessions) -> None:
    client = sessions.client("backup", None, REGION)
    client.list_backup_vaults()  # credentials and connection made beforehand
    mark = sandbox.request_log.mark()
    FOREGROUND.hold()
    held_at = time.monotonic()
    call = threading.Thread(target=client.list_backup_vaults)
    call.start()
    time.sleep(LONGEST_HOLD / 2)
    sent = listings_since(sandbox, mark)
    # Held before sending, unless this thread was kept off the CPU past the longest hold (a
    # loaded machine), after which the request may rightly go.
    assert sent == 0 or time.monotonic() - held_at >= LONGEST_HOLD
    FOREGROUND.answered()
    call.join(timeout=10)
    assert listings_since(sandbox, mark) == 1


def test_a_hold_whose_answer_never_comes_lets_go_by_itself(sessions: AwsSessions) -> None:
    client = sessions.client("backup", None, REGION)
    client.list_backup_vaults()
    FOREGROUND.hold()
    started = time.monotonic()
    client.list_backup_vaults()  # this very thread waits, then goes
    waited = time.monotonic() - started
    assert LONGEST_HOLD * 0.9 <= waited < LONGEST_HOLD + 5
    assert not FOREGROUND.held


def test_nothing_waits_when_nothing_is_held(sessions: AwsSessions) -> None:
    client = sessions.client("backup", None, REGION)
    client.list_backup_vaults()
    started = time.monotonic()
    for _ in range(5):
        client.list_backup_vaults()
    # Five calls to a local sandbox: far below one hold, let alone five.
    assert time.monotonic() - started < LONGEST_HOLD * 5


def test_each_held_input_must_be_answered() -> None:
    foreground = Foreground()
    foreground.hold()
    foreground.hold()
    foreground.answered()
    assert foreground.held  # the second key is still being answered
    foreground.answered()
    assert not foreground.held
    foreground.answered()  # an answer too many does not open a later hold early
    foreground.hold()
    assert foreground.held
    foreground.answered()
    assert not foreground.held


def test_a_later_key_extends_the_hold() -> None:
    foreground = Foreground()
    foreground.hold()
    time.sleep(LONGEST_HOLD * 0.6)
    foreground.hold()
    started = time.monotonic()
    foreground.wait()
    assert time.monotonic() - started >= LONGEST_HOLD * 0.8
