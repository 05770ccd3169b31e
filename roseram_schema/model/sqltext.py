"""One safe `-- ...` comment line built from text the tool does not control, and text
safe to print on a terminal.

Names, hazard messages and source paths end up after `-- ` in the SQL that compile and
plan print. PostgreSQL (and psql) end a `--` comment at a line break, so a name holding
one would turn the rest of it into SQL that `compile | psql` runs: every such line is built
here, with control characters (C0, DEL, C1) and Unicode line separators shown escaped.
"""

from __future__ import annotations

import re

# C0 (newline, carriage return, tab ...), DEL, C1 (NEL U+0085 ...), LINE/PARAGRAPH SEPARATOR
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    ch = m.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`, `\\u2028`)."""
    return CONTROL.sub(_escape, text) if CONTROL.search(text) else text


def comment_line(text: object) -> str:
    """The text of a `-- ` comment that stays on one line whatever `text` holds."""
    return escape_controls(str(text))


# what a report may print as it is: line breaks and tabs lay it out; every other control
# character (ESC above all) could drive the reader's terminal
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def terminal_text(text: str) -> str:
    """`text` for a human-readable report: control characters other than line breaks and
    tabs written as escapes, so a name read from a database cannot send escape sequences to
    the terminal that shows the report."""
    return _TERMINAL_UNSAFE.sub(_escape, text) if _TERMINAL_UNSAFE.search(text) else text
