"""The console's text widgets: what they are given is shown as written, never read as markup.

Textual's Static, Label, Button, Checkbox, Select and tooltips read a string as markup: a name
from AWS such as `[prod] payments` showed as `payments`, and `[/x] ops` (a valid account name)
raised MarkupError and stopped the console. And none of them, Rich Text and Textual Content
included, keeps an escape character from the terminal: an OU named with `\\x1b[2J\\x1b]0;...`
cleared the operator's screen and retitled the window. Most of what the console shows quotes
AWS (names, tags, ARNs, job messages, policies), files (runbooks) or what the operator typed,
so these widgets read no markup and write every control character but the line break as an
escape (`\\x1b`), keeping the styles of a Text or Content that drconsole built. The rest of the
console uses these, never Textual's own (`tests/tui/test_plain_text_rule.py` holds it to that).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.console import RenderableType
from rich.text import Span as TextSpan
from rich.text import Text
from textual import widgets
from textual.content import Content, ContentText
from textual.content import Span as ContentSpan
from textual.visual import VisualType

from drconsole.tui.widgets.cell_width import CONTROL, escaped, escaped_lines

SelectType = TypeVar("SelectType")


def _escaped_offsets(plain: str) -> tuple[str, list[int]] | None:
    """`plain` with every control character but `\\n` escaped, and where each of its offsets
    went (for moving styles along), or None when there is nothing to escape."""
    matches = [match for match in CONTROL.finditer(plain) if match.group() != "\n"]
    if not matches:
        return None
    pieces: list[str] = []
    offsets: list[int] = []
    done = 0
    length = 0
    for match in matches:
        start = match.start()
        offsets.extend(range(length, length + start - done))
        pieces.append(plain[done:start])
        length += start - done
        escape = escaped(match.group())
        offsets.append(length)
        pieces.append(escape)
        length += len(escape)
        done = match.end()
    offsets.extend(range(length, length + len(plain) - done + 1))
    pieces.append(plain[done:])
    return "".join(pieces), offsets


def written_text(text: Text) -> Text:
    """A Text with its control characters (but line breaks) escaped, its styles kept."""
    escaped_plain = _escaped_offsets(text.plain)
    if escaped_plain is None:
        return text
    plain, offsets = escaped_plain
    copy = text.blank_copy(plain)
    copy.spans = [TextSpan(offsets[s.start], offsets[s.end], s.style) for s in text.spans]
    return copy


def written_content(content: Content) -> Content:
    """A Content with its control characters (but line breaks) escaped, its styles kept."""
    escaped_plain = _escaped_offsets(content.plain)
    if escaped_plain is None:
        return content
    plain, offsets = escaped_plain
    spans = [ContentSpan(offsets[s.start], offsets[s.end], s.style) for s in content.spans]
    return Content(plain, spans)


def as_written(value: ContentText) -> Content:
    """What a widget that reads strings as markup (a button, a tooltip, an option) should be
    given: the text as Content, never markup, its control characters escaped."""
    if isinstance(value, str):
        return Content(escaped_lines(value))
    if isinstance(value, Text):
        return Content.from_rich_text(written_text(value))
    return written_content(value)


def shown(content: Any) -> Any:
    """`content` for a Static that reads no markup: strings, Rich Text and Content with their
    control characters escaped; any other renderable (a Rich Table) as it is, built safe."""
    if isinstance(content, str):
        return escaped_lines(content)
    if isinstance(content, Text):
        return written_text(content)
    if isinstance(content, Content):
        return written_content(content)
    return content


class Static(widgets.Static):
    """Textual's Static that reads no markup and escapes control characters."""

    def __init__(
        self,
        content: VisualType = "",
        *,
        expand: bool = False,
        shrink: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            shown(content),
            expand=expand,
            shrink=shrink,
            markup=False,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show `content` as written."""
        super().update(shown(content), layout=layout)


class Label(widgets.Label):
    """Textual's Label (as wide as its text) that reads no markup and escapes control
    characters."""

    def __init__(
        self,
        content: VisualType = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            shown(content), markup=False, name=name, id=id, classes=classes, disabled=disabled
        )

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show `content` as written."""
        super().update(shown(content), layout=layout)


class Button(widgets.Button):
    """Textual's Button whose label is shown as written."""

    def __init__(self, label: ContentText, *args: Any, **kwargs: Any) -> None:
        super().__init__(as_written(label), *args, **kwargs)

    def validate_label(self, label: ContentText) -> Content:
        """A new label, as written."""
        return as_written(label)


class Checkbox(widgets.Checkbox):
    """Textual's Checkbox whose label is shown as written."""

    def _make_label(self, label: ContentText) -> Content:
        # ToggleButton reads its label here, at creation and when it is set.
        return super()._make_label(as_written(label))


class Select(widgets.Select[SelectType]):
    """Textual's Select whose options are shown as written (the overlay and the current
    choice would read a string as markup)."""

    def __init__(self, options: Iterable[tuple[RenderableType, SelectType]], **kwargs: Any) -> None:
        super().__init__(self._written(options), **kwargs)

    def set_options(self, options: Iterable[tuple[RenderableType, SelectType]]) -> None:
        """Replace the options, each shown as written."""
        super().set_options(self._written(options))

    @staticmethod
    def _written(
        options: Iterable[tuple[RenderableType, SelectType]],
    ) -> list[tuple[RenderableType, SelectType]]:
        return [
            (as_written(prompt) if isinstance(prompt, str | Text | Content) else prompt, value)
            for prompt, value in options
        ]
