"""Collecting every problem of a project before failing, so the user sees them all at once."""

from __future__ import annotations

import difflib
from typing import Iterable

from ..errors import Origin, Problem, SourceError


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean ...?" hint naming the closest choices, or None when nothing is close."""
    matches = difflib.get_close_matches(word, sorted(set(choices)), n=3, cutoff=0.6)
    if not matches:
        return None
    return "did you mean " + " or ".join(repr(m) for m in matches) + "?"


class Problems:
    """An append-only list of Problems; `raise_if_any` turns them into one SourceError."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, origin: Origin | None, obj: str, message: str, hint: str | None = None) -> None:
        """Record one problem: where, which object, what is wrong, how to fix it."""
        self.items.append(Problem(origin=origin, obj=obj, message=message, hint=hint))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise a SourceError listing every recorded problem (deduplicated), if there is one."""
        if self.items:
            raise SourceError(list(dict.fromkeys(self.items)))
