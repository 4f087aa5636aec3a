"""The embedded AWS: moto plus drconsole's Backup additions, a job engine and scenarios.

It never imports `drconsole.policy`, `drconsole.checks` or `drconsole.diagnose`: its rules are
written on their own so that checks predicting its outcomes prove something.
"""
