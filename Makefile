# Quick start: `make demo` and `make test`. Both create .venv when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: demo test lint typecheck unit bench screenshots clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[demo,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/drconsole demo

test: $(STAMP)
	@scripts/ensure-system-tools.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@# Byte-compiled once here, and the test modules' rewritten asserts cached by one collection:
	@# where PYTHONDONTWRITEBYTECODE is set (as on the development machine), each of the suite's
	@# thousands of drconsole subprocesses compiled every module it imported (~0.1 s of CPU
	@# each), and each of the six workers rewrote every test module again (~4 s of CPU each).
	$(PY) -m compileall -q drconsole
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest --collect-only -q > /dev/null
	@# Six workers on two cores: much of the suite waits on tmux screens and the sandbox.
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n 6 --dist loadfile -q --durations=25

# Each prints drconsole's path beside the lower bound of its calls, a 16-thread boto3 script
# and a sequential scan; ACCOUNTS=1000 for the accounts screen at a thousand accounts.
ACCOUNTS ?= 100
bench: $(STAMP)
	$(PY) bench/startup_bench.py
	$(PY) bench/accounts_bench.py --accounts $(ACCOUNTS)
	$(PY) bench/filter_keys_bench.py --accounts $(ACCOUNTS)
	@scripts/ensure-system-tools.sh
	$(PY) bench/terminal_keys_bench.py --accounts $(ACCOUNTS)
	$(PY) bench/ls_bench.py
	$(PY) bench/vault_load_bench.py
	$(PY) bench/recovery_point_list_bench.py
	$(PY) bench/readiness_bench.py
	$(PY) bench/restore_checks_bench.py
	$(PY) bench/job_summary_bench.py --scenario large --night-jobs 100

screenshots: $(STAMP)
	$(PY) scripts/screenshots.py
	@scripts/ensure-system-tools.sh
	$(PY) scripts/drill_report_screenshot.py
	$(PY) scripts/readiness_report_screenshot.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
