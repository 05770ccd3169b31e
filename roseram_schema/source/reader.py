"""Typed reading of YAML nodes: every wrong shape or unknown key becomes a located Problem.

The readers never raise: they record the problem and return None, so loading goes on and
reports everything that is wrong in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..errors import Origin
from .positions import scalar_origin
from .problems import Problems, did_you_mean
from .sqltext import SnippetError
from .yamlnodes import YNode

_KIND_NAMES = {"map": "a mapping", "seq": "a list", "scalar": "a single value"}


@dataclass(frozen=True)
class SourceFile:
    """A source file: its path relative to the project root (POSIX form) and its text."""

    path: str
    text: str


class Reader:
    """Reads the YAML nodes of one file for the objects it declares."""

    def __init__(self, file: SourceFile, problems: Problems):
        self.file = file
        self.problems = problems

    def problem(self, origin: Origin | None, obj: str, message: str, hint: str | None = None) -> None:
        """Record a problem in this file."""
        self.problems.add(origin, obj, message, hint)

    def _wrong(self, node: YNode, obj: str, what: str, expected: str) -> None:
        found = _describe_scalar(node) if node.kind == "scalar" else _KIND_NAMES[node.kind]
        self.problem(node.origin, obj, f"{what} must be {expected}, not {found}")

    def mapping(self, node: YNode, obj: str, what: str, allowed: Iterable[str]) -> dict[str, YNode] | None:
        """The fields of a mapping node; unknown keys are reported with a "did you mean"."""
        if node.kind != "map":
            self._wrong(node, obj, what, "a mapping")
            return None
        allowed = tuple(allowed)
        for key in node.value:
            if key not in allowed:
                self.problem(
                    node.key_origins.get(key, node.origin),
                    obj,
                    f"unknown key {key!r} in {what}",
                    did_you_mean(key, allowed) or "known keys: " + ", ".join(sorted(allowed)),
                )
        return {k: v for k, v in node.value.items() if k in allowed}

    def text(self, node: YNode | None, obj: str, what: str) -> str | None:
        """A scalar as the text written (numbers and booleans too); None when null/absent."""
        if node is None or node.is_null:
            return None
        if node.kind != "scalar":
            self._wrong(node, obj, what, "a single value")
            return None
        return node.text

    def name(self, node: YNode | None, obj: str, what: str) -> str | None:
        """A non-empty name (an identifier as written, never parsed)."""
        value = self.text(node, obj, what)
        if value is not None and not value.strip():
            self.problem(node.origin, obj, f"{what} must not be empty")
            return None
        return value.strip() if value is not None else None

    def boolean(self, node: YNode | None, obj: str, what: str) -> bool | None:
        """true/false (YAML's yes/no/on/off included)."""
        if node is None or node.is_null:
            return None
        if node.kind == "scalar" and isinstance(node.value, bool):
            return node.value
        self._wrong(node, obj, what, "true or false")
        return None

    def choice(self, node: YNode | None, obj: str, what: str, choices: Iterable[str]) -> str | None:
        """One of `choices`, compared case-insensitively with blanks collapsed; lower-cased."""
        value = self.text(node, obj, what)
        if value is None:
            return None
        normal = " ".join(value.lower().split())
        choices = tuple(choices)
        if normal not in choices:
            self.problem(
                node.origin,
                obj,
                f"{what} must be one of {', '.join(choices)}, not {value!r}",
                did_you_mean(normal, choices),
            )
            return None
        return normal

    def names(self, node: YNode | None, obj: str, what: str) -> tuple[str, ...] | None:
        """A list of names; a single name is accepted as a list of one."""
        if node is None or node.is_null:
            return None
        if node.kind == "scalar":
            value = self.name(node, obj, what)
            return (value,) if value is not None else None
        if node.kind != "seq":
            self._wrong(node, obj, what, "a list of names")
            return None
        out = []
        for item in node.value:
            if item.is_null:  # `[~]` must not read as "no names" (a primary key dropped)
                self.problem(item.origin, obj, f"an entry of {what} must not be empty")
                return None
            value = self.name(item, obj, f"an entry of {what}")
            if value is None:
                return None
            out.append(value)
        return tuple(out)

    def seq(self, node: YNode | None, obj: str, what: str) -> list[YNode]:
        """The items of a list node (empty when absent)."""
        if node is None or node.is_null:
            return []
        if node.kind != "seq":
            self._wrong(node, obj, what, "a list")
            return []
        return list(node.value)

    def sql(
        self,
        node: YNode | None,
        obj: str,
        what: str,
        parse: Callable[[str], tuple[object, SnippetError | None]],
    ) -> str | None:
        """A SQL snippet as written (stripped), checked with `parse`; errors point into it."""
        value = self.text(node, obj, what)
        if value is None:
            return None
        stripped = value.strip()
        if not stripped:
            self.problem(node.origin, obj, f"{what} must not be empty")
            return None
        _, error = parse(value)
        if error is not None:
            self.problem(
                scalar_origin(self.file.path, self.file.text, node, error.offset),
                obj,
                f"{what} does not parse: {error.message}",
                "write it as PostgreSQL SQL; quote string literals ('text')",
            )
            return None
        return stripped


def _describe_scalar(node: YNode) -> str:
    value = node.value
    if isinstance(value, bool):
        return f"the boolean {node.text}"
    if isinstance(value, (int, float)):
        return f"the number {node.text}"
    return f"{node.text!r}"
