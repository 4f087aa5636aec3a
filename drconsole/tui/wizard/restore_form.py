"""The restore form: one labelled input per metadata field, prefilled, checked as you type."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from drconsole.flows import restore_forms as forms


class RestoreFormPane(Vertical):
    """The fields of a `RestoreForm`; `values()` and `problems()` read them back."""

    DEFAULT_CSS = """
    RestoreFormPane { height: auto; }
    RestoreFormPane Label { margin-top: 1; }
    RestoreFormPane Input { background: $boost; }
    RestoreFormPane Input:focus { text-style: bold; background: $primary 20%; }
    RestoreFormPane Input.-invalid { text-style: underline; background: $error 30%; }
    """

    class Submitted(Message):
        """Enter was pressed in the last field."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.form: forms.RestoreForm | None = None

    def compose(self) -> ComposeResult:
        yield Label("The restore form appears once the copy is done.")

    def load(self, form: forms.RestoreForm, values: dict[str, str]) -> None:
        """Show the form's fields with these values."""
        self.form = form
        self.remove_children()
        widgets: list[Widget] = [Label(f"Restore a {form.resource_type} in {form.region}")]
        for index, form_field in enumerate(form.fields):
            hint = f" ({', '.join(form_field.choices)})" if form_field.choices else ""
            widgets.append(Label(f"{form_field.label} — {form_field.key}{hint}"))
            widgets.append(
                Input(
                    value=str(values.get(form_field.key, "")),
                    id=f"field-{index}",
                    name=form_field.key,
                    compact=True,
                )
            )
        self.mount_all(widgets)

    def focus_first(self) -> None:
        """Focus the first field."""
        inputs = list(self.query(Input))
        if inputs:
            inputs[0].focus()

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
        if self.form is None or event.input.name is None:
            return
        form_field = self.form.field_for(event.input.name)
        if form_field is None:
            return
        problem = forms.field_problem(form_field, event.value, self.form.region)
        event.input.set_class(problem is not None, "-invalid")
        event.input.tooltip = problem

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if inputs and event.input is inputs[-1]:
            event.stop()
            self.post_message(self.Submitted())
        else:
            event.stop()
            self.screen.focus_next()
