"""Widgets of the drconsole TUI."""
