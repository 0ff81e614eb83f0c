# The image docker-compose.yml and deploy/kubernetes/ run: the application, its static files and
# WeasyPrint's libraries; no tests, benchmarks, docs builds, .git, .venv, node_modules or var
# (only the app's own packages are copied in; .dockerignore keeps the rest out of the build
# context). Bases are pinned to exact releases (docs/adr/0041): the CSS stage to the Node.js the
# sass pin was built and tested with, the runtime to the Python the suite runs on. Bump them on
# purpose, together with the tests (tests/deploy/test_dockerfile.py checks the pins).
FROM node:20.20.2-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY assets ./assets
RUN mkdir -p static/css && npm run build:css \
    && mkdir -p static/govuk \
    && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/ \
    && cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/

FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 safeguard \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin safeguard
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
# The product's packages, one by one (the demo app too: it is in INSTALLED_APPS and its
# commands need an installed app, docs/adr/0027; it serves nothing unless its commands are run).
COPY manage.py gunicorn.conf.py ./
COPY safeguard ./safeguard
COPY audit ./audit
COPY schools ./schools
COPY chronology ./chronology
COPY concerns ./concerns
COPY contacts ./contacts
COPY referrals ./referrals
COPY allegations ./allegations
COPY transfers ./transfers
COPY oversight ./oversight
COPY reminders ./reminders
COPY roll ./roll
COPY home ./home
COPY demo ./demo
COPY api ./api
COPY templates ./templates
# Read at run time: the open bundle format's JSON schema (transfers/export/bundle.py).
COPY docs/bundle ./docs/bundle
COPY --from=frontend /app/static/css ./static/css
COPY --from=frontend /app/static/govuk ./static/govuk
RUN DJANGO_SETTINGS_MODULE=safeguard.settings.local python manage.py collectstatic --noinput -v0 \
    && rm -f var/safeguard.sqlite3 \
    && mkdir -p /data/media && chown -R 10001:10001 /data
# Numeric, so Kubernetes' runAsNonRoot can check it. The code stays root's, read-only to the app.
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK here: the image runs four kinds of process (web, two workers, scheduler), each
# checked its own way by docker-compose.yml and deploy/kubernetes/ (`manage.py health ...`).
