# The two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: run dev test install install-dev packages assets collectstatic build system-packages pytest lint bench bench-quick serve-production

run: install assets ## install, migrate, load demo data and serve on 127.0.0.1:$(PORT) (gunicorn + whitenoise)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	DJANGO_SERVE_STATIC=1 $(VENV)/bin/gunicorn deliveryunit.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2

dev: install-dev assets ## as `make run`, with Django's autoreloading development server
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev assets system-packages ## install what the tests need and run the whole suite
	scripts/run-tests

# --- pieces -----------------------------------------------------------------------------

.tools/bin/uv:
	@command -v uv >/dev/null 2>&1 && { mkdir -p .tools/bin && ln -sf "$$(command -v uv)" .tools/bin/uv; } || { \
	  PYTHON_FOR_UV=$$(scripts/find-python) && "$$PYTHON_FOR_UV" -m venv .tools && .tools/bin/pip install --quiet uv; }

install: .tools/bin/uv ## Python packages the app needs, from uv.lock
	.tools/bin/uv sync --frozen --no-dev --python "$$(scripts/find-python)"

install-dev: .tools/bin/uv ## the app's packages plus the test tools
	.tools/bin/uv sync --frozen --python "$$(scripts/find-python)"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

static/build/app.css: node_modules/.package-lock.json scripts/build-assets.mjs $(wildcard static/src/*.scss)
	node scripts/build-assets.mjs

# plotly.js as shipped inside the Python plotly package, so web charts and document charts are
# drawn by the same version.
static/vendor/plotly.min.js: static/build/app.css uv.lock
	$(PY) -c "import pathlib, shutil, plotly; shutil.copyfile(pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js', '$@')"

assets: static/build/app.css static/vendor/plotly.min.js ## GOV.UK Frontend, MOJ Frontend, plotly.js and our CSS into git-ignored static folders

# The image (Dockerfile) runs `make packages`, then `make build` once the code is copied in, so
# the image and a workstation install and build with the same steps. The production smoke test
# (scripts/smoke-production) runs the Dockerfile's make lines on a clean archive.
packages: install node_modules/.package-lock.json ## the locked Python and npm packages, nothing built

# Hashed, compressed copies of every static file in STATIC_ROOT, with the manifest whitenoise
# serves them by. The key only lets the production settings load; nothing is signed with it.
BUILD_ONLY_KEY := build-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz
collectstatic: assets ## the production static files (hashed names and a manifest) into STATIC_ROOT
	DJANGO_MODE=production DJANGO_SECRET_KEY=$(BUILD_ONLY_KEY) $(PY) manage.py collectstatic --noinput

build: packages assets collectstatic ## everything the production image needs: packages, assets, static files

system-packages: ## redis-server, chromium and poppler (pdftotext), installed with apt when root
	scripts/ensure-system-packages

pytest: ## run the suite without the install steps
	scripts/run-tests

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install-dev ## every bench/*.py in full (minutes: by hand, not in CI)
	@for script in bench/*.py; do echo "== $$script"; $(PY) "$$script" || exit 1; done

bench-quick: install-dev ## every bench/*.py on a small portfolio, to prove they still run (CI)
	@for script in bench/*.py; do echo "== $$script"; BENCH_QUICK=1 $(PY) "$$script" || exit 1; done

serve-production: build ## the production shape on this machine: gunicorn + whitenoise
	DJANGO_MODE=production $(VENV)/bin/gunicorn deliveryunit.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2
