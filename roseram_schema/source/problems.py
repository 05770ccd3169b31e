"""Collecting every problem of a project before failing, so the user sees them all at once."""

from __future__ import annotations

import difflib
from typing import Iterable

from ..errors import Origin, Problem, SourceError


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean ...?" hint naming the closest choices, or None when nothing is close.

    For "schema.name" words the names are compared within the same schema, so a shared
    "public." prefix does not make every table look close.
    """
    choices = sorted(set(choices))
    if "." in word and "(" not in word:
        schema, _, name = word.partition(".")
        same = {c.partition(".")[2]: c for c in choices if c.partition(".")[0] == schema}
        close = difflib.get_close_matches(name, sorted(same), n=3, cutoff=0.6)
        others = difflib.get_close_matches(word, [c for c in choices if c not in same.values()],
                                           n=3, cutoff=0.8)
        matches = [same[c] for c in close] + others
        if not matches:
            return None
        return "did you mean " + " or ".join(repr(m) for m in matches[:3]) + "?"
    matches = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if not matches:
        return None
    return "did you mean " + " or ".join(repr(m) for m in matches) + "?"


class Problems:
    """An append-only list of Problems; `raise_if_any` turns them into one SourceError."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, origin: Origin | None, obj: str, message: str, hint: str | None = None, *,
            root: bool = False) -> None:
        """Record one problem: where, which object, what is wrong, how to fix it; `root`
        when the file could not be read or parsed (see Problem.root)."""
        self.items.append(Problem(origin=origin, obj=obj, message=message, hint=hint, root=root))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise a SourceError listing every recorded problem (deduplicated), if there is one."""
        if self.items:
            raise SourceError(list(dict.fromkeys(self.items)))
