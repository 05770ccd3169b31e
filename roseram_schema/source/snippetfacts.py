"""What the whole-project steps learn from SQL snippets, remembered across loads.

Naming and validation ask, table by table, what an index key is called and which columns
an expression or an index key reads. Each answer needs pglast to parse the snippet, which
is most of what a load of unchanged files still parses. The answers depend only on the
snippet's text and this code, so the parse cache keeps those a load used (`used`) and hands
them to the next load (`seed`). A wrong or missing answer is impossible to get from a stale
cache: the cache is dropped whole when the code changes.
"""

from __future__ import annotations

from functools import wraps

# (function name, snippet text) -> answer; bounded like the lru caches it replaces
_known: dict[tuple[str, str], object] = {}
_used: set[tuple[str, str]] = set()
_LIMIT = 1 << 17


def remembered(func):
    """Memoize a function of one snippet text, its answers to be kept by the parse cache."""
    name = func.__qualname__

    @wraps(func)
    def wrapper(text: str):
        key = (name, text)
        _used.add(key)
        try:
            return _known[key]
        except KeyError:
            if len(_known) >= _LIMIT:
                _known.clear()
            value = _known[key] = func(text)
            return value

    return wrapper


def seed(facts) -> None:
    """Start a load: take the answers a previous load used (a dict, as `used` gave)."""
    _used.clear()
    if isinstance(facts, dict):
        _known.update(facts)


def used() -> dict:
    """The answers asked for since `seed`."""
    return {key: _known[key] for key in _used if key in _known}
