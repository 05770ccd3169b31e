"""The YAML writer of `import`: block style, keys in the order given, quoting only where
a YAML reader would otherwise take a value for something else, UTF-8, no line folding.

Small leaf collections (a column's fields, a column list, privileges, roles) are written
in flow style on one line, as people write them (`id: {type: uuid, nullable: false}`).

A writer of its own rather than PyYAML's: the data is only mappings, lists and scalars,
and PyYAML's representer was a large share of an import's time. Its output is
PyYAML's layout (indent 2, a list under a key at the key's indent); a scalar is plain when
the conservative test below allows it, else double-quoted when it holds a `'` (SQL texts
read better so), else single-quoted, and escaped double-quoted when it holds a line break
or a character that is not printable. tests/importer/test_yamltext.py reads back what it
writes for arbitrary texts.
"""

from __future__ import annotations

from functools import cache

import yaml


class Flow(dict):
    """A mapping written on one line."""


class FlowList(list):
    """A sequence written on one line."""


_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
# a plain scalar may not start with an indicator (YAML 1.1, 9.1.3)
_BAD_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_BAD = frozenset(",[]{}:#")
_LINE_BREAKS = frozenset("\r\x85\u2028\u2029")


@cache
def _plain(value: str, flow: bool) -> bool:
    """True when `value` reads back as this very string written without quotes."""
    if not value or value != value.strip() or not value.isascii() or not value.isprintable():
        return False
    if value[0] in _BAD_FIRST or value.startswith("...") or ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and not _FLOW_BAD.isdisjoint(value):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG


def _literal_ok(value: str) -> bool:
    """A multi-line text a `|-` block holds exactly: no blank at either end of the text or
    of a line, no character YAML reads as a line break or may not hold."""
    if "\n" not in value or value != value.strip() or "\ufeff" in value:
        return False
    return all(line == line.rstrip() and line.isprintable() for line in value.split("\n"))


def _double(value: str) -> str:
    """`value` double-quoted, escaping what must be (YAML reads \\x, \\u, \\U escapes)."""
    out = ['"']
    for c in value:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c.isprintable() and c not in _LINE_BREAKS and c != "\ufeff":
            out.append(c)
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    out.append('"')
    return "".join(out)


def _scalar(value, flow: bool) -> str:
    if type(value) is str:
        return _text(value, flow)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as YAML")
    return _text(str(value), flow)


@cache  # names and types repeat across thousands of tables
def _text(value: str, flow: bool) -> str:
    if _plain(value, flow):
        return value
    if value.isprintable() and "\ufeff" not in value and not any(c in _LINE_BREAKS for c in value):
        # SQL strings ('draft'::text) read better in double quotes than with doubled quotes
        if "'" in value and '"' not in value and "\\" not in value:
            return '"' + value + '"'
        return "'" + value.replace("'", "''") + "'"
    return _double(value)


def _flow(value) -> str:
    # exact-type tests first: this runs for every leaf of every file
    kind = type(value)
    if kind is str:
        return _text(value, True)
    if kind is Flow or kind is dict or (kind is not FlowList and isinstance(value, dict)):
        return "{" + ", ".join([f"{_text(k, True) if type(k) is str else _scalar(k, True)}: {_flow(v)}"
                                for k, v in value.items()]) + "}"
    if kind is FlowList or kind is list or kind is tuple or isinstance(value, (list, tuple)):
        return "[" + ", ".join([_flow(v) for v in value]) + "]"
    return _scalar(value, True)


def _value(prefix: str, value, indent: int, out: list[str]) -> None:
    """`prefix` (a key and its colon) followed by `value` written at `indent`."""
    if type(value) is str and "\n" not in value:  # the common case: no literal block possible
        out.append(f"{prefix} {_text(value, False)}\n")
    elif isinstance(value, (Flow, FlowList)):
        out.append(f"{prefix} {_flow(value)}\n")
    elif isinstance(value, dict):
        if not value:
            out.append(f"{prefix} {{}}\n")
        else:
            out.append(prefix + "\n")
            _mapping(value, indent + 2, out)
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append(f"{prefix} []\n")
        else:
            out.append(prefix + "\n")
            _sequence(value, indent, out)
    elif isinstance(value, str) and _literal_ok(value):
        pad = " " * (indent + 2)
        out.append(f"{prefix} |-\n" + "".join(pad + line + "\n" if line else "\n" for line in value.split("\n")))
    else:
        out.append(f"{prefix} {_scalar(value, False)}\n")


def _mapping(data: dict, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        _value(f"{pad}{_text(key, False) if type(key) is str else _scalar(key, False)}:", value, indent, out)


def _sequence(items, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and not isinstance(item, Flow) and item:
            # the item's first key goes on the dash's line, the others under it
            start = len(out)
            _mapping(item, indent + 2, out)
            out[start] = pad + "- " + out[start][indent + 2:]
        elif isinstance(item, (Flow, FlowList, dict, list, tuple)):
            out.append(f"{pad}- {_flow(item)}\n")
        else:
            out.append(f"{pad}- {_scalar(item, False)}\n")


def to_yaml(data: dict, header: str = "") -> str:
    """`data` (a mapping) as a YAML document, after `header` (comment lines, each `#`...)."""
    out = [header]
    _mapping(data, 0, out)
    return "".join(out)


def one_line(value) -> str:
    """`value` as YAML on one line (a view header value)."""
    if isinstance(value, (dict, list, tuple)):
        return _flow(value)
    return _scalar(value, True)


def flow_if_plain(d: dict):
    """`d` as a one-line mapping when it is short and each value fits on a line, else as a
    block mapping (a long SQL expression reads better on its own line)."""
    # one pass (this runs for every column, constraint and index of every table)
    items = {}
    fits = True
    size = 0
    for k, v in d.items():
        if isinstance(v, (list, tuple)):
            items[k] = FlowList(v)
            if fits:
                fits = all(_plain(x, True) if isinstance(x, str) else True for x in v)
        else:
            items[k] = v
            if fits and isinstance(v, str):
                fits = v.isprintable()
        size += len(v if type(v) is str else str(v)) + len(k) + 4
    if fits and size <= 110:
        return Flow(items)
    return items
