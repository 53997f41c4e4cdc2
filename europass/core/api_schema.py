"""The API documentation's sections: every operation under the face it belongs to (drf-spectacular postprocessing
hook, ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``), whatever view it comes from.

Without it drf-spectacular names each section after the first segment of the path, "v1" for all of them.
"""

from __future__ import annotations

from typing import Any

# Path prefix → section, the most specific first. The sections, their order and descriptions: SPECTACULAR_SETTINGS
# ["TAGS"].
SECTIONS = (
    ("/api/v1/issuing/", "Issuing"),
    ("/api/v1/wallet/", "Wallet"),
    ("/api/v1/verify", "Verification"),
    ("/api/v1/registry/", "Register"),
    ("/api/v1/register/", "Register"),
    ("/api/v1/status/", "Status"),
)


def section_of(path: str) -> str | None:
    return next((tag for prefix, tag in SECTIONS if path.startswith(prefix)), None)


def tag_operations(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Each operation in its face's section; the sections listed are those that have operations, in the order of
    the settings."""
    used: set[str] = set()
    for path, operations in result.get("paths", {}).items():
        tag = section_of(path)
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            if tag is not None:
                operation["tags"] = [tag]
            used.update(operation.get("tags") or [])
    declared = result.get("tags") or []
    result["tags"] = [entry for entry in declared if entry.get("name") in used]
    known = {entry.get("name") for entry in result["tags"]}
    result["tags"] += [{"name": name} for name in sorted(used - known)]
    if not result["tags"]:
        del result["tags"]
    return result
