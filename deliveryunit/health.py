"""What /healthz checks: each thing the app needs to serve and build, tried for real.

- database: a query on the default connection;
- broker: a Redis PING when REDIS_URL is set ("eager" when tasks run in the web process);
- storage: a small object written, read back and deleted through the document storage.

Each check answers "ok" (or "eager") or "down"; what went wrong is logged here, never shown,
because the exceptions of database drivers and storage clients can carry hosts, user names and
keys.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections

log = logging.getLogger(__name__)

OK, DOWN, EAGER = "ok", "down", "eager"
# Long enough for a healthy service on a busy host, short enough for a load balancer's probe.
BROKER_TIMEOUT_SECONDS = 2.0
PROBE_FOLDER = "healthz"


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if row is None or row[0] != 1:
        raise RuntimeError("the database answered SELECT 1 with something else")
    return OK


def check_broker() -> str:
    if not settings.REDIS_URL:
        return EAGER
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        if not client.ping():
            raise RuntimeError("the broker did not answer PING")
    finally:
        client.close()
    return OK


def check_storage() -> str:
    payload = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{PROBE_FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != payload:
                raise RuntimeError("the storage gave back something other than was written")
    finally:
        default_storage.delete(name)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def run_checks() -> dict[str, str]:
    """Every check's outcome by name, "down" for one that raised (logged with its reason)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            log.exception("Health check %s failed", name)
            results[name] = DOWN
    return results
