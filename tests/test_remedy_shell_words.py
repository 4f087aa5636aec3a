"""Values read from a message or from AWS stay one argument in the commands a remedy gives:
`explain` once wrote `--key-name x;touch /tmp/pwn` for a key pair named so (EC2 allows any
ASCII in a key pair's name), a command a person would paste."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.diagnose import diagnose
from drconsole.shell_words import shell_word

HOSTILE = 'x;touch /tmp/pwn $(id) "d" >out'


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1).filter(lambda v: "\x00" not in v))
def test_any_value_is_one_shell_word(value: str) -> None:
    assert shell_words(shell_word(value)) == [value]


def test_plain_values_are_left_as_they_are() -> None:
    arn = "arn:aws:backup:eu-central-1:111122223333:recovery-point:ab-12_3/x@y=z+1,2"
    assert shell_word(arn) == arn


def shell_words(line: str) -> list[str]:
    """A command line's words as a shell splits them: `;`, `|`, `>`, `(`… end a word."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def arguments_after(remediation: str, flag: str) -> list[str]:
    """The argument after `flag` in each command line of a remediation that has it."""
    found = []
    for line in remediation.splitlines():
        words = shell_words(line) if flag in line else []
        found += [words[i + 1] for i, word in enumerate(words[:-1]) if word == flag]
    return found


def test_a_hostile_key_pair_name_stays_one_argument_in_explains_commands() -> None:
    diagnosis = diagnose(f"The key pair '{HOSTILE}' does not exist")
    assert arguments_after(diagnosis.remediation, "--key-name") == [HOSTILE]
    assert arguments_after(diagnosis.remediation, "--key-names") == [HOSTILE]


def test_a_hostile_recovery_point_stays_one_argument_in_explains_commands() -> None:
    point = "arn:aws:backup:eu-central-1:111122223333:recovery-point:a;touch${IFS}/tmp/pwn"
    diagnosis = diagnose(f"There are no objects that match the restore request for {point}")
    assert arguments_after(diagnosis.remediation, "--recovery-point-arn") == [point]


def real_messages() -> list[str]:
    """AWS's real failure messages the explain rules were written from."""
    data = Path(__file__).parent / "data"
    found = []
    for name in ("restore_messages.json", "seed_messages.json"):
        for item in json.loads((data / name).read_text()):
            found.append(item["message"] if isinstance(item, dict) else str(item))
    return found


def hostile_variants(message: str) -> set[str]:
    """The message with each quoted name, ARN and resource id given a command after it."""
    variants = {
        message.replace(f"'{q}'", f"'{q};touch x'") for q in re.findall(r"'([^']+)'", message)
    }
    variants |= {message.replace(t, t + ";touch${IFS}x") for t in re.findall(ARN, message)}
    variants |= {message.replace(t, t + ";touch") for t in re.findall(RESOURCE_ID, message)}
    return variants


ARN = r"arn:[\w:/.-]+"
RESOURCE_ID = r"\b(?:vol|snap|sg|subnet|i|ami|fs)-[0-9a-f]+\b"


def test_no_value_of_a_real_message_breaks_out_of_a_remedys_command() -> None:
    messages = real_messages()
    assert len(messages) > 100
    broken = set()
    for message in messages:
        for variant in hostile_variants(message):
            for line in diagnose(variant).remediation.splitlines():
                command = line.strip().split("   (")[0]  # a command's trailing prose aside
                if command.startswith(("aws ", "drconsole ")):
                    words = shell_words(command)
                    if ";" in words or "touch" in words:
                        broken.add(command)
    assert broken == set(), sorted(broken)[:5]
