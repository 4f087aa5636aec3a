"""The config file `drconsole init` writes: the new values merged into the old file, as TOML.

Every setting the old file holds and `init` does not ask about is kept as it is (other keys,
other profiles' sections). A key the active profile's `[profiles.NAME]` section sets is written
there, where it takes effect; other keys at the top level.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from drconsole.config import ConfigFile
from drconsole.errors import DrConsoleError, UsageError
from drconsole.output_files import replace_file

# The order keys are written in, top level and sections alike.
KEY_ORDER = (
    "profile",
    "regions",
    "dr_regions",
    "role_name",
    "management_account_id",
    "backup_account_id",
    "member_profiles",
    "read_only",
    "max_workers",
    "endpoint_url",
    "runbooks_dir",
)
HEADER = "# drconsole settings (see the README). Written by `drconsole init`.\n"
BARE_KEY = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class Answers:
    """What `init` settled on; None or () leaves the key out."""

    profile: str | None
    regions: tuple[str, ...]
    dr_regions: tuple[str, ...]
    role_name: str
    management_account_id: str | None
    backup_account_id: str | None
    read_only: bool
    endpoint_url: str | None
    runbooks_dir: str


def current(config: ConfigFile, profile: str | None, key: str) -> Any:
    """The value the old file gives `key` for `profile` (its section first), or None."""
    section = config.section_for(profile)
    return section[key] if key in section else config.top.get(key)


def merged(
    config: ConfigFile, answers: Answers
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(top level, profile sections) of the new file."""
    top = dict(config.top)
    profiles = {name: dict(table) for name, table in config.profiles.items()}
    section = profiles.get(answers.profile or "default", {})
    for key, value in asdict(answers).items():
        target = section if key in section and key != "profile" else top
        if value is None or value == ():
            target.pop(key, None)
        else:
            target[key] = list(value) if isinstance(value, tuple) else value
    return top, profiles


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    # JSON strings are TOML basic strings, but for DEL, which TOML wants escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(name: str) -> str:
    return name if name and set(name) <= BARE_KEY else _value(name)


def _table_lines(table: dict[str, Any]) -> list[str]:
    order = {key: index for index, key in enumerate(KEY_ORDER)}
    keys = sorted(table, key=lambda key: (order.get(key, len(order)), key))
    return [f"{_key(key)} = {_value(table[key])}" for key in keys]


def render(top: dict[str, Any], profiles: dict[str, dict[str, Any]]) -> str:
    """The TOML text; read back and compared, so what is shown is what loads."""
    lines = [HEADER.rstrip("\n"), *_table_lines(top)]
    for name in sorted(profiles):
        lines += ["", f"[profiles.{_key(name)}]", *_table_lines(profiles[name])]
    text = "\n".join(lines) + "\n"
    expected = {**top, **({"profiles": profiles} if profiles else {})}
    if tomllib.loads(text) != expected:
        raise DrConsoleError("the settings could not be written as TOML that reads back the same")
    return text


def diff(path: Path, old: str, new: str) -> str:
    """A unified diff of the old file and the new text ("" when they are the same)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{path} (now)",
        tofile=f"{path} (new)",
    )
    return "".join(lines)


def old_text(path: Path) -> str:
    """The old file's text ("" when there is none)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def comments_lost(old: str) -> bool:
    """True when the old file holds comments other than init's own header (not kept)."""
    return any(
        line.lstrip().startswith("#") and line != HEADER.rstrip("\n") for line in old.splitlines()
    ) or any(" #" in line and "=" in line for line in old.splitlines())


def write(path: Path, text: str) -> Path:
    """Replace the file atomically (through a symlink; a new file 0600); the file written."""
    try:
        return replace_file(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
