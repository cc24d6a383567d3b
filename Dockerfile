# strategy-bot: the production image. Build: docker build -t strategy-bot .
# Runs gunicorn with aiohttp workers (gunicorn.conf.py) as a non-root user; listens on 0.0.0.0:3978.
# tests/test_deploy/test_production_server.py runs this file's install steps and its CMD in a clean
# virtualenv against PostgreSQL (this machine cannot pull base images): keep them on one line each.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN python -m pip install -r requirements.txt -c constraints.txt

COPY app.py settings.py logs.py gunicorn.conf.py alembic.ini ./
COPY bot/ bot/
COPY cards/ cards/
COPY protocol/ protocol/
COPY scheduling/ scheduling/
COPY storage/ storage/
COPY tab/ tab/

# A user of its own, owning only the data folder (local .ics/.eml files, the generated link secret).
RUN useradd --system --uid 10001 --no-create-home --home-dir /app strategy \
    && mkdir -p /app/data && chown strategy /app/data
USER 10001

ENV HOST=0.0.0.0 PORT=3978 DATA_DIR=/app/data LOG_FORMAT=json WEB_CONCURRENCY=2 GRACEFUL_TIMEOUT=30
EXPOSE 3978

# Ready: the database answers with the schema this code needs (GET /readyz); /livez is for liveness probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '3978'), timeout=4)"]

CMD ["gunicorn", "app:production_app"]
