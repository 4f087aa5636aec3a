"""The console draws text only through widgets that show it as written (`tui/widgets/plain.py`):
a rule read from the source of `drconsole/tui`, so that a new screen cannot bring back a widget
that reads AWS names as markup or passes their control characters to the terminal."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parents[2] / "drconsole" / "tui"

# Textual's widgets that read a string as markup or draw text without escaping it, and the one
# module allowed to import each (the wrapper the rest of the console uses instead).
PLAIN = "widgets/plain.py"
WRAPPED = {
    "Static": PLAIN,
    "Label": PLAIN,
    "Button": PLAIN,
    "Checkbox": PLAIN,
    "Select": PLAIN,
    "RichLog": "widgets/wrapped_log.py",
}
# Textual's widgets the console has no wrapper for yet: each reads strings as markup (or, for
# Markdown, draws a document) and would need one before it is used.
UNWRAPPED = {
    "RadioButton",
    "RadioSet",
    "OptionList",
    "SelectionList",
    "Tree",
    "DirectoryTree",
    "Collapsible",
    "Markdown",
    "MarkdownViewer",
    "Log",
    "Header",
    "Tab",
    "Tabs",
    "TabbedContent",
    "TabPane",
    "Tooltip",
    "Pretty",
    "Link",
    "TextArea",
}
# Widgets that may be imported (for queries and messages) but are built only by their wrapper.
BUILT_BY = {
    "Input": "widgets/typed_input.py",
    "DataTable": "widgets/fitted_table.py",
}
# Functions that read their first argument as markup (or ANSI codes).
MARKUP_READERS = {"from_markup", "render_str", "from_ansi", "highlight"}
# Attributes and arguments Textual draws as markup when given a string.
MARKUP_ATTRIBUTES = {"tooltip", "title", "sub_title", "border_title", "border_subtitle"}
# Calls that make a value safe for them.
WRITTEN = {"as_written", "escaped_lines", "tooltip_of"}


def _literal(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and isinstance(node.value, str | None))


def _name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _written(node: ast.expr) -> bool:
    return _literal(node) or (isinstance(node, ast.Call) and _name_of(node.func) in WRITTEN)


def violations(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, what is wrong) for each use of raw text drawing in `source` (the file `module`,
    relative to `drconsole/tui`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
            for alias in node.names:
                allowed = WRAPPED.get(alias.name)
                if alias.name in UNWRAPPED or (allowed is not None and module != allowed):
                    where = f"drconsole/tui/{allowed}" if allowed else "a wrapper in plain.py"
                    yield (
                        node.lineno,
                        (
                            f"Textual's {alias.name} is imported: it reads strings as markup and "
                            f"passes control characters on; use {where}"
                        ),
                    )
        elif isinstance(node, ast.Call):
            name = _name_of(node.func)
            if name in BUILT_BY and module != BUILT_BY[name]:
                yield node.lineno, f"{name}(...) is built here; use drconsole/tui/{BUILT_BY[name]}"
            if name in MARKUP_READERS and node.args and not _literal(node.args[0]):
                yield node.lineno, f"{name}(...) reads a non-literal text as markup"
            for keyword in node.keywords:
                if (
                    keyword.arg == "markup"
                    and isinstance(keyword.value, ast.Constant)
                    and keyword.value.value is True
                ):
                    yield (
                        node.lineno,
                        "markup=True: text from AWS or a file would be read as markup",
                    )
                if keyword.arg in MARKUP_ATTRIBUTES and not _written(keyword.value):
                    yield (
                        node.lineno,
                        (f"{keyword.arg}= is given a non-literal string: wrap it in as_written()"),
                    )
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in MARKUP_ATTRIBUTES
                    and not _written(node.value)
                ):
                    yield (
                        node.lineno,
                        (
                            f".{target.attr} is set to a non-literal string, which Textual "
                            "reads as markup: wrap it in as_written()"
                        ),
                    )


def test_the_console_draws_text_only_through_widgets_that_show_it_as_written() -> None:
    found = [
        f"drconsole/tui/{path.relative_to(TUI).as_posix()}:{line}: {what}"
        for path in sorted(TUI.rglob("*.py"))
        for line, what in violations(path.read_text(), path.relative_to(TUI).as_posix())
    ]
    assert not found, "text drawn as markup or with raw control characters:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from textual.widgets import Static\n", "Textual's Static is imported"),
        ("from textual.widgets import Tree, Input\n", "Textual's Tree is imported"),
        ("x = Input(value=name)\n", "Input(...) is built here"),
        ("t = Text.from_markup(name)\n", "from_markup(...) reads a non-literal"),
        ("w = Thing(name, markup=True)\n", "markup=True"),
        ("widget.tooltip = problem\n", ".tooltip is set to a non-literal"),
        ("self.sub_title = f'{account.name}'\n", ".sub_title is set to a non-literal"),
        ("b = Thing('x', tooltip=problem)\n", "tooltip= is given a non-literal"),
    ],
)
def test_the_rule_names_each_kind_of_raw_text(source: str, expected: str) -> None:
    found = list(violations(source, "screens/example.py"))
    assert found and expected in found[0][1] and found[0][0] == 1


@pytest.mark.parametrize(
    "source",
    [
        "from drconsole.tui.widgets.plain import Static\ns = Static(name)\n",
        "widget.tooltip = as_written(problem)\n",
        "widget.tooltip = None\n",
        "t = Text.from_markup('[b]Keys[/b]')\n",
        "from textual.widgets import Input, Footer\n",
    ],
)
def test_the_rule_lets_text_shown_as_written_pass(source: str) -> None:
    assert list(violations(source, "screens/example.py")) == []
