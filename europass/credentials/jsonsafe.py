"""The one place untrusted JSON is parsed: bounded size and depth, strict UTF-8, one value per key, numbers only.

What is refused, and why:

- More than ``max_bytes`` (10 MB by default, the verifier's document limit): checked before anything is decoded.
- Nesting deeper than ``max_depth`` (64): measured on the raw text before ``json`` sees it (strings blanked out by
  one regular expression, the brackets left counted by C-level iteration), so a 100,000-level ``[[[[…`` is refused
  in milliseconds and never reaches a recursive parser.
- Anything but UTF-8 (RFC 8259 §8.1). A UTF-8 byte order mark at the very start is tolerated and skipped: editors
  on Windows write one, and it carries no content (the RFC lets a parser ignore it). UTF-16 and UTF-32 are refused.
- The same key twice in one object. Python keeps the last value, other parsers the first: a signature checked by one
  reader and a credential shown by another would then disagree (a classic signature-confusion trick).
- ``NaN``, ``Infinity``, ``-Infinity`` and numbers that overflow to infinity (``1e999``): not JSON (RFC 8259 §6).
- Strings holding a lone UTF-16 surrogate (``"\\ud800"``): valid JSON escapes but not text; they cannot be encoded
  back to UTF-8 and would crash whatever reads them later.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from europass.words import Text, said, said_n

from .errors import CredentialError

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64

_BOM = b"\xef\xbb\xbf"
# A JSON string, unrolled so that the regular expression engine does not backtrack: "…" with \-escapes.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _error(code: str, text: Text) -> CredentialError:
    return CredentialError(code, text)


def _too_deep(max_depth: int) -> CredentialError:
    return _error(
        "json_too_deep",
        said_n(
            "The JSON is nested more than %(count)s level deep.",
            "The JSON is nested more than %(count)s levels deep.",
            max_depth,
        ),
    )


def _depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data``, without recursion. Brackets inside strings do not
    count; for text that is not JSON the number may be wrong, and ``json`` refuses that text anyway."""
    brackets = _STRING.sub(b'""', data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)))


def _refuse_constant(name: str) -> Any:
    raise _error(
        "json_not_a_number",
        said("The JSON holds %(name)s, which is not a number JSON allows.", name=name),
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _error(
            "json_not_a_number",
            said("The JSON holds the number %(number)s, too large to be represented.", number=text[:40]),
        )
    return value


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        key = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        shown = key if len(key) <= 60 else key[:57] + "…"
        raise _error(
            "json_duplicate_key",
            said(
                "The JSON gives the key “%(key)s” twice in the same object; a document that can be read two ways "
                "is refused.",
                key=shown,
            ),
        )
    return result


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield key
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _check_text(value: Any) -> None:
    for text in _strings(value):
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise _error(
                    "json_not_utf8",
                    said(
                        "The JSON holds a string with a lone surrogate escape (\\uD800–\\uDFFF), which is not text."
                    ),
                ) from None


def parse_json(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted bytes into Python values (dict, list, str, int, float, bool, None), or raise
    ``CredentialError`` with a code and a sentence for people."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _error("json_malformed", said("The input is not bytes."))
    data = bytes(data)
    if len(data) > max_bytes:
        raise _error(
            "json_too_large",
            said(
                "The JSON is too large (%(size)s KB; at most %(limit)s KB).",
                size=f"{len(data) // 1024:,}",
                limit=f"{max_bytes // 1024:,}",
            ),
        )
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) >= 2 and (data[0] == 0 or data[1] == 0)):
        raise _error(
            "json_not_utf8",
            said("The JSON is not encoded in UTF-8 (it looks like UTF-16 or UTF-32)."),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(
            "json_not_utf8",
            said("The JSON is not valid UTF-8 (byte %(position)s).", position=f"{error.start:,}"),
        ) from None
    if not text.strip():
        raise _error("json_malformed", said("The document is empty."))
    if _depth(data) > max_depth:
        raise _too_deep(max_depth)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_one_value_per_key,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except CredentialError:
        raise
    except json.JSONDecodeError as error:
        raise _error(
            "json_malformed",
            said(
                "This is not well-formed JSON (line %(line)s, column %(column)s: %(reason)s).",
                line=error.lineno,
                column=error.colno,
                reason=error.msg,
            ),
        ) from None
    except RecursionError:  # not reached after the depth check; kept so that no input can escape as a crash
        raise _too_deep(max_depth) from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise _error(
            "json_malformed",
            said("This JSON cannot be read: %(reason)s.", reason=str(error)[:120]),
        ) from None
    if _SURROGATE_ESCAPE.search(data):
        _check_text(value)
    return value
