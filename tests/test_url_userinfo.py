"""A URL's user name and password are never printed, whatever characters they hold.

A password with an unencoded `#`, `?` or `/` is the usual reason a proxy or endpoint URL does
not parse at all: the refusal must still name the variable without quoting the password (nor
the head of it that urlsplit took for the port). Property tests run the real command line in
process over generated URL shapes; one case runs as a real process.
"""

from __future__ import annotations

import re
import string
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drconsole.redact import redact_text, safe_line, without_userinfo
from tests.bad_input import Case, assert_one_line_usage_error, run_in_process, run_process

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every printable character but space (which ends a URL in text) may stand in a password.
PASSWORD_CHARACTERS = string.ascii_letters + string.digits + "#?/@:!$&'()*+,;=%-._~\"<>[]{}|\\^`"
# A marker no host, scheme or message word holds: a password is found by it in any output.
MARK = "Zq"


def passwords() -> st.SearchStrategy[str]:
    return st.text(PASSWORD_CHARACTERS, min_size=1, max_size=16).map(lambda s: MARK + s + MARK)


def urls() -> st.SearchStrategy[tuple[str, str]]:
    """(url, password): a proxy or endpoint URL whose password may break its parsing."""
    return st.tuples(
        st.sampled_from(["http://", "https://", ""]),
        st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8),
        passwords(),
        # Hosts that need no DNS and ports where nothing listens: a URL that passes goes on
        # to a refused connection at once, whose error line must not show it either.
        st.sampled_from(["127.0.0.1", "[::1]", "localhost"]),
        st.sampled_from(["", ":9", ":99999", ":abc", ":0"]),
        st.sampled_from(["", "/", "/path?q=1"]),
    ).map(lambda p: (f"{p[0]}{p[1]}:{p[2]}@{p[3]}{p[4]}{p[5]}", p[2]))


def leaked(password: str, text: str) -> bool:
    # The password or any part of it that starts with the marker (urlsplit quotes its head).
    return password in text or MARK in text


@PROPERTY
@given(urls(), st.sampled_from(["before ", "'", '"', "url=", "(", ""]))
def test_redaction_masks_every_userinfo_in_text(url_and_password: tuple[str, str], lead: str):
    url, password = url_and_password
    if "://" not in url:
        url = "http://" + url  # in free text only a scheme marks a URL
    text = f"Could not connect to the endpoint URL: {lead}{url} and more"
    for cleaned in (redact_text(text), safe_line(text)):
        assert not leaked(password, cleaned), cleaned
        assert "***" in cleaned


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("url-home")


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "AWS_ENDPOINT_URL"])
def test_a_refused_url_never_shows_its_password(variable: str, home: Path) -> None:
    @settings(PROPERTY, max_examples=40)
    @given(urls())
    def check(url_and_password: tuple[str, str]) -> None:
        url, password = url_and_password
        outcome = run_in_process(Case(("ls", "vaults"), env={variable: url}), home)
        assert not leaked(password, outcome.stdout + outcome.stderr), outcome.stderr
        if outcome.code == 2:  # refused (a usable one goes on to the dead endpoint)
            assert_one_line_usage_error(outcome, Case(("ls", "vaults")))
            assert variable in outcome.stderr

    check()


def test_the_config_files_endpoint_url_is_refused_without_its_password(home: Path) -> None:
    config = b'endpoint_url = "http://ops:S3cr#tPa55@host:99"\n'
    bad = Case(
        ("ls", "vaults"),
        env={"AWS_ENDPOINT_URL": None},
        files={"config/drconsole/config.toml": config},
    )
    outcome = run_in_process(bad, home)
    assert_one_line_usage_error(outcome, bad)
    assert "S3cr" not in outcome.stderr and "tPa55" not in outcome.stderr
    assert "http://***:***@host:99" in outcome.stderr
    assert "%23" in outcome.stderr  # how to write such a password


def test_a_proxy_password_with_a_hash_in_a_real_process(tmp_path: Path) -> None:
    bad = Case(("ls", "vaults"), env={"HTTPS_PROXY": "http://ops:S3cr#tPa55@proxy.corp:8080"})
    outcome = run_process(bad, tmp_path)
    assert_one_line_usage_error(outcome, bad)
    assert "S3cr" not in outcome.stderr, outcome.stderr
    assert outcome.stderr.startswith("drconsole: HTTPS_PROXY: 'http://***:***@proxy.corp:8080'")


def test_explain_quotes_an_endpoint_without_its_password(home: Path) -> None:
    message = 'Could not connect to the endpoint URL: "http://ops:Secret99@host:1/"'
    outcome = run_in_process(Case(("explain", message)), home)
    assert outcome.code == 0, outcome.stderr
    assert "NETWORK" in outcome.stdout and "http://***:***@host:1/" in outcome.stdout
    assert "Secret99" not in outcome.stdout


# What is masked, as one pattern says it (without the bound on the length the masking once
# had): fine for the short texts below, seconds to minutes on a long hostile line.
REFERENCE = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>\S*)@")


@PROPERTY
@given(st.text(st.sampled_from(list("ab1_.+-:/@ é#\t")), max_size=40))
def test_masking_matches_the_reference_pattern(text: str) -> None:
    expected = REFERENCE.sub(lambda m: m["scheme"], text)
    assert without_userinfo(text) == expected
    masked = REFERENCE.sub(
        lambda m: m["scheme"] + ("***:***@" if ":" in m["userinfo"] else "***@"), text
    )
    assert redact_text(text) == redact_text(masked)


@pytest.mark.parametrize("length", [2049, 2100, 100_000])
def test_a_password_of_any_length_is_masked(length: int) -> None:
    password = "JwtLikePw" + "x" * length
    text = f'Could not connect to the endpoint URL: "http://u:{password}@127.0.0.1:1/"'
    assert (
        redact_text(text) == 'Could not connect to the endpoint URL: "http://***:***@127.0.0.1:1/"'
    )
    assert safe_line(text).count("JwtLikePw") == 0
    assert without_userinfo(f"http://u:{password}@127.0.0.1:1") == "http://127.0.0.1:1"


MEGABYTE = 1_000_000
HOSTILE_LINES = {
    "many schemes, no @": "a://" * (MEGABYTE // 4),
    "many schemes, then an @": "a://" * (MEGABYTE // 4) + "@host",
    "schemes that are not, an @ in the middle": "1://" * (MEGABYTE // 8)
    + "@"
    + "x" * (MEGABYTE // 2),
    # A word of a scheme repeated made a pattern go back over the rest of the line for each
    # `a`: minutes for a megabyte.
    "a scheme's words": "a." * (MEGABYTE // 2) + " http://u:p@host",
    "a megabyte of password": "http://u:" + "p" * MEGABYTE + "@host",
    "many URLs": "http://u:p@host " * (MEGABYTE // 16),
    "many @": "http://" + "@" * MEGABYTE,
}


@pytest.mark.parametrize("name", HOSTILE_LINES)
def test_a_megabyte_line_is_masked_fast(name: str) -> None:
    """The masking `redact_text` and the journal's `without_userinfo` share reads a line
    once, whatever it holds (the other redactions are bounded on their own)."""
    line = HOSTILE_LINES[name]
    # This thread's CPU, not the clock: a loaded machine must not fail it, a pattern that goes
    # back over the line (seconds of CPU) must.
    started = time.thread_time()
    without_userinfo(line)
    assert time.thread_time() - started < 0.5, name


def test_a_megabyte_password_in_an_error_line_is_masked_fast() -> None:
    started = time.thread_time()
    cleaned = redact_text(f'endpoint URL: "http://u:{"p" * MEGABYTE}@host:1/"')
    assert time.thread_time() - started < 1.0
    assert cleaned == 'endpoint URL: "http://***:***@host:1/"'
