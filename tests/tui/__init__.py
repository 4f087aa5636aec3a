"""Tests of the Textual UI: Pilot, snapshots, tmux."""
