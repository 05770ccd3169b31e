"""Turning character offsets (in a file, or inside a YAML scalar) into line:column."""

from __future__ import annotations

from ..errors import Origin
from .yamlnodes import YNode


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset in `text`."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def origin_at(path: str, text: str, offset: int) -> Origin:
    """Origin of a character offset in a file."""
    line, col = line_col(text, offset)
    return Origin(path, line, col)


def scalar_origin(path: str, file_text: str, node: YNode, offset: int) -> Origin:
    """Origin of character `offset` of a YAML scalar's value, in the file it came from.

    YAML may fold lines, strip indentation or unquote, so positions are matched by counting
    non-blank characters: the n-th non-blank character of the value is the n-th non-blank
    character of the scalar as written (after its quote or block header). Exact for plain
    and quoted one-liners and for literal blocks, close for everything else.
    """
    value = node.text or ""
    offset = max(0, min(offset, len(value)))
    wanted = sum(1 for c in value[:offset] if not c.isspace())
    raw_start = node.index
    raw_end = max(node.end_index, raw_start)
    i = raw_start
    if node.style in ("|", ">"):
        # skip the block header line ("|", ">-", "|2" ...)
        newline = file_text.find("\n", i, raw_end)
        i = raw_end if newline < 0 else newline + 1
    elif node.style in ("'", '"'):
        i += 1
    seen = 0
    while i < raw_end:
        c = file_text[i]
        if not c.isspace():
            if seen == wanted:
                break
            seen += 1
        i += 1
    if i >= raw_end:
        i = min(node.index + 1 if node.style in ("'", '"') else node.index, len(file_text))
        if seen <= wanted and offset >= len(value.rstrip()):
            # the error is at the end of the value: point just after its last character
            i = _end_of_value(file_text, node)
    return origin_at(path, file_text, i)


def _end_of_value(file_text: str, node: YNode) -> int:
    end = node.end_index
    if node.style in ("'", '"'):
        end -= 1
    while end > node.index and file_text[end - 1].isspace():
        end -= 1
    return end
