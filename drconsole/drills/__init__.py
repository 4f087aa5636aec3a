"""Restore drills: runbooks, planning, running, validation, clean-up and evidence."""
