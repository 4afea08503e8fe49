# One image for web, worker and beat (docker-compose.yml). It installs and builds with the same
# make targets as a workstation, so the image and `make run` cannot drift: `make packages` (the
# locked Python and npm packages, in a layer that changes only with the lock files), then
# `make build` (assets, plotly.js, hashed static files). scripts/smoke-production runs this
# file's `RUN make ...` lines on a clean archive of the repository and serves what they build.
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv DJANGO_MODE=production MEDIA_ROOT=/data/media
RUN apt-get update && apt-get install -y --no-install-recommends \
      make nodejs npm chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
      postgresql-client \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY Makefile pyproject.toml uv.lock package.json package-lock.json ./
COPY scripts/find-python scripts/
RUN make packages
COPY . .
RUN make build
# The app runs as its own user, which owns only what it writes: documents and pending imports
# when they are kept on a volume rather than in a bucket (/data/media), and Celery beat's
# schedule (/data/beat). A named volume mounted there starts with this ownership.
RUN useradd --create-home --uid 10001 delivery \
    && mkdir -p /data/media /data/beat \
    && chown -R delivery:delivery /data \
    && chmod 700 /data/media
USER delivery
EXPOSE 8000
# gunicorn reads gunicorn.conf.py from /app: port 8000, WEB_CONCURRENCY workers.
CMD [".venv/bin/gunicorn", "deliveryunit.wsgi:application"]
