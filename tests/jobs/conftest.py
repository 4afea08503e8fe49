"""Real services for the background-job tests: a redis-server and Celery worker processes, on
the loopback interface, sharing the test database and a media folder with the test process.

Every process started here is stopped by its PID when the test ends, pass or fail.

A worker is a separate process, so it cannot see pytest-django's default SQLite test database
(in memory). While these tests are collected, the SQLite test database is a file instead (on
/dev/shm where there is one, so it is as quick as memory). With PostgreSQL (DATABASE_URL), the
worker is simply pointed at the test database. The tests use transaction=True so their rows are
committed where the worker can read them, and serialized_rollback=True so the data migrations'
rows (the assessment framework) are back for whatever runs after them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Generous: on a loaded two-core machine a worker has taken 45 s to import Django and start.
WORKER_START_TIMEOUT = 180.0
SERVICE_STOP_TIMEOUT = 20.0

_db = settings.DATABASES["default"]
_sqlite_dir: str | None = None
if _db["ENGINE"] == "django.db.backends.sqlite3" and not _db.get("TEST", {}).get("NAME"):
    shm = "/dev/shm"
    _sqlite_dir = tempfile.mkdtemp(
        prefix="du-jobs-db-", dir=shm if os.access(shm, os.W_OK) else None
    )
    _db.setdefault("TEST", {})["NAME"] = os.path.join(_sqlite_dir, "test.sqlite3")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _sqlite_dir:
        shutil.rmtree(_sqlite_dir, ignore_errors=True)


# --- waiting ------------------------------------------------------------------------------


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _stop(process: subprocess.Popen, *, kill_group: bool = False) -> None:
    """Ask the process to stop, then kill it (and, if it leads one, its process group)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SERVICE_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SERVICE_STOP_TIMEOUT)
    if kill_group:
        # Anything the process started in its own group and left behind.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Redis --------------------------------------------------------------------------------


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=5)

    def queue_length(self, queue: str = "celery") -> int:
        with self.client() as client:
            return int(client.llen(queue))


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is not installed (make system-packages installs it)")
    folder = tmp_path / "redis"
    folder.mkdir()
    port = _free_port()
    # In the foreground (not --daemonize) so the PID is the one started here, known at once.
    process = subprocess.Popen(
        [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(folder / "redis.log"),
        ],  # fmt: skip
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(process, port)
    try:

        def answers() -> bool:
            if process.poll() is not None:
                pytest.fail(f"redis-server stopped: {(folder / 'redis.log').read_text()}")
            try:
                with server.client() as client:
                    return bool(client.ping())
            except Exception:
                return False

        wait_for(answers, timeout=30, what="redis-server to answer")
        yield server
    finally:
        _stop(process)


# --- the test process sends tasks to the broker ---------------------------------------------


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """Send this process's Celery tasks to the real Redis rather than running them eagerly.

    Settings are read once at import, so the app's configuration is changed here instead and
    put back afterwards. The app's connection pools were made for the old URL (if at all), so
    they are dropped on both sides of the change."""
    from deliveryunit.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}

    def reset_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_server.url
    try:
        yield redis_server
    finally:
        reset_pools()
        app.conf.update(saved)


# --- shared media folder ------------------------------------------------------------------


@pytest.fixture
def media_root(tmp_path: Path, settings: Any) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    settings.MEDIA_ROOT = folder
    return folder


def built_files(media_root: Path) -> list[str]:
    """Every file in the documents folder, temporary ones included."""
    folder = media_root / "documents"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- Celery workers -----------------------------------------------------------------------


def _database_url() -> str:
    """The test database, as the worker's DATABASE_URL."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:memorydb"):
            pytest.fail("the worker cannot share an in-memory SQLite database")
        return f"sqlite:///{name}"
    if "postgresql" in db["ENGINE"]:
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.fail(f"no worker database URL for {db['ENGINE']}")


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker stopped while starting:\n{self.log()[-4000:]}")
            return " ready." in self.log()

        wait_for(ready, timeout=WORKER_START_TIMEOUT, what="the Celery worker to start", every=0.2)

    def kill(self) -> None:
        """As a machine failure would: no warm shutdown, no acknowledgement."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=SERVICE_STOP_TIMEOUT)


@dataclass
class Workers:
    """Starts Celery worker processes (solo pool unless asked) against the broker, the test
    database and the media folder; all are stopped at the end of the test."""

    redis: RedisServer
    media_root: Path
    folder: Path
    started: list[Worker] = field(default_factory=list)

    def start(
        self, *, pool: str = "solo", warm_browser: bool = True, env: dict[str, str] | None = None
    ) -> Worker:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "deliveryunit.settings",
            "REDIS_URL": self.redis.url,
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(self.media_root),
            "DOCUMENT_WARM_BROWSER": "1" if warm_browser else "0",
            # Celery warns about workers running as root; the tests may be run as root.
            "C_FORCE_ROOT": "1",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        name = f"jobs-{uuid.uuid4().hex[:8]}"
        log_path = self.folder / f"{name}.log"
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "deliveryunit",
                    "worker",
                    "-P",
                    pool,
                    "-c",
                    "1" if pool == "solo" else "2",
                    "--loglevel",
                    "INFO",
                    "-n",
                    f"{name}@127.0.0.1",
                    # Alone on its broker: nothing to synchronise with, so start at once.
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                ],  # fmt: skip
                cwd=BASE_DIR,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log_path)
        self.started.append(worker)
        worker.wait_ready()
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            _stop(worker.process, kill_group=True)


@pytest.fixture
def workers(
    transactional_db: Any, broker: RedisServer, media_root: Path, tmp_path: Path
) -> Iterator[Workers]:
    # Asking for transactional_db first means the workers stop before the database is flushed.
    pool = Workers(redis=broker, media_root=media_root, folder=tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
