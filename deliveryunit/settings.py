"""Settings, all from environment variables.

Defaults give the embedded shape: SQLite in the project folder, Celery tasks run in-process.
DATABASE_URL switches to PostgreSQL, REDIS_URL to a Redis broker. DJANGO_MODE=production turns on
the deployment hardening that `manage.py check --deploy` asks for and requires a real secret key.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_MODE", "development") == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_MODE=production.")
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "axes",
    "deliveryunit",
    "priorities",
    "assessments",
    "stocktakes",
    "reviews",
    "plans",
    "portfolio",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (sessions, CSRF): refuses oversized requests unread.
    "deliveryunit.limits.BodyLimitMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "deliveryunit.signin.SessionTimeoutMiddleware",
    "deliveryunit.limits.NoStoreForSignedInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "deliveryunit.clock.ClockMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deliveryunit.urls"
# Every form field draws itself with the GOV.UK Design System markup ({{ field.as_field_group }}).
FORM_RENDERER = "deliveryunit.forms.GovukFormRenderer"
WSGI_APPLICATION = "deliveryunit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "deliveryunit.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while a writer works (Celery worker beside the web process).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    # SQLite ignores SELECT ... FOR UPDATE: taking the write lock when a transaction begins
    # makes two workers starting the same build queue up instead of failing with "locked".
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # One connection a thread, kept: closing a SQLite connection at the end of each request
    # buys nothing, and in tests a file database must not be closed under an open transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "deliveryunit.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The data API (api/): JSON only, tokens per user (or the signed-in session, whose writes need
# the CSRF token), signed in for everything, bounded pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Delivery Unit data API",
    "DESCRIPTION": (
        "Priorities, measures, trajectories, actual data, assessment rounds and published "
        "judgements, actions, departmental plans and objectives, each as the caller may see them "
        "in the workbench; and batches of actual data from departments."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Login throttling: five failures for one account lock it for an hour; and AXES_ADDRESS_
# FAILURE_LIMIT failures from one source address, across any accounts, lock that address out for
# the same hour (deliveryunit/signin.py AddressThrottleHandler).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The address limit is well above the account limit: users sit behind shared departmental
# gateways, where the account limit on an address would lock out a whole department after one
# person's mistakes; 30 failures in an hour is many people mistyping, or one address trying
# accounts. An address lockout is lifted with `manage.py axes_reset_ip <address>`.
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_HANDLER = "deliveryunit.signin.AddressThrottleHandler"
# axes.W006 asks for "ip_address" in AXES_LOCKOUT_PARAMETERS, which would lock an address at the
# account limit; the handler above limits addresses at their own, higher limit instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Chart images drawn for documents, cached by a hash of their figure (deliveryunit/chart_images.py).
# A cache of this process's own drawings, not shared data: in production it stays out of the
# documents' storage, in the temporary folder unless CHART_CACHE_DIR says otherwise.
CHART_CACHE_DIR = os.environ.get(
    "CHART_CACHE_DIR",
    str(Path(tempfile.gettempdir()) / "deliveryunit-chart-cache") if PRODUCTION else "",
)
# Processes that draw a large document's charts (chart_images.drawing_processes): by default
# one per CPU, at most two; 1 draws them in the building process.
CHART_PROCESSES = int(os.environ["CHART_PROCESSES"]) if os.environ.get("CHART_PROCESSES") else None
if PRODUCTION:
    # Static files from the app itself (compressed, hashed names) with no separate server or CDN.
    # In development `runserver` and the test live server serve them from static/.
    INSTALLED_APPS.insert(
        INSTALLED_APPS.index("django.contrib.staticfiles"), "whitenoise.runserver_nostatic"
    )
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.csp.ContentSecurityPolicyMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    # Only the hashed copies are kept and compressed: every reference goes through the
    # manifest, and compressing plotly.js twice over is most of the build's time.
    WHITENOISE_KEEP_ONLY_HASHED_FILES = True
elif env_bool("DJANGO_SERVE_STATIC", False):
    # `make run` serves through gunicorn, which serves no static files: whitenoise does, as in
    # production, but straight from the static folders (no collectstatic needed).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.csp.ContentSecurityPolicyMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    WHITENOISE_USE_FINDERS = True
# Documents and pending imports go through Django's storage API only. The embedded default
# keeps them as files under MEDIA_ROOT; production with more than one host keeps them in an
# S3-compatible bucket that every web and worker container shares (STORAGE_BACKEND=s3, or
# AWS_STORAGE_BUCKET_NAME set). Credentials are read by boto3 from its own environment
# variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the host's role, never from here.
STORAGE_BACKEND = os.environ.get(
    "STORAGE_BACKEND", "s3" if os.environ.get("AWS_STORAGE_BUCKET_NAME") else "local"
)
if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    DEFAULT_STORAGE: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            # A built document's name is never reused; refuse to overwrite rather than trust it.
            "file_overwrite": False,
            "default_acl": None,
            # Objects are private; downloads stream through the app, which checks access.
            "querystring_auth": True,
        },
    }
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
# Documents carry a protective marking: readable by the app's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads: imports are capped at 2 MB; every request body at MAX_REQUEST_BODY (2 MB and room
# for the form), refused from its Content-Length by deliveryunit.limits before it is read, and
# counted while it streams. A file within the cap stays in memory: nothing is spooled to disk.
MAX_REQUEST_BODY = 3 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY

# Content Security Policy: scripts only from us or with the per-request nonce. plotly.js sets
# inline styles on its own elements, which needs 'unsafe-inline' for styles (never for scripts).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A sign-in lasts at most 8 hours (a working day), and ends after 30 minutes without a request
# (deliveryunit/signin.py checks both on the server).
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health probes reach the container directly over HTTP; /healthz reveals nothing private.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for Path=/ and
    # with no Domain, so no other host (a sibling subdomain) can set or shadow it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_DOMAIN = None
    CSRF_COOKIE_DOMAIN = None
    SESSION_COOKIE_PATH = "/"
    CSRF_COOKIE_PATH = "/"

# Celery: a broker when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 60 * 60
# A static schedule (Celery's own beat, no database scheduler). The PM note task runs on the
# first three days of each month and builds only on the first working day.
CELERY_BEAT_SCHEDULE = {
    "monthly-pm-note": {
        "task": "portfolio.tasks.build_monthly_pm_note",
        "schedule": crontab(minute=0, hour=7, day_of_month="1-3"),
    },
    "sweep-stuck-documents": {
        "task": "deliveryunit.tasks.sweep_stuck_documents",
        "schedule": crontab(minute="*/5"),
    },
}

# Email (minutes go to their distribution list): the console in development, SMTP in production.
if PRODUCTION:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("SMTP_HOST", "localhost"),
                "port": int(os.environ.get("SMTP_PORT", "587")),
                "username": os.environ.get("SMTP_USER", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": env_bool("SMTP_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": os.environ.get(
                "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
            )
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "delivery-unit@localhost")

# What every page and document says about handling.
PROTECTIVE_MARKING = os.environ.get("PROTECTIVE_MARKING", "OFFICIAL-SENSITIVE")
SERVICE_NAME = "Delivery Unit"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The chart browser logs a few lines per chart; only its problems matter.
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
    },
}
