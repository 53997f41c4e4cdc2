"""The production install says one thing everywhere: the locks agree with pyproject.toml, the wheel carries every
file of the packages, and the image, the compose file and CI's smoke run the commands of bin/production.

(The smoke itself, bin/smoke-production, installs and runs the portal in a fresh virtualenv: it is the last step of
.ci/run, too slow for the suite.)"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES = ("europass", "issuing", "wallet", "verification")


def _pins(lock: str) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if found:
            pins[canonicalize_name(found.group(1))] = Version(found.group(2))
    return pins


def _applies(requirement: Requirement, extra: str = "") -> bool:
    environment = {**default_environment(), "extra": extra}
    return requirement.marker is None or requirement.marker.evaluate(environment)  # type: ignore[arg-type]


def _declared(extra: str = "") -> list[Requirement]:
    names = PYPROJECT["project"]["dependencies"]
    if extra:
        names = [*names, *PYPROJECT["project"]["optional-dependencies"][extra]]
    return [Requirement(name) for name in names]


def _missing_from(lock: str, requirements: list[Requirement]) -> list[str]:
    """Each requirement (and, through the installed metadata, what each extra asked for needs) pinned in the lock
    at a version it allows."""
    pins = _pins(lock)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    todo = [(requirement, "") for requirement in requirements]
    while todo:
        requirement, via = todo.pop()
        if not _applies(requirement):
            continue
        name = canonicalize_name(requirement.name)
        pin = pins.get(name)
        if pin is None or (requirement.specifier and pin not in requirement.specifier):
            problems.append(f"{requirement}{via}: {lock} pins {pin}")
            continue
        for extra in sorted(requirement.extras):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for needed in metadata.requires(requirement.name) or []:
                child = Requirement(needed)
                if child.marker is not None and _applies(child, extra) and not _applies(child):
                    todo.append(
                        (Requirement(str(child).split(";")[0]), f" (for {requirement.name}[{extra}])")
                    )
    return problems


def test_the_production_lock_pins_every_dependency_and_what_its_extras_need() -> None:
    assert not _missing_from("production.lock", _declared()), "run `make lock`"


def test_the_test_lock_pins_the_test_tools_too() -> None:
    assert not _missing_from("test.lock", _declared("test")), "run `make lock`"


def test_the_test_lock_pins_the_production_versions() -> None:
    production, test = _pins("production.lock"), _pins("test.lock")
    assert {name: (pin, test.get(name)) for name, pin in production.items() if test.get(name) != pin} == {}


def test_the_redis_broker_s_own_needs_are_declared_not_borrowed_from_another_package() -> None:
    # kombu's Redis transport imports `packaging`: only kombu[redis] (through celery[redis]) asks for it.
    celery = next(r for r in _declared() if canonicalize_name(r.name) == "celery")
    assert "redis" in celery.extras


def test_every_lock_entry_carries_hashes() -> None:
    for lock in ("production.lock", "test.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert entries and all("--hash=sha256:" in entry for entry in entries if entry.strip())


def test_the_lock_builds_with_the_build_backend_pyproject_asks_for() -> None:
    backend = Requirement(PYPROJECT["build-system"]["requires"][0])
    assert _pins("production.lock")[canonicalize_name(backend.name)] in backend.specifier
    assert str(backend) in (ROOT / "requirements" / "build.in").read_text()


def _owner(path: Path) -> Path:
    """The package a file belongs to: its nearest folder with an __init__.py."""
    folder = path.parent
    while not (folder / "__init__.py").exists():
        folder = folder.parent
    return folder


def test_every_file_of_the_packages_is_package_data() -> None:
    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    files = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    matched: set[Path] = set()
    for folder in {_owner(path) for path in files}:
        name = ".".join(folder.relative_to(ROOT).parts)
        for pattern in [*package_data.get("*", []), *package_data.get(name, [])]:
            matched |= {p for p in folder.glob(pattern) if p.is_file()}
    assert files and [str(path.relative_to(ROOT)) for path in files if path not in matched] == []


# --- one set of commands --------------------------------------------------------------------------------------


def _roles() -> set[str]:
    script = (ROOT / "bin" / "production").read_text()
    return set(re.findall(r"^([a-z-]+)\)$", script, flags=re.MULTILINE))


def test_every_compose_service_of_the_image_runs_a_command_of_bin_production() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ours = {name: service for name, service in compose["services"].items() if "build" in service}
    assert set(ours) == {"migrate", "web", "worker", "beat"}
    for name, service in ours.items():
        program, role = service["command"].split()
        assert (program, role) == ("bin/production", name)
        assert role in _roles()
        if "healthcheck" in service:
            test = service["healthcheck"]["test"]
            assert test[:2] == ["CMD", "bin/production"] and test[2] in _roles()


def test_compose_mounts_no_schema_folder_and_passes_what_the_readme_exports() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "EUROPASS_SCHEMA_DIR" not in compose and "/schemas" not in compose
    environment = yaml.safe_load(compose)["x-app"]["environment"]
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production deployment") : readme.index("## Development")]
    exported = set(re.findall(r"\b([A-Z][A-Z_]+)=", production.split("```sh", 1)[1].split("```", 1)[0]))
    assert exported and exported <= set(environment)


def test_the_image_installs_from_the_lock_and_runs_bin_production_as_its_own_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert (
        "RUN bin/install-production --deps" in dockerfile and "RUN bin/install-production --app" in dockerfile
    )
    assert "pip install" not in dockerfile
    assert 'CMD ["bin/production", "web"]' in dockerfile
    assert dockerfile.rindex("USER europass") > dockerfile.rindex("RUN ")


def test_ci_runs_the_production_smoke() -> None:
    assert re.search(r"^python3 bin/smoke-production \|\| exit 1$", (ROOT / ".ci" / "run").read_text(), re.M)


# --- bin/production check-web, the web's health check ------------------------------------------------------------


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"database": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Health", (_Health,), {"status": 200, "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def _check_web(port: int, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    return subprocess.run(
        [str(ROOT / "bin" / "production"), "check-web"],
        env={"PATH": path, "PORT": str(port), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_web_health_check_passes_on_200_and_fails_on_503(
    health_server: tuple[int, type[_Health]],
) -> None:
    port, handler = health_server
    assert _check_web(port).returncode == 0
    handler.status = 503
    failed = _check_web(port)
    assert failed.returncode == 1 and "503" in failed.stderr
    assert [seen["path"] for seen in handler.seen] == ["/healthz", "/healthz"]


def test_the_web_health_check_asks_as_an_allowed_host_behind_tls(
    health_server: tuple[int, type[_Health]],
) -> None:
    port, handler = health_server
    assert _check_web(port, ALLOWED_HOSTS="*,.credentials.example.eu,other.example.eu").returncode == 0
    assert handler.seen[-1]["host"] == "credentials.example.eu"
    assert handler.seen[-1]["x-forwarded-proto"] == "https"


def test_the_web_health_check_fails_when_nothing_answers() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _check_web(port).returncode == 1
