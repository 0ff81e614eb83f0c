# The image docker-compose.yml builds: the application, its static files, WeasyPrint's libraries.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN mkdir -p static/css && npm run build:css \
    && mkdir -p static/govuk \
    && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/ \
    && cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 safeguard
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=frontend /app/static/css ./static/css
COPY --from=frontend /app/static/govuk ./static/govuk
RUN DJANGO_SETTINGS_MODULE=safeguard.settings.local python manage.py collectstatic --noinput -v0 \
    && mkdir -p /data/media && chown -R safeguard /data /app/var
USER safeguard
EXPOSE 8000
