"""`ls recovery-points --json` streamed: each page is written as it arrives, nothing is kept.

The output is the same document as every `ls --json` (`{"items": [...], "errors": [...],
"scope": {...}}`), written as it is read: one item per line inside `items`, in the order AWS
lists them (each vault's recovery points newest first, vaults as their pages arrive), then
`errors` and `scope` once every account and Region has answered. Each account is asked as soon as
the organization's walk lists it (`AccountFeed`), and the first recovery point is out as soon as
its page is; memory stays flat however many there are.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

import msgspec

from drconsole.models import AccountError, RecoveryPoint, VaultBatch

_ENCODER = msgspec.json.Encoder()


@dataclass
class Streamed:
    """What a streamed listing met besides its items."""

    errors: list[AccountError] = field(default_factory=list)
    failed_units: set[tuple[str, str]] = field(default_factory=set)
    items: int = 0
    reader_gone: bool = False  # stdout was closed by its reader (`head`): not an error


def stream_points(
    pages: Iterator[VaultBatch | list[RecoveryPoint] | AccountError],
    names: Mapping[str, str],
    out: TextIO = sys.stdout,
) -> Streamed:
    """Write `{"items": [` and every recovery point of `pages` as its page arrives; the caller
    closes the document with `finish`. `names`: the accounts' names by id (filled as the
    organization's walk lists them, ahead of their pages). Nothing is written until the first
    recovery point comes."""
    from drconsole.commands._ls_output import page_json

    result = Streamed()
    binary = _utf8_bytes_under(out)
    try:
        out.flush()  # whatever the text layer holds goes first
        for page in pages:
            if isinstance(page, AccountError):
                result.errors.append(page)
                listing = ("ListBackupVaults", "ListRecoveryPointsByBackupVault")
                if page.operation in listing and not page.skipped:
                    result.failed_units.add((page.account_id, page.region))
            elif isinstance(page, list) and page:
                # One line per item; a newline in JSON text is always the separator (strings
                # escape theirs), so the lines become the array's items by a replace.
                lines = _ENCODER.encode_lines(page_json(page, names))
                lines = lines[:-1].replace(b"\n", b",\n")
                head = b",\n" if result.items else b'{"items": [\n'
                if binary is not None:
                    binary.write(head)
                    binary.write(lines)
                    binary.flush()
                else:
                    out.write(head.decode() + lines.decode())
                    out.flush()
                result.items += len(page)
    except BrokenPipeError:
        result.reader_gone = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    finally:
        if isinstance(pages, Generator):
            pages.close()  # stop scheduling further pages (a reader gone)
    return result


def _utf8_bytes_under(out: TextIO) -> BinaryIO | None:
    """The bytes stream under `out` when its text is written in UTF-8, as msgspec writes it:
    the lines then go there as they are (a text stream would decode and encode again the 240
    MB of the `large` scenario's 300,000 points). None for a stream without bytes underneath
    (StringIO) or in another encoding (PYTHONIOENCODING): written as text."""
    binary: BinaryIO | None = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if binary is None or not encoding or codecs.lookup(encoding).name != "utf-8":
        return None
    return binary


def finish(
    result: Streamed, errors: list[dict[str, Any]], scope: dict[str, Any], out: TextIO = sys.stdout
) -> None:
    """Close the document: `errors` and `scope` after the items."""
    if result.reader_gone:
        return
    try:
        out.write(
            ("\n],\n" if result.items else '{"items": [\n],\n')
            + f' "errors": {_ENCODER.encode(errors).decode()},\n'
            f' "scope": {_ENCODER.encode(scope).decode()}\n}}\n'
        )
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
