"""IAM wildcards: the hand-written matcher agrees with the regular-expression semantics it
replaced, and a policy built to make a regex backtrack answers in milliseconds."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from drconsole.policy import Request, arn_like, evaluate, wildcard_match
from drconsole.sandbox.access import _like as sandbox_like
from tests import forked_cli

PATHOLOGICAL = "arn:" + "*?" * 10 + "Z"
LONG_ARN = "arn:aws:backup:eu-central-1:123456789012:backup-vault:" + "a" * 2000
FAST = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def regex_match(chars: tuple[tuple[str, bool], ...], value: str, ignore_case: bool) -> bool:
    """The semantics before: each live `*` a `.*`, each live `?` a `.`, the rest literal."""
    pieces = []
    for c, live in chars:
        pieces.append(".*" if live and c == "*" else "." if live and c == "?" else re.escape(c))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch("".join(pieces), value, flags) is not None


# A small alphabet makes matches likely; ':' and '/' are where IAM ARNs differ from globs.
TEXT = st.text(alphabet="ab:/*?", max_size=12)
CHARS = st.lists(st.tuples(st.sampled_from("ab:/*?"), st.booleans()), max_size=12).map(tuple)


@FAST
@given(CHARS, st.text(alphabet="ab:/*?\n", max_size=14))
@example((("*", True), ("?", True), ("b", True)), "ab")
@example((("*", False),), "a")  # a `*` from a policy variable is literal
def test_matcher_agrees_with_the_regex_semantics(chars, value: str) -> None:
    assert wildcard_match(chars, value) == regex_match(chars, value, False)


@FAST
@given(
    st.lists(st.tuples(st.sampled_from("aBc*?:"), st.just(True)), max_size=10).map(tuple),
    st.text(alphabet="AbC:", max_size=12),
)
def test_ignoring_case_agrees_for_action_names(chars, value: str) -> None:
    assert wildcard_match(chars, value, True) == regex_match(chars, value, True)


@FAST
@given(TEXT, st.text(alphabet="ab:/", max_size=14), st.booleans())
def test_the_sandboxs_own_matcher_agrees_too(pattern: str, value: str, ignore_case: bool) -> None:
    live = tuple((c, True) for c in pattern)
    assert sandbox_like(pattern, value, ignore_case) == regex_match(live, value, ignore_case)


def test_arn_like_matches_each_component_separately() -> None:
    live = tuple((c, True) for c in "arn:aws:iam::*:role/*")
    assert arn_like(live, "arn:aws:iam::123456789012:role/ops/admin")
    # `*` does not cross into another ARN component for ArnLike
    assert not arn_like(tuple((c, True) for c in "arn:*:iam"), "arn:aws:iam::1:role/x")


def test_the_backtracking_policy_is_decided_in_milliseconds() -> None:
    chars = tuple((c, True) for c in PATHOLOGICAL)
    started = time.perf_counter()
    assert not wildcard_match(chars, LONG_ARN)
    assert not sandbox_like(PATHOLOGICAL, LONG_ARN)
    matched = time.perf_counter() - started
    assert matched < 0.05, f"{matched * 1000:.1f} ms"
    policy = {"Statement": [{"Effect": "Allow", "Action": "backup:*", "Resource": PATHOLOGICAL}]}
    request = Request("backup:CopyIntoBackupVault", "arn:aws:iam::123456789012:root", LONG_ARN)
    assert evaluate(policy, request).decision == "implicit-deny"
    elapsed = time.perf_counter() - started
    # As a regex this took minutes (13 s with eight `*?`, over 100 s with ten); parsing the
    # policy is included here, on a machine that may be loaded.
    assert elapsed < 0.5, f"{elapsed * 1000:.1f} ms"


def test_policy_simulate_answers_the_backtracking_policy_at_once(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    statement = {"Effect": "Allow", "Action": "backup:*", "Resource": PATHOLOGICAL}
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    started = time.monotonic()
    done = forked_cli.run(
        [
            sys.executable,
            "-m",
            "drconsole",
            "policy",
            "simulate",
            "--policy",
            str(policy),
            "--action",
            "backup:CopyIntoBackupVault",
            "--principal",
            "arn:aws:iam::123456789012:root",
            "--resource",
            LONG_ARN,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["decision"] == "implicit-deny"
    assert elapsed < 10, f"{elapsed:.1f} s"  # Python start-up included; minutes before
