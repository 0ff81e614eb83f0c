# The one entry point for people, the README and CI. `make run` and `make test` install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11 (Debian 12's), or 3.12 where there is no 3.11 (Ubuntu 24.04's): docs/adr/0040.
ifndef PYTHON
PYTHON := $(firstword $(foreach p,python3.11 python3.12,$(if $(shell command -v $(p) 2>/dev/null),$(p))) python3.11)
endif
VENV := .venv
BIN := $(VENV)/bin
# Each stamp is written only once its step has succeeded, so a failed step runs again next time.
VENV_OK := $(VENV)/.created
# Each install step is stamped only once it succeeded. `make run` installs what the demo needs
# (the app's packages and honcho; Sass and GOV.UK Frontend); `make test` everything (the test and
# lint tools; axe-core and the Nu HTML Checker), and stamps the run's steps done too.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
NPM_TEST_STAMP := node_modules/.installed-test
CSS_STAMP := static/css/.built
TEST_PG_PORT ?= 55432
TEST_REDIS_PORT ?= 56379
TEST_S3_PORT ?= 55900
TEST_ENV := DJANGO_SETTINGS_MODULE=safeguard.settings.test \
	DATABASE_URL=postgres://postgres@127.0.0.1:$(TEST_PG_PORT)/safeguard \
	CELERY_BROKER_URL=redis://127.0.0.1:$(TEST_REDIS_PORT)/0 \
	SAFEGUARD_TEST_REDIS_PORT=$(TEST_REDIS_PORT) SAFEGUARD_TEST_S3_PORT=$(TEST_S3_PORT)
LOCAL_ENV := DJANGO_SETTINGS_MODULE=safeguard.settings.local

.PHONY: help install system-packages system-packages-run run-python-packages python-packages \
	frontend test-frontend run migrate demo test lint \
	format bench schema services services-stop lock check-deploy lint-deploy clean

help:
	@echo "make run    install, build, migrate the embedded SQLite database, load the demo, start"
	@echo "            web (http://127.0.0.1:8000), worker and scheduler"
	@echo "make test   install, start PostgreSQL, Redis and an S3 API (moto) if none run, lint, run every test"
	@echo "make lint   ruff, import-linter, mypy, migrations check, deployment check, Kubernetes manifests"
	@echo "make bench  benchmarks (search, chronology, chain check, reminders, CP-file PDF and bundle, roll import, API roll upsert, alert intake, every page as a ratio to the layout floor)"
	@echo "make lock   re-pin requirements*.txt from requirements*.in"
	@echo "make clean  remove what the build made (.venv, node_modules, built CSS, var/) to start again"

# What `make run` needs from the system (the venv module, WeasyPrint's libraries, Node and npm),
# and what `make test` adds (PostgreSQL, Redis, Chromium, poppler, openssl, Java): only those
# missing.
system-packages-run:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh run

system-packages: system-packages-run python-packages
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh test

# A venv that is not one, or whose pip does not run (`python -m venv` stopped half-way, say without
# python3.X-venv, or its Python has gone), is removed and made again.
$(VENV_OK): | system-packages-run
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' || \
		{ echo "Python 3.11 or 3.12 is needed: $(PYTHON) is $$($(PYTHON) --version 2>&1)"; exit 1; }
	@if ! { $(BIN)/python -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' && \
		$(BIN)/python -m pip --version; } >/dev/null 2>&1; then \
		rm -rf $(VENV) && echo "$(PYTHON) -m venv $(VENV)" && \
		{ $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; }; \
	fi
	@touch $@

$(RUN_STAMP): requirements.txt requirements-dev.txt | $(VENV_OK)
	@rm -f $@
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements.txt $$(grep '^honcho==' requirements-dev.txt)
	@touch $@

$(STAMP): requirements.txt requirements-dev.txt | $(VENV_OK)
	@rm -f $@
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(RUN_STAMP)

run-python-packages: $(RUN_STAMP)
python-packages: $(STAMP)

$(NPM_STAMP): package.json package-lock.json | system-packages-run
	@rm -f $@
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

$(NPM_TEST_STAMP): package.json package-lock.json | system-packages-run
	@rm -f $@
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@ $(NPM_STAMP)

test-frontend: $(NPM_TEST_STAMP)

# Built into place and stamped last, so a build stopped half-way is done again.
$(CSS_STAMP): $(NPM_STAMP) $(shell find assets/scss -name '*.scss')
	@rm -f $@
	npm run --silent build:css
	rm -rf static/govuk && mkdir -p static/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/
	@touch $@

frontend: $(CSS_STAMP)

install: system-packages-run run-python-packages frontend

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
	$(MAKE) --no-print-directory lint-deploy

# The API's OpenAPI schema, committed so a change to it is seen in review (tests/api/test_schema.py).
schema: python-packages
	DJANGO_SETTINGS_MODULE=safeguard.settings.test DATABASE_URL=sqlite:// $(BIN)/python manage.py \
		spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

check-deploy: python-packages
	DJANGO_SETTINGS_MODULE=safeguard.settings.production \
		SECRET_KEY=check-deploy-only-$$(head -c 48 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
		ALLOWED_HOSTS=safeguard.example DATABASE_URL=postgres://check@127.0.0.1:1/check \
		CELERY_BROKER_URL=redis://127.0.0.1:1/0 EMAIL_URL=smtp+tls://check@127.0.0.1:1 \
		SITE_URL=https://safeguard.example CACHE_URL=redis://127.0.0.1:1/1 \
		SIGNING_KEY_ENCRYPTION_KEY=$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_') \
		S3_BUCKET=check-deploy \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The Kubernetes manifests against the schemas of the Kubernetes release they are written for
# (bundled by kubernetes-validate, offline), strictly: an unknown or misspelt field fails.
# kustomization.yaml is kustomize's own file, not a Kubernetes resource.
KUBERNETES_VERSION ?= 1.32.0
lint-deploy: python-packages
	$(BIN)/kubernetes-validate --strict --quiet -k $(KUBERNETES_VERSION) \
		$$(ls deploy/kubernetes/*.yaml | grep -v kustomization.yaml)

PYTEST_WORKERS ?= 2
# loadgroup: the tenancy matrix (one xdist group) runs on one worker, so its world is built once.

test: python-packages test-frontend install services lint
	$(TEST_ENV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: python-packages install services
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

# What the build and the runs made: a person starts again from `make run` (README).
clean:
	@for d in $(VENV) node_modules; do \
		if [ -L $$d ]; then echo "$$d is a symbolic link: left alone (remove it yourself)"; \
		else rm -rf $$d; fi; \
	done
	rm -rf var static/css static/govuk test-results .pytest_cache .ruff_cache .mypy_cache .hypothesis \
		.import_linter_cache
	find . -name __pycache__ -type d -not -path './node_modules/*' -not -path './.venv/*' -prune \
		-exec rm -rf {} +
