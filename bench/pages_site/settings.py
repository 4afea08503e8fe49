"""Settings for bench/pages.py: the project's own, served as in production (no debug toolbar,
no query log), with one addition in bench/pages_site/urls.py: the bare view every page is
compared with. The product's URLs and settings never contain the bare view."""

from deliveryunit.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_site.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
