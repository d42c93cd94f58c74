# Reparo — two commands: `make run` and `make test`. `make bench` runs the benchmarks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_ENV := REPARO_ENV=development

.PHONY: run test lint typecheck bench loadtest serve messages clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Reparo needs Python 3.11 or newer.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@touch $(STAMP)

var:
	@mkdir -p var

run: $(STAMP) var
	$(PY) -m reparo.core.i18n_compile
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) var
	$(PY) -m reparo.core.i18n_compile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Field-encryption costs, then the case list and case page at 100,000 synthetic cases (seeded once, kept in
# var/bench-<N>.sqlite3, or in database reparo_bench when DATABASE_URL names a PostgreSQL server; results in
# bench/results/latest.json). BENCH_CASES=5000 make bench for a quick run. See bench/README.md.
bench: $(STAMP) var
	$(PY) bench/run.py

# The production server: gunicorn (reparo/server.py) and the task worker, with the production settings from the
# environment (or from ENV_FILE, a file of NAME=value lines such as deploy/reparo.env.example). Checks the
# configuration and the database first; migrations are run separately, as the database owner. See docs/deployment.md.
serve: $(STAMP) var
	@set -a; if [ -n "$(ENV_FILE)" ]; then . "$(ENV_FILE)"; fi; set +a; \
	$(PY) -m reparo.core.i18n_compile && \
	$(PY) manage.py collectstatic --no-input --verbosity 0 && \
	{ $(PY) manage.py migrate --check --no-input >/dev/null || { echo "The database has unapplied migrations: run manage.py migrate as the database owner (docs/deployment.md)." >&2; exit 1; }; } && \
	exec $(PY) manage.py serve $(SERVE_ARGS)

# Load and soak: the production server on 127.0.0.1 against the benchmark database, N staff signed in with both
# factors, a mix of lists, searches, case pages, writes and dashboards. LOADTEST_SOAK=1 adds the 10-minute soak.
# See bench/README.md.
loadtest: $(STAMP) var
	$(PY) bench/loadtest.py

# Re-extract and compile translations (needs GNU gettext for extraction; compiling uses polib).
messages: $(STAMP)
	$(DEV_ENV) $(PY) manage.py makemessages --locale es --locale fr --locale ar --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) -m reparo.core.i18n_compile

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
