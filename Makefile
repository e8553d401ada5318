# Comptoir — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?=
PG_URL ?= postgres://postgres@127.0.0.1:5432/comptoir
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

.PHONY: run serve test test-postgres bench lint messages install browser clean demo

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

# Web (127.0.0.1:$PORT, default 8000), django-q2 worker and the BigCommerce sandbox (127.0.0.1:$SANDBOX_PORT,
# default 8001), with demo data: `make run PORT=18000 SANDBOX_PORT=18001`. Ctrl-C or SIGTERM stops all three.
run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_data
	$(PY) manage.py schedules_install
	$(PY) scripts/run_all.py

# The production stack (README "Deploying"): the Procfile's processes — gunicorn, a django-q2 cluster per
# lane — on PostgreSQL + Redis with portal.settings.production (plain http on 127.0.0.1 is the only local
# override), and the sandbox; migrations, collectstatic, demo data and schedules first. Ctrl-C stops it all.
# `make serve PORT=18000 SANDBOX_PORT=18001 DATABASE_URL=postgres://… REDIS_URL=redis://…/1`
serve: install
	mkdir -p var
	$(PY) scripts/serve.py

# The whole suite on the embedded defaults (SQLite, ORM broker); PostgreSQL/Redis/Chromium tests
# skip with a reason when those are absent (CI turns such skips into failures).
test: install browser
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# The same suite against PostgreSQL and django-q2's Redis broker.
test-postgres: install browser
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# Every benchmark, each in its own process and database (a PostgreSQL database created and dropped for it
# when BENCH_POSTGRES_URL answers, else a SQLite file; Redis when BENCH_REDIS_URL answers), then one table.
# `make bench BENCH_ARGS=--tiny` runs each once at a tiny size (what CI runs); BENCH_TIMEOUT per bench (s).
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
BENCH_ARGS ?=
bench: install
	BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=sandbox --ignore=bench --ignore=scripts --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var $(VENV)
