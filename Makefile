# The one entry point for people, the README and CI. `make run` and `make test` install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_PG_PORT ?= 55432
TEST_REDIS_PORT ?= 56379
TEST_S3_PORT ?= 55900
TEST_ENV := DJANGO_SETTINGS_MODULE=safeguard.settings.test \
	DATABASE_URL=postgres://postgres@127.0.0.1:$(TEST_PG_PORT)/safeguard \
	CELERY_BROKER_URL=redis://127.0.0.1:$(TEST_REDIS_PORT)/0 \
	SAFEGUARD_TEST_REDIS_PORT=$(TEST_REDIS_PORT) SAFEGUARD_TEST_S3_PORT=$(TEST_S3_PORT)
LOCAL_ENV := DJANGO_SETTINGS_MODULE=safeguard.settings.local

.PHONY: help install system-packages python-packages frontend run migrate demo test lint format bench schema \
	services services-stop lock check-deploy clean

help:
	@echo "make run    install, build, migrate the embedded SQLite database, load the demo, start"
	@echo "            web (http://127.0.0.1:8000), worker and scheduler"
	@echo "make test   install, start PostgreSQL and Redis if none run, lint, run every test"
	@echo "make lint   ruff, migrations check, deployment check"
	@echo "make bench  benchmarks (search, chronology, chain check, reminders, CP-file PDF and bundle, roll import, API roll upsert, alert intake, every page as a ratio to the layout floor)"
	@echo "make lock   re-pin requirements*.txt from requirements*.in"

system-packages:
	@bash scripts/system-packages.sh

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

python-packages: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/css/app.css: node_modules/.package-lock.json assets/scss/app.scss
	npm run --silent build:css
	mkdir -p static/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/

frontend: static/css/app.css

install: system-packages python-packages frontend

migrate: install
	mkdir -p var
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput
	$(LOCAL_ENV) $(BIN)/python manage.py sync_role_permissions

demo: migrate
	$(LOCAL_ENV) $(BIN)/python manage.py seed_demo

run: demo
	mkdir -p var/broker/queue var/broker/processed var/broker/control
	$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Safeguard is starting at http://127.0.0.1:8000 (web, Celery worker and scheduler)."
	@echo "Sign in as dsl@alderbrook.example with password $${DEMO_PASSWORD:-demo-password-123}."
	@echo "Stop with Ctrl+C."
	$(LOCAL_ENV) $(BIN)/honcho start -f Procfile

services: system-packages
	@SAFEGUARD_TEST_PG_PORT=$(TEST_PG_PORT) SAFEGUARD_TEST_REDIS_PORT=$(TEST_REDIS_PORT) \
		SAFEGUARD_TEST_S3_PORT=$(TEST_S3_PORT) bash scripts/test-services.sh start

services-stop:
	@SAFEGUARD_TEST_PG_PORT=$(TEST_PG_PORT) SAFEGUARD_TEST_REDIS_PORT=$(TEST_REDIS_PORT) \
		SAFEGUARD_TEST_S3_PORT=$(TEST_S3_PORT) bash scripts/test-services.sh stop

lint: python-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=safeguard.settings.test DATABASE_URL=sqlite:// $(BIN)/mypy
	mkdir -p var
	$(LOCAL_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy

# The API's OpenAPI schema, committed so a change to it is seen in review (tests/api/test_schema.py).
schema: python-packages
	DJANGO_SETTINGS_MODULE=safeguard.settings.test DATABASE_URL=sqlite:// $(BIN)/python manage.py \
		spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

check-deploy: python-packages
	DJANGO_SETTINGS_MODULE=safeguard.settings.production \
		SECRET_KEY=check-deploy-only-$$(head -c 48 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
		ALLOWED_HOSTS=safeguard.example DATABASE_URL=postgres://check@127.0.0.1:1/check \
		CELERY_BROKER_URL=redis://127.0.0.1:1/0 EMAIL_URL=smtp+tls://check@127.0.0.1:1 \
		SIGNING_KEY_ENCRYPTION_KEY=$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_') \
		S3_BUCKET=check-deploy \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

PYTEST_WORKERS ?= 2
# loadgroup: the tenancy matrix (one xdist group) runs on one worker, so its world is built once.

test: install services lint
	$(TEST_ENV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install services
	$(TEST_ENV) $(BIN)/python -m pytest benchmarks -q -s

format: python-packages
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: python-packages
	$(BIN)/python -m pip install --quiet pip-tools==7.5.2
	$(BIN)/pip-compile -q --strip-extras --no-header --allow-unsafe --no-emit-index-url \
		--no-emit-find-links requirements.in -o requirements.txt
	$(BIN)/pip-compile -q --strip-extras --no-header --allow-unsafe --no-emit-index-url \
		--no-emit-find-links requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf var static/css static/govuk
