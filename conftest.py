"""Test setup shared by the whole suite: settings for tests, a real Celery worker, the real browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
INTEROP = ROOT.parent / "shared" / "interop"
CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _language_restored(request: pytest.FixtureRequest) -> Iterator[None]:
    """A request of the test client leaves its language active in the thread (LocaleMiddleware does not restore
    it): each test ends in the default language, so a French request never leaks into the next test."""
    yield
    if request.config.pluginmanager.hasplugin("django"):
        from django.utils import translation

        translation.deactivate()


@pytest.fixture(autouse=True)
def _test_settings(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        return  # pure-library tests run with `-p no:django` too
    settings = request.getfixturevalue("settings")
    settings.ACCOUNT_RATE_LIMITS = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ISSUING_EXPORT_DIR = tmp_path / "exports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # /healthz asks the workers itself: no answer of an earlier test is reused.
    settings.HEALTH_PING_SECONDS = 0
    # The database is rolled back after each test, the cache and the in-process stores are not: start each test
    # on new trust and register versions, so that nothing read in an earlier test is reused.
    from europass.registry.selectors import REGISTER_VERSION, TRUST_VERSION, bump_register_version
    from europass.status.selectors import STATUS_VERSION

    TRUST_VERSION.bump()
    STATUS_VERSION.bump()
    bump_register_version()
    assert REGISTER_VERSION.get()


@pytest.fixture
def interop_dir() -> Path:
    return INTEROP


def _database_url() -> str:
    from django.db import connection

    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or ""
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    at = f"{user}{password}@" if user else ""
    return f"postgres://{at}{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


class WorkerProcess:
    """A real `celery -A europass worker` process on the test database and the test queue."""

    def __init__(self, concurrency: int = 1, name: str = "test") -> None:
        self.concurrency = concurrency
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ROOT / "var" / "test" / f"worker-{name}.log"

    def env(self) -> dict[str, str]:
        from django.conf import settings

        env = {
            **os.environ,
            "EUROPASS_TESTING": "1",
            "DATABASE_URL": _database_url(),
            "VAR_DIR": str(settings.VAR_DIR),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        return env

    def start(self) -> WorkerProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(Path(sys.executable).with_name("celery")), "-A", "europass", "worker", "--loglevel", "INFO",
            "--concurrency", str(self.concurrency), "--hostname", f"{self.name}-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        from europass.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            replies = app.control.ping(timeout=0.5) or []
            if any(self.name in next(iter(reply)) for reply in replies):
                return
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _purge_queue() -> None:
    from europass.celery import app

    app.control.purge()


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[WorkerProcess]:
    """Start a real worker for one test (the test's data must be committed: transactional_db)."""
    _purge_queue()
    worker = WorkerProcess().start()
    try:
        yield worker
    finally:
        worker.stop()
        _purge_queue()


@pytest.fixture
def start_worker(transactional_db: None) -> Iterator[Any]:
    """A factory for tests that start, kill and restart workers themselves."""
    workers: list[WorkerProcess] = []
    _purge_queue()

    def start(concurrency: int = 1, name: str = "test") -> WorkerProcess:
        worker = WorkerProcess(concurrency=concurrency, name=name).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    _purge_queue()


# --- the real browser: Debian's chromium, driven by pytest-playwright ---------------------------------------


def _ensure_chromium() -> None:
    if not Path(CHROMIUM).exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bin" / "check-system"), "--install-test-tools"], check=False
        )
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for the browser tests: apt-get install -y chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    _ensure_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        ],
    }  # fmt: skip


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page at a 360-px phone viewport."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
    if shutil.which("xmlsec1") is None:
        subprocess.run(
            [sys.executable, str(ROOT / "bin" / "check-system"), "--install-test-tools"], check=False
        )
