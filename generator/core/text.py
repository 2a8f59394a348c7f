"""Text a user or a peer gave us, made safe to match and to print.

One definition of a control character for every string setting (the schema's `$defs/text`
carries the same class: tests/core/test_text.py checks they agree), and one way to turn any
message into a single terminal-safe line.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls (NEL among them) and the Unicode line and paragraph separators:
# each either moves a terminal's cursor or ends a line for some reader of the value.
CONTROL_CLASS = "[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
CONTROL = re.compile(CONTROL_CLASS)
MAX_SHOWN = 80


def control_character(text: str) -> str | None:
    """The first control character of `text`, as U+XXXX with its escape, or None."""
    m = CONTROL.search(text)
    if m is None:
        return None
    return f"{m.group(0)!r} (U+{ord(m.group(0)):04X})"


def shown(value: object, most: int = MAX_SHOWN) -> str:
    """A value as a message shows it: its repr (control characters escaped), cut to `most`."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 3] + "..."


def one_line(text: str) -> str:
    """A message as one terminal-safe line: line breaks (and the indentation after them) become
    '; ', every other control character its escape, so nothing a peer or a file sent moves the
    cursor or fakes a second `error:` line."""
    joined = ""
    for part in (p.strip() for p in re.split(r"[\r\n\u2028\u2029\x85]+", text)):
        if part:
            joined += ("" if not joined else " " if joined.endswith(":") else "; ") + part
    return escaped(joined)


def escaped(text: str) -> str:
    """`text` with every control character (line breaks included) shown as its escape."""
    return CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


def path_shown(path: object) -> str:
    """A path as a message shows it: as it is, or quoted with escapes when it holds a control
    character (a --root of 'proj\\nx' must not print as two lines)."""
    text = str(path)
    return text if CONTROL.search(text) is None else repr(text)
