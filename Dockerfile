# Reparo's container image: the web server (gunicorn, reparo/server.py) by default; the same image runs the task
# worker and the migrations (compose.yaml). docs/deployment.md, "In containers".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REPARO_ENV=production \
    STATIC_ROOT=/srv/reparo/static \
    WEB_BIND=0.0.0.0:8000

RUN useradd --system --uid 10001 --home-dir /srv/reparo --create-home --shell /usr/sbin/nologin reparo
WORKDIR /srv/reparo/app

# Dependencies first (pinned: pyproject.toml and requirements/constraints.txt), so that a code change reuses them.
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
RUN mkdir reparo && touch reparo/__init__.py \
    && pip install -c requirements/constraints.txt -e . \
    && rm -rf reparo

COPY manage.py ./
COPY reparo/ reparo/
COPY templates/ templates/
COPY static/ static/
COPY locale/ locale/
COPY docs/ docs/
# Translations compiled, static files collected: neither needs a database nor a secret.
RUN python -m reparo.core.i18n_compile \
    && REPARO_ENV=development python manage.py collectstatic --no-input --verbosity 0 \
    && chown -R reparo:reparo /srv/reparo/static

USER reparo
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/healthz', headers={'Host': os.environ['ALLOWED_HOSTS'].split(',')[0], 'X-Forwarded-Proto': 'https'}); sys.exit(c.getresponse().status != 200)"]
CMD ["python", "-m", "gunicorn", "--config", "python:reparo.server"]
