"""Screens of the drconsole TUI, one module each."""
