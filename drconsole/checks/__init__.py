"""Prerequisite checks: facts are gathered by `aws/`, verdicts are pure functions."""
