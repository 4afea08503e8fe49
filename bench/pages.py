"""How fast the main pages answer at portfolio scale, against a bare Django view on the same
server.

    .venv/bin/python bench/pages.py            (or: make bench)
    .venv/bin/python bench/pages.py --quick    (or: make bench-quick, BENCH_QUICK=1)

A fresh database in a throwaway folder (SQLite file: migrate, load_demo, then seed_scale with
300 priorities, or BENCH_PRIORITIES), served by gunicorn with two sync workers on a loopback
port, exactly as `make serve-production` serves the app, with the settings of
bench/pages_site/settings.py: the project's own with DEBUG off and one more URL, the bare view of
bench/pages_site/urls.py (a 300-row table rendered from a template, through the same middleware).

Each role signs in through the login form. For each page: a warm-up, then its median latency
with one client (requests one after another), then its throughput with BENCH_CLIENTS client
threads (4 by default: two per worker, so a worker never waits for the client) for
BENCH_SECONDS, with the median latency under that load. The table gives requests per second
and the ratio to the bare view; the aim is at least 0.10 for every page. What each figure
means: bench/README.md.

The quick mode (20 priorities, a second or two per page) proves the bench still runs; CI runs
it. Its figures mean little.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv[1:] or os.environ.get("BENCH_QUICK", "") not in ("", "0")
PRIORITIES = int(os.environ.get("BENCH_PRIORITIES", "20" if QUICK else "300"))
WORKERS = 2
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "1.5" if QUICK else "10"))
ALONE = 3 if QUICK else 10  # requests one after another, for the latency of the page alone
ALONE_SECONDS = 5 if QUICK else 20  # ... or as many as fit in this time, two at least
WARM_UP = 1 if QUICK else 2  # requests per worker before anything is timed
TIMEOUT = 600  # seconds a request may take before the bench gives up on a page
AIM = 0.10  # of the bare view's requests per second
# seed_scale should make 300 priorities "in seconds": the bench reports its CPU time (this
# process's: the inserts run here, in SQLite) against this bound. CPU time rather than the clock,
# because on a shared machine the clock measures the neighbours too.
SEED_BOUND_SECONDS = 15.0
PM_USERNAME = "pm"
BENCH_PM = "bench-pm"


@dataclass(frozen=True)
class Page:
    name: str
    username: str
    path: str


@dataclass
class Result:
    page: Page
    alone_ms: float
    loaded_ms: float
    per_second: float
    size: int
    requests: int
    ratio: float = 0.0
    failed: str = ""


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    cookies: dict[str, str] = field(default_factory=dict)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="du-bench-pages-"))
    server = None
    try:
        _configure(workdir)
        pages = prepare()
        server = start_server(workdir)
        results = measure(server, pages)
        report(results)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _configure(workdir: Path) -> None:
    """Point Django (here and in gunicorn, which inherits the environment) at the throwaway
    database and media folder. No broker: nothing the pages do queues work."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.pages_site.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_MODE", None)
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


# --- the data -------------------------------------------------------------------------------


def prepare() -> list[Page]:
    """The database: migrations, the demo, the generated portfolio; then the pages to ask for
    and the users to ask as."""
    from django.core.management import call_command

    from deliveryunit import documents

    print(
        f"Pages at scale: gunicorn, {WORKERS} sync workers, {CLIENTS} client threads, "
        f"{os.cpu_count()} CPUs, load average {_load()} at the start"
        + (" - quick mode: the figures prove it runs, nothing more" if QUICK else ""),
        flush=True,
    )
    # The demo issues a pack, which would build its PDF here and now: not what is measured.
    documents._enqueue = lambda document_id: None
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    setup_seconds = time.perf_counter() - started

    wall, cpu = time.perf_counter(), time.process_time()
    out = io.StringIO()
    call_command("seed_scale", "--priorities", str(PRIORITIES), stdout=out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"Setting up: migrate and demo data {setup_seconds:.1f} s")
    print(
        f"seed_scale --priorities {PRIORITIES}: {cpu:.1f} s of CPU ({wall:.1f} s on the clock); "
        f"the bound for 300 priorities is {SEED_BOUND_SECONDS:.0f} s of CPU"
        + ("" if cpu <= SEED_BOUND_SECONDS * max(PRIORITIES, 300) / 300 else ": OVER IT")
    )
    print(out.getvalue().split("\n", 1)[1].rstrip(), flush=True)
    return pages()


def pages() -> list[Page]:
    from django.db.models import Count

    from deliveryunit.demo import DEMO_PASSWORD
    from deliveryunit.models import Role, User
    from priorities.models import Priority

    pm = User.objects.filter(username=PM_USERNAME, role=Role.MINISTER, department=None).first()
    if pm is None:
        # The demo has no Prime Minister yet: an unscoped minister of the bench's own.
        pm = User(username=BENCH_PM, role=Role.MINISTER, first_name="Prime", last_name="Minister")
        pm.set_password(DEMO_PASSWORD)
        pm.save()
    # A generated priority with five measures: more than most (the portfolio averages 3.4).
    counted = Priority.objects.filter(code__startswith="G1 ").annotate(n=Count("measures"))
    priority = counted.filter(n=5).order_by("pk").first() or counted.order_by("-n", "pk").first()
    print(
        f"Priority page: {priority.code}, {priority.measures.count()} measures, "
        f"{priority.measures.aggregate(n=Count('actuals'))['n']} actuals\n",
        flush=True,
    )
    return [
        Page("Bare view (300-row table)", "analyst", "/bench/bare/"),
        Page("Dashboard, Prime Minister", pm.username, "/"),
        Page("Dashboard, Health minister", "minister", "/"),
        Page("Priority list", "analyst", "/priorities/"),
        Page("Assessment grid, 10 rounds", "analyst", "/assessments/grid/?rounds=10"),
        Page("Priority page", "analyst", f"/priorities/{priority.pk}/"),
        Page("Action tracker", "analyst", "/stocktakes/actions/"),
    ]


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(workdir: Path) -> Server:
    port = _free_port()
    log = workdir / "gunicorn.log"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "deliveryunit.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(ROOT),
            "--timeout",
            str(TIMEOUT),
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    server = Server(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text()}")
        try:
            status, _ = _get(server, "/healthz", "")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within a minute")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


def _get(
    server: Server, path: str, cookie: str, connection: http.client.HTTPConnection | None = None
) -> tuple[int, bytes]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def sign_in(server: Server, username: str) -> str:
    """The session cookie of `username`, signed in through the login form as a person is."""
    from deliveryunit.demo import DEMO_PASSWORD

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    html = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not (csrf_cookie and token):
        raise SystemExit("The login page gave no CSRF token")
    body = urlencode(
        {
            "csrfmiddlewaretoken": token[1],
            "username": username,
            "password": DEMO_PASSWORD,
            "next": "/",
        }
    )
    connection.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie[1]}",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"{username} could not sign in (HTTP {response.status})")
    return f"sessionid={session[1]}; csrftoken={csrf_cookie[1]}"


# --- measuring ------------------------------------------------------------------------------


class PageFailed(Exception):
    pass


def _check(page: Page, status: int) -> None:
    if status != 200:
        raise PageFailed(f"HTTP {status} for {page.path}")


def measure(server: Server, pages: list[Page]) -> list[Result]:
    for page in pages:
        if page.username not in server.cookies:
            server.cookies[page.username] = sign_in(server, page.username)
    # The bare view is measured first and again last, and the ratios use the mean of the two:
    # on a shared machine the load moves during a run, and the yardstick should see it too.
    results = []
    for page in [*pages, pages[0]]:
        try:
            result = measure_page(server, page)
        except (PageFailed, OSError, http.client.HTTPException) as exc:
            print(f"  {page.name}: not measured ({exc!r})", flush=True)
            results.append(Result(page, 0.0, 0.0, 0.0, 0, 0, failed=repr(exc)))
            continue
        results.append(result)
        print(f"  measured {page.name}: {result.per_second:.1f} requests a second", flush=True)
    bares = [r.per_second for r in results if r.page is pages[0] and not r.failed]
    bare = statistics.mean(bares) if bares else 0.0
    for result in results:
        result.ratio = result.per_second / bare if bare else 0.0
    return results


def _warm_up(server: Server, page: Page, cookie: str) -> None:
    """WARM_UP requests per worker, asked at the same time: one after another they may all go
    to the same worker, and the other would then pay its first request (imports, template
    loading) inside the timed run."""
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(_get(server, page.path, cookie)[0])

    for _ in range(WARM_UP):
        threads = [threading.Thread(target=ask) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for status in statuses:
        _check(page, status)


def measure_page(server: Server, page: Page) -> Result:
    cookie = server.cookies[page.username]
    _warm_up(server, page, cookie)
    alone: list[float] = []
    size = 0
    until = time.perf_counter() + ALONE_SECONDS
    while len(alone) < ALONE and (len(alone) < 2 or time.perf_counter() < until):
        started = time.perf_counter()
        status, body = _get(server, page.path, cookie)
        alone.append(time.perf_counter() - started)
        _check(page, status)
        size = len(body)
    per_second, loaded, count = _under_load(server, page, cookie)
    return Result(
        page=page,
        alone_ms=statistics.median(alone) * 1000,
        loaded_ms=statistics.median(loaded) * 1000,
        per_second=per_second,
        size=size,
        requests=count,
    )


def _under_load(server: Server, page: Page, cookie: str) -> tuple[float, list[float], int]:
    """Requests a second with CLIENTS threads asking one request after another for SECONDS:
    every request started before the deadline counts, over the time to the last answer."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + SECONDS
    finished = [started]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        try:
            while time.perf_counter() < deadline:
                begun = time.perf_counter()
                status, _ = _get(server, page.path, cookie, connection)
                done = time.perf_counter()
                with lock:
                    if status != 200:
                        failures.append(f"HTTP {status}")
                    latencies.append(done - begun)
                    finished[0] = max(finished[0], done)
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise PageFailed(failures[0])
    return len(latencies) / (finished[0] - started), latencies, len(latencies)


ROW = "  {:<30} {:>10} {:>8} {:>12} {:>12} {:>9} {:>7} {:>6}"


def report(results: list[Result]) -> None:
    print(
        f"\nResults ({PRIORITIES} generated priorities + demo; load average {_load()} at the end)"
    )
    print(
        ROW.format(
            "page", "req/s", "ratio", "median 1 cl", f"median {CLIENTS} cl", "size", "n", "aim"
        )
    )
    bare = results[0].page
    for index, r in enumerate(results):
        name = r.page.name if index == 0 or r.page is not bare else "Bare view, again at the end"
        if r.failed:
            print(f"  {name:<30} failed: {r.failed}")
            continue
        print(
            ROW.format(
                name,
                f"{r.per_second:.1f}",
                f"{r.ratio:.2f}",
                f"{r.alone_ms:.0f} ms",
                f"{r.loaded_ms:.0f} ms",
                f"{r.size / 1024:.0f} KB",
                r.requests,
                "" if r.page is bare else ("ok" if r.ratio >= AIM else "BELOW"),
            )
        )
    print(
        f"  (ratio: to the mean of the bare view's two runs; aim: at least {AIM:.2f})", flush=True
    )


if __name__ == "__main__":
    raise SystemExit(main())
