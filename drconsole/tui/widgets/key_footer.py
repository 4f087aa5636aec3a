"""A footer that hides and shows its keys in place as the focus moves, instead of rebuilding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

# What tells one key of the footer from another: key, action, description, disabled.
KeyShown = tuple[str, str, str, bool]


class KeyFooter(Footer):
    """Textual's Footer, but a change of the keys shown that only hides or shows keys it has
    already drawn is made in place.

    Textual's removes every key and mounts and styles new ones whenever the bindings change:
    `/` (the list's keys give way to the filter's Escape) and Escape (they come back) each paid
    it, a fifth of their time with a thousand accounts on screen. A key never drawn, or keys in
    another order, are composed again the Footer's own way.
    """

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and getattr(screen.focused, "covers_footer", False):
            # The focused widget's line lies over the footer (the `/` filter's): its keys are
            # not seen until the focus leaves it, and the keys drawn are most likely those
            # wanted then. Hiding them and showing them again cost `/` and Escape each a
            # layout of the footer and its keys restyled.
            return
        if screen is self.screen and self.is_attached and self._show_in_place(screen):
            return
        super().bindings_changed(screen)

    def _show_in_place(self, screen: Screen) -> bool:
        """Show exactly the keys `screen` offers if they are drawn already; say if it could."""
        drawn = [
            child
            for child in self.children
            if isinstance(child, FooterKey) and not child.has_class("-command-palette")
        ]
        grouped = any(not isinstance(child, FooterKey) for child in self.children)
        if not drawn or grouped:  # not composed yet, or with groups: the Footer's own way
            return False
        drawn_keys = [
            (key.key, key.action, key.description, key.has_class("-disabled")) for key in drawn
        ]
        shown = [False] * len(drawn)
        position = 0
        for wanted in offered_keys(screen):
            while position < len(drawn_keys) and drawn_keys[position] != wanted:
                position += 1
            if position == len(drawn_keys):
                return False
            shown[position] = True
            position += 1
        for key, show in zip(drawn, shown, strict=True):
            key.display = show
        return True


def offered_keys(screen: Screen) -> list[KeyShown]:
    """The keys the Footer would draw for `screen`, in its order (the first binding of each
    action, as it groups them)."""
    first_of_action: dict[str, KeyShown] = {}
    for _node, binding, enabled, _tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in first_of_action:
            first_of_action[binding.action] = (
                binding.key,
                binding.action,
                binding.description,
                not enabled,
            )
    return list(first_of_action.values())
