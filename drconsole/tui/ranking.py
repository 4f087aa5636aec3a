"""How well a row matches a filter: best match first, so Enter after a filter opens what was meant.

A row offers its fields in order of importance (an account: name, id, OU path). Each word of
the query must appear in one of them (the filter's rule); a row whose name equals the query
outranks one whose name starts with it, which outranks a word of the name, then anywhere in the
name, then the id, then the other fields. `/prod` therefore puts `prod` before `prod-eu`, before
`legacy-prod`, before `dev` whose OU path only contains `Non-Prod`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Ranks of one query word in a row's fields (lower is better).
EXACT_NAME = 0
NAME_PREFIX = 1
NAME_WORD = 2
IN_NAME = 3
IN_ID = 4
ELSEWHERE = 5  # the first field after the id gets 5, the next 6, and so on

_WORD_START = re.compile(r"[^a-z0-9]+")

Rank = tuple[int, ...]


def word_rank(word: str, fields: Sequence[str]) -> int | None:
    """The best rank of one lowercase `word` in `fields` (name, id, then others), or None."""
    if not fields:
        return None
    name = fields[0]
    if word in name:
        if word == name:
            return EXACT_NAME
        if name.startswith(word):
            return NAME_PREFIX
        if any(part.startswith(word) for part in _WORD_START.split(name)):
            return NAME_WORD
        return IN_NAME
    for position, field in enumerate(fields[1:], start=1):
        if word in field:
            return IN_ID if position == 1 else ELSEWHERE + position - 2
    return None


def rank(query: str, fields: Sequence[str]) -> Rank | None:
    """How well `fields` (lowercase, most important first) match `query`: a tuple that sorts
    best first, or None when a word of the query matches nowhere.

    The whole query is ranked against the name first (`/prod db` equals the name `prod db`);
    otherwise each word counts, the worst word first (every word must match, so a row is only
    as good as its weakest word).
    """
    words = query.lower().split()
    if not words:
        return (EXACT_NAME,)
    lowered = [field.lower() for field in fields]
    whole = " ".join(words)
    if len(words) > 1 and lowered and whole in lowered[0]:
        return (word_rank(whole, lowered) or IN_NAME,)
    ranks = []
    for word in words:
        found = word_rank(word, lowered)
        if found is None:
            return None
        ranks.append(found)
    return tuple(sorted(ranks, reverse=True))
