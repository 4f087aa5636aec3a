"""YAML read as nodes that know their place: file, line:column and path (`targets[1].name`).

PyYAML composes the document into nodes carrying their marks; the runbook parser reads those
nodes rather than constructed Python values, so every mistake names where it is, and scalars
are read from their text (an account id such as 012345678901 is never turned into a number).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from drconsole.errors import UsageError
from drconsole.limits import shown_path


class RunbookError(UsageError):
    """A runbook mistake: one line naming the file, the line:column and the path."""


@dataclass(frozen=True)
class Node:
    """A YAML node with the file it came from and its path inside the document."""

    node: yaml.Node
    file: str
    path: str

    @property
    def where(self) -> str:
        """`file:line:column` (1-based)."""
        mark = self.node.start_mark
        return f"{self.file}:{mark.line + 1}:{mark.column + 1}"

    def error(self, message: str) -> RunbookError:
        """A one-line error at this node."""
        place = f"{self.path}: " if self.path else ""
        return RunbookError(f"{self.where}: {place}{message}")

    @property
    def kind(self) -> str:
        """`mapping`, `list` or `scalar`."""
        if isinstance(self.node, yaml.MappingNode):
            return "mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "list"
        return "scalar"

    def shown(self) -> str:
        """How the node reads in a message."""
        if self.kind != "scalar":
            return f"a {self.kind}"
        text = str(self.node.value)
        return repr(text if len(text) <= 60 else text[:57] + "...")

    def is_null(self) -> bool:
        """True for an empty value, `~` or `null`."""
        return self.kind == "scalar" and self.node.tag == "tag:yaml.org,2002:null"

    # Containers ------------------------------------------------------------------------------

    def mapping(self, allowed: tuple[str, ...]) -> dict[str, Node]:
        """The node as a mapping with only `allowed` keys (each at most once)."""
        if self.kind != "mapping":
            raise self.error(
                f"expected a mapping with keys {', '.join(allowed)}, got {self.shown()}"
            )
        out: dict[str, Node] = {}
        for key_node, value_node in self.node.value:
            key = Node(key_node, self.file, self.path)
            if key.kind != "scalar":
                raise key.error("a key must be a plain word")
            name = str(key_node.value)
            path = f"{self.path}.{shown_path(name, 60)}" if self.path else shown_path(name, 60)
            if name not in allowed:
                raise Node(key_node, self.file, path).error(
                    f"unknown key (known keys: {', '.join(allowed)})"
                )
            if name in out:
                raise Node(key_node, self.file, path).error("key given twice")
            out[name] = Node(value_node, self.file, path)
        return out

    def items(self) -> Iterator[tuple[str, Node]]:
        """A mapping's keys and values, any keys (metadata)."""
        if self.kind != "mapping":
            raise self.error(f"expected a mapping, got {self.shown()}")
        seen: set[str] = set()
        for key_node, value_node in self.node.value:
            name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            path = f"{self.path}.{shown_path(name, 60)}"
            if not name:
                raise Node(key_node, self.file, self.path).error("a key must be a plain word")
            if name in seen:
                raise Node(key_node, self.file, path).error("key given twice")
            seen.add(name)
            yield name, Node(value_node, self.file, path)

    def sequence(self) -> list[Node]:
        """The node as a list."""
        if self.kind != "list":
            raise self.error(f"expected a list, got {self.shown()}")
        return [
            Node(child, self.file, f"{self.path}[{index}]")
            for index, child in enumerate(self.node.value)
        ]

    # Scalars ---------------------------------------------------------------------------------

    def text(self, what: str = "a text") -> str:
        """A non-empty scalar, as written."""
        if self.kind != "scalar" or self.is_null():
            raise self.error(
                f"expected {what}, got {self.shown() if not self.is_null() else 'nothing'}"
            )
        value = str(self.node.value).strip()
        if not value:
            raise self.error(f"expected {what}, got an empty text")
        return value

    def flag(self) -> bool:
        """true / false."""
        if self.kind == "scalar" and self.node.tag == "tag:yaml.org,2002:bool":
            return str(self.node.value).lower() in ("true", "yes", "on")
        raise self.error(f"expected true or false, got {self.shown()}")


def load(text: str, file: str) -> Node:
    """Compose one YAML document; a syntax error is one line with its line:column."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        problem = str(exc.problem or exc.context or "not valid YAML")
        if exc.context and problem.startswith("but "):
            problem = f"{exc.context}, {problem}"  # "expected a single document..., but found..."
        problem = " ".join(problem.split())
        raise RunbookError(f"{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise RunbookError(f"{file}: not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise RunbookError(f"{file}: not valid YAML: lists or maps nested too deeply") from None
    if root is None:
        raise RunbookError(f"{file}:1:1: the runbook is empty")
    return Node(root, file, "")
