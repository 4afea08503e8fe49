# One image for web, worker and beat (docker-compose.yml). Same commands as `make`.
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv DJANGO_MODE=production
RUN apt-get update && apt-get install -y --no-install-recommends \
      nodejs npm chromium libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock package.json package-lock.json ./
RUN uv sync --frozen --no-dev && npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/build-assets.mjs \
    && DJANGO_SECRET_KEY=build-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz \
       .venv/bin/python manage.py collectstatic --noinput
RUN useradd --create-home delivery && chown -R delivery /app
USER delivery
EXPOSE 8000
CMD [".venv/bin/gunicorn", "deliveryunit.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
