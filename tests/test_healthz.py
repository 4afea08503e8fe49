"""/healthz checks what it names (the database, the broker, the document storage), answers 503
naming what is down, needs no sign-in, is never cached and never shows a secret."""

import shutil
import socket
import subprocess
import time

import pytest
from django.db import OperationalError
from django.urls import reverse

from deliveryunit import health

SECRET = "s3cret-do-not-show"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis on a loopback port that wants a password, as a production broker may."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is not installed (make system-packages installs it)")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            "--requirepass",
            SECRET,
        ],  # fmt: skip
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://:{SECRET}@127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def get_health(client):
    response = client.get(reverse("healthz"))
    assert SECRET not in response.content.decode()
    return response


def test_all_up_without_a_broker_reports_each_check(client, db):
    response = get_health(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "down": [],
        "checks": {"database": "ok", "broker": "eager", "storage": "ok"},
    }


def test_it_needs_no_sign_in_and_is_never_cached(client, db):
    response = get_health(client)
    assert response.status_code == 200  # not a redirect to the sign-in page
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in cache_control


def test_the_broker_is_pinged_when_there_is_one(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = get_health(client)
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_a_broker_that_does_not_answer_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"  # nothing listens
    response = get_health(client)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "down": ["broker"],
        "checks": {"database": "ok", "broker": "down", "storage": "ok"},
    }


def test_a_broker_that_refuses_the_password_is_down(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url.replace(SECRET, "wrong-password")
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_storage_that_cannot_be_written_is_down(client, db, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = get_health(client)
    assert response.status_code == 503
    assert response.json()["down"] == ["storage"]
    assert response.json()["checks"]["database"] == "ok"


def test_the_storage_probe_leaves_nothing_behind(client, db, isolated_media_root):
    assert get_health(client).status_code == 200
    assert [p for p in isolated_media_root.rglob("*") if p.is_file()] == []


def test_a_database_that_does_not_answer_is_down(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError(f'connection to server failed: password "{SECRET}" rejected')

    # Only the health check's connection fails: the test's own transaction must stay usable.
    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response = get_health(client)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "down": ["database"],
        "checks": {"database": "down", "broker": "eager", "storage": "ok"},
    }


def test_what_went_wrong_is_logged_not_shown(client, db, settings, caplog):
    settings.REDIS_URL = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"
    with caplog.at_level("ERROR", logger=health.__name__):
        get_health(client)
    logged = [r.getMessage() for r in caplog.records if r.name == health.__name__]
    assert logged == ["Health check broker failed"]
