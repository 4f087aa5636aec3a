"""The restore form: one labelled input per metadata field, prefilled, checked as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from drconsole.flows import restore_forms as forms
from drconsole.tui.widgets.plain import Label, as_written
from drconsole.tui.widgets.typed_input import TypedInput


def tooltip_of(problem: str | None) -> Content | None:
    """A field's problem as its tooltip, as written: it quotes the value, which may come from
    the recovery point's metadata (Textual reads a tooltip string as markup)."""
    return None if problem is None else as_written(problem)


class FormInput(TypedInput):
    """An input whose Enter moves to the next field before the next key is read.

    Input's own Enter posts a message that is handled later; keys typed ahead (fast typing,
    or a burst over a slow SSH link) would reach the field just left. A priority binding runs
    while the key is read, so the focus has moved when the next one arrives."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_field", "Next field", show=False, priority=True)
    ]

    def action_next_field(self) -> None:
        """Focus the next field now; on the last one, submit the form."""
        pane = next(a for a in self.ancestors if isinstance(a, RestoreFormPane))
        fields = list(pane.query(FormInput))
        if self is fields[-1]:
            pane.post_message(RestoreFormPane.Submitted())
        else:
            self.screen.set_focus(fields[fields.index(self) + 1])


class RestoreFormPane(Vertical):
    """The fields of a `RestoreForm`; `values()` and `problems()` read them back."""

    DEFAULT_CSS = """
    RestoreFormPane { height: auto; }
    RestoreFormPane Label { margin-top: 1; }
    RestoreFormPane Input { background: $boost; }
    RestoreFormPane Input:focus { text-style: bold; background: $primary 20%; }
    RestoreFormPane Input.-wrong { text-style: underline; background: $error 30%; }
    """

    class Submitted(Message):
        """Enter was pressed in the last field."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.form: forms.RestoreForm | None = None

    def compose(self) -> ComposeResult:
        yield Label("The restore form appears once the copy is done.")

    async def load(self, form: forms.RestoreForm, values: dict[str, str]) -> None:
        """Show the form's fields with these values (done once they are mounted, so that
        the first can take the focus and a second load cannot meet the first's ids)."""
        self.form = form
        await self.remove_children()
        widgets: list[Widget] = [
            Label(f"Restore the {form.resource_type} recovery point in {form.region}")
        ]
        for index, form_field in enumerate(form.fields):
            hint = f" ({', '.join(form_field.choices)})" if form_field.choices else ""
            widgets.append(Label(f"{form_field.label} — {form_field.key}{hint}"))
            widgets.append(
                FormInput(
                    value=str(values.get(form_field.key, "")),
                    id=f"field-{index}",
                    name=form_field.key,
                    compact=True,
                )
            )
        await self.mount_all(widgets)

    def focus_first(self) -> None:
        """Focus the first field (at once: keys typed next belong to it)."""
        inputs = list(self.query(FormInput))
        if inputs:
            self.screen.set_focus(inputs[0])

    def focus_first_invalid(self) -> None:
        """Mark every invalid field and put the focus (and the view) on the first of them."""
        first: Input | None = None
        for widget in self.query(FormInput):
            problem = self._problem_of(widget)
            widget.set_class(problem is not None, "-wrong")
            widget.tooltip = tooltip_of(problem)
            if problem is not None and first is None:
                first = widget
        if first is not None:
            self.screen.set_focus(first)  # at once: keys typed next belong to it
            first.scroll_visible(animate=False)

    def _problem_of(self, widget: Input) -> str | None:
        form_field = self.form.field_for(str(widget.name)) if self.form else None
        if self.form is None or form_field is None:
            return None
        return forms.field_problem(form_field, widget.value, self.form.region)

    def values(self) -> dict[str, str]:
        """Field key -> the value typed."""
        return {str(widget.name): widget.value for widget in self.query(Input)}

    def problems(self) -> list[str]:
        """One line per invalid field (empty when the form is valid)."""
        if self.form is None:
            return ["the restore form is not loaded yet"]
        return forms.validate(self.form, self.values())

    @on(Input.Changed)
    def _check_field(self, event: Input.Changed) -> None:
        problem = self._problem_of(event.input)
        event.input.set_class(problem is not None, "-wrong")
        event.input.tooltip = tooltip_of(problem)
