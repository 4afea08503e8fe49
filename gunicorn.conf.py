"""gunicorn's settings wherever the app is served by it: the image's web containers
(docker-compose.yml), `make serve-production` and the production smoke test. gunicorn reads
this file from its working directory; command-line flags and GUNICORN_CMD_ARGS override it."""

import os

# Inside its container, behind the proxy; only the proxy's port is published.
bind = ["0.0.0.0:8000"]  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# The proxy in front terminates TLS and says so in X-Forwarded-Proto; only it reaches us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
# Long enough for the slowest page at scale; documents are built by the worker, never here.
timeout = 60
