"""Small pure helpers that turn catalog output into the model's SQL texts."""

from __future__ import annotations

# pg_index.indoption bits (see PostgreSQL's catalog/pg_index.h)
_INDOPTION_DESC = 0x0001
_INDOPTION_NULLS_FIRST = 0x0002

_TRUE_WORDS = frozenset({"true", "on", "yes", "1", "t", "y"})

IDENTITY_KINDS = {"a": "always", "d": "by default"}
POLICY_COMMAND_CODES = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
FK_ACTION_CODES = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
FK_MATCH_CODES = {"s": "simple", "f": "full", "p": "partial"}


# What pg_get_constraintdef may append after `CHECK (expr)` (NOT ENFORCED: PostgreSQL 18).
_CHECK_SUFFIXES = (" NOT VALID", " NO INHERIT", " NOT ENFORCED")


def strip_check(definition: str) -> str:
    """The expression of a `CHECK (expr) [NO INHERIT] [NOT VALID]` constraint definition.

    pg_get_constraintdef prints `CHECK ((price > 0))`; the model keeps what is inside the
    outer `CHECK (...)`, here `(price > 0)`. PostgreSQL always prints the expression in
    parentheses, so after removing the known trailing keywords the text ends with the
    closing parenthesis of `CHECK (`.
    """
    text = definition.strip()
    removed = True
    while removed:
        removed = False
        for suffix in _CHECK_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)].rstrip()
                removed = True
    if not (text.startswith("CHECK (") and text.endswith(")")):
        raise ValueError(f"not a check constraint: {definition!r}")
    return text[len("CHECK (") : -1].strip()


def index_key(expr: str, option: int, opclass: str | None, collation: str | None) -> str:
    """One index key as CREATE INDEX writes it: `expr [COLLATE c] [opclass] [DESC] [NULLS ...]`.

    PostgreSQL's defaults are ASC NULLS LAST and DESC NULLS FIRST; only departures from
    them are written, as pg_get_indexdef does.
    """
    parts = [expr]
    if collation:
        parts.append(f"COLLATE {collation}")
    if opclass:
        parts.append(opclass)
    desc = bool(option & _INDOPTION_DESC)
    nulls_first = bool(option & _INDOPTION_NULLS_FIRST)
    if desc:
        parts.append("DESC")
        if not nulls_first:
            parts.append("NULLS LAST")
    elif nulls_first:
        parts.append("NULLS FIRST")
    return " ".join(parts)


def view_query(text: str) -> str:
    """pg_get_viewdef output without the surrounding blanks and the trailing semicolon."""
    text = text.strip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def parse_reloptions(options: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`{"security_invoker=true", ...}` as a dict, keys lower-case."""
    result = {}
    for option in options:
        key, _, value = option.partition("=")
        result[key.strip().lower()] = value.strip()
    return result


def option_is_true(options: dict[str, str], key: str) -> bool:
    """Whether a boolean reloption is set to a true value (PostgreSQL accepts on/yes/1...)."""
    return options.get(key, "false").lower() in _TRUE_WORDS


def function_definition(text: str) -> str:
    """pg_get_functiondef output without trailing blanks (it never ends with a semicolon)."""
    text = text.rstrip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    return text
