"""Validation against the European Commission's official XSD (``genericschema_1.2.xsd``).

The product does not ship the Commission's files: the directory comes from settings (``EUROPASS_SCHEMA_DIR``) or
the environment, and the schema is compiled once per directory.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

GENERIC_SCHEMA = "genericschema_1.2.xsd"


def default_schema_dir() -> Path | None:
    configured = os.environ.get("EUROPASS_SCHEMA_DIR")
    if configured:
        return Path(configured) if (Path(configured) / GENERIC_SCHEMA).exists() else None
    candidate = Path(__file__).resolve().parents[3] / "shared" / "interop" / "xsd"
    return candidate if (candidate / GENERIC_SCHEMA).exists() else None


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _compile(path: str) -> etree.XMLSchema:
    # Our own trusted files: local imports are allowed, the network never is.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(path, parser))


class SchemaValidator:
    def __init__(self, directory: str | Path) -> None:
        path = Path(directory) / GENERIC_SCHEMA
        if not path.exists():
            raise FileNotFoundError(f"{GENERIC_SCHEMA} not found in {directory}")
        with _lock:
            self.schema = _compile(str(path))
        self.directory = Path(directory)

    def errors(self, element: etree._Element, limit: int = 10) -> list[str]:
        with _lock:  # an lxml XMLSchema object is not safe to share between threads while validating
            valid = self.schema.validate(element)
            log = list(self.schema.error_log)[:limit] if not valid else []
        return [f"line {entry.line}: {entry.message}" for entry in log]
