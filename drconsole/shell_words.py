"""Values put into a command a person pastes: quoted where a shell would read them otherwise."""

from __future__ import annotations

import re
import shlex

# What a shell reads as one plain word: ARNs, ids, names, Regions, paths. Anything else (a
# space, `;`, `$(…)`, a quote, `<`, `>`, a glob) is quoted, so that a key pair named
# `x;rm -rf ~` (EC2 allows it) or a value read from a pasted message stays one argument.
PLAIN_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def shell_word(value: str) -> str:
    """`value` as one shell word: itself when plain, else single-quoted."""
    return value if PLAIN_WORD.fullmatch(value) else shlex.quote(value)
