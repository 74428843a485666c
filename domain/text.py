"""Text the ledger will store: no control characters.

PostgreSQL `text` refuses NUL, so one NUL in a recorded event would stop every view at
that event; the other C0 controls (and DEL) have no place in a name, an address or a
reason either. Tab, line feed and carriage return are allowed (free text has lines).
The API's schemas and every event the domain creates (CLI and import paths too) use
this one rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInputError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

RULE = "must not contain control characters (such as NUL) other than tab and line breaks"


# What a control character looks like in the canonical JSON of an event (json.dumps
# escapes C0 controls as \uXXXX or \b, \f, \t, \n, \r; DEL stays as it is): a cheap scan
# of the text the hash chain computes anyway. A match may be an escaped backslash before
# "b", "f" or "u00"; then the exact check decides.
_ESCAPED_CONTROL = re.compile(r"\\u00[01][0-9a-fA-F]|\\[bf]|\x7f")


def might_hold_control(json_text: str) -> bool:
    """Whether an event's canonical JSON text may hold a control character."""
    return _ESCAPED_CONTROL.search(json_text) is not None


def control_character(value: str) -> str | None:
    """The first control character in `value` as U+XXXX, or None."""
    found = _CONTROL.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_text(value: Any, field: str) -> None:
    """Refuse a string (or any string inside a dict or list) holding a control character,
    naming the field (`details.school`, `items.2`)."""
    if isinstance(value, str):
        found = control_character(value)
        if found is not None:
            raise InvalidInputError(f"{field} {RULE}; found {found}", field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(str(key), field)
            check_text(item, f"{field}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_text(item, f"{field}.{index}")


def check_fields(values: Mapping[str, Any]) -> None:
    """`check_text` on each named value (an event's fields before it is created)."""
    for name, value in values.items():
        check_text(value, name)
