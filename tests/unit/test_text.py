"""The control-character rule (hostile input, issue 8): the cheap scan of an event's
canonical JSON never misses what the exact check refuses."""

from __future__ import annotations

from domain.chain import canonical_text
from domain.text import control_character, might_hold_control


def test_the_scan_of_the_canonical_json_catches_every_refused_character():
    """Every character from U+0000 to U+00A0, alone, inside a word, in a key and in a list:
    where the exact rule refuses it, the scan of the JSON text flags it; tab, line feed,
    carriage return and printable text pass the scan."""
    for code in range(0xA1):
        char = chr(code)
        for content in (
            {"name": char},
            {"reason": f"前{char}后"},
            {"details": {f"k{char}": "v"}},
            {"items": ["a", f"b{char}"]},
        ):
            text = canonical_text(content)
            if control_character(char) is not None:
                assert might_hold_control(text), (code, content)
            elif char != "\\":  # an escaped backslash may be flagged; the exact check decides
                assert not might_hold_control(text), (code, content)
