"""`python -m drconsole` runs the command line."""

from drconsole.cli import main

raise SystemExit(main())
