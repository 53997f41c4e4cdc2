"""The dependency direction of DESIGN.md holds: the credential core imports no Django app; the faces import the
core; the wallet may call the verifier; issuing may call one delivery entry point of the wallet; nothing imports
issuing but itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("issuing", "wallet", "verification")


def _imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in a package, including imports inside functions."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found += [(str(path.relative_to(ROOT)), node.module)]
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("package", ["europass/credentials", "europass/sealing"])
def test_the_credential_core_imports_no_django_and_no_app(package: str) -> None:
    bad = [
        (where, module)
        for where, module in _imports(package)
        if _top(module) in ("django", "rest_framework", *APPS)
        or module.startswith(("europass.registry", "europass.status", "europass.accounts", "europass.core"))
    ]
    assert not bad


def test_nothing_imports_issuing_but_issuing() -> None:
    bad = [
        (where, module)
        for package in ("europass", "wallet", "verification")
        for where, module in _imports(package)
        if _top(module) == "issuing"
    ]
    assert not bad


def test_the_verifier_never_imports_the_wallet() -> None:
    assert not [(where, m) for where, m in _imports("verification") if _top(m) == "wallet"]


def test_the_shared_core_imports_no_face() -> None:
    assert not [(where, m) for where, m in _imports("europass") if _top(m) in APPS]


def test_issuing_calls_the_wallet_only_through_its_delivery_entry_point() -> None:
    uses = {(where, m) for where, m in _imports("issuing") if _top(m) == "wallet"}
    assert uses <= {("issuing/services/delivery.py", "wallet.services")}
