"""A flag that takes one value, given again with another, is refused instead of the last winning.

`copy ... --to A --to B --yes` copied to B, and `--profile a ... --profile b` acted as b,
without a word: a second value is more likely a script appending its default than intent.
Global flags given both before and after the subcommand are compared the same way, except
`--region`, which is repeatable: its values from both places are all scanned (the
subcommand's used to replace the others).
"""

from __future__ import annotations

import argparse
from typing import Any

# The global flags' destinations (cli.add_global_flags); `regions` collects, the others hold one.
GLOBAL_VALUES = ("profile", "role_name", "config", "break_glass", "runbooks")
REGIONS = "regions"


def _twice(flag: str, first: object, then: object) -> str:
    from drconsole.limits import shown

    return f"{flag} given twice ({shown(first)} then {shown(then)}): give it once"


class StoreOnce(argparse._StoreAction):
    """argparse's `store`, refusing a second, different value for a flag without a default
    (what is acted on: `--recovery-point`, `--to`, `--account`, `--profile`...). A tuning
    flag with a default (`--poll-interval`) still takes its last value."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        before = getattr(namespace, self.dest, None)
        chosen = self.default in (None, argparse.SUPPRESS)
        if chosen and before is not None and before != values:
            parser.error(_twice("/".join(self.option_strings), before, values))
        super().__call__(parser, namespace, values, option_string)


class SubcommandKeepsGlobals(argparse._SubParsersAction):
    """argparse's subcommands, where a global flag given after the subcommand no longer
    silently replaces the same flag given before it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        before = {dest: getattr(namespace, dest, None) for dest in (*GLOBAL_VALUES, REGIONS)}
        super().__call__(parser, namespace, values, option_string)
        for dest in GLOBAL_VALUES:
            first, then = before[dest], getattr(namespace, dest, None)
            if first is not None and then is not None and then != first:
                parser.error(_twice(f"--{dest.replace('_', '-')}", first, then))
        first_regions, then_regions = before[REGIONS], getattr(namespace, REGIONS, None)
        if first_regions and then_regions is not None and then_regions is not first_regions:
            setattr(namespace, REGIONS, [*first_regions, *then_regions])


def register(parser: argparse.ArgumentParser) -> None:
    """Make `parser`'s plain value flags and its subcommands behave as above (argparse's own
    extension point: the actions it builds by name)."""
    parser.register("action", None, StoreOnce)
    parser.register("action", "store", StoreOnce)
    parser.register("action", "parsers", SubcommandKeepsGlobals)
