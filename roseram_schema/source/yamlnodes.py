"""YAML documents as trees of nodes that remember where each key and value was written.

PyYAML's composer gives nodes with start marks; we turn them into `YNode`s (a value plus
its Origin) so every later check can point at `file:line:column`. Duplicate keys, which
PyYAML silently accepts, are reported.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from ..errors import Origin
from .limits import MAX_YAML_BYTES
from .problems import Problems


class YNode:
    """One YAML value: `kind` is "map", "seq" or "scalar".

    For a map, `value` is a dict of key -> YNode and `key_origins` says where each key was
    written; for a seq, a list of YNodes; for a scalar, the constructed Python value
    (str, int, bool, None, ...) and `text`, the scalar exactly as written (unquoted).
    `index`/`end_index` are character offsets into the file, used to map positions inside
    SQL written in a scalar back to the file. Origins are built on demand: a large project
    has hundreds of thousands of nodes and few problems.
    """

    __slots__ = ("kind", "value", "path", "line", "column", "text", "style", "index",
                 "end_index", "key_marks")

    def __init__(self, kind: str, value: Any, path: str, line: int, column: int,
                 text: str | None = None, style: str | None = None, index: int = 0,
                 end_index: int = 0, key_marks: dict[str, tuple[int, int]] | None = None):
        self.kind = kind
        self.value = value
        self.path = path
        self.line = line
        self.column = column
        self.text = text
        self.style = style
        self.index = index
        self.end_index = end_index
        self.key_marks = _NO_KEYS if key_marks is None else key_marks

    @property
    def origin(self) -> Origin:
        """Where the value starts (1-based line and column)."""
        return Origin(self.path, self.line, self.column)

    @property
    def key_origins(self) -> "_KeyOrigins":
        """key -> Origin of the key, for a map."""
        return _KeyOrigins(self.path, self.key_marks)

    def plain(self) -> Any:
        """The node as plain Python data (dicts, lists, scalars), locations dropped."""
        if self.kind == "map":
            return {k: v.plain() for k, v in self.value.items()}
        if self.kind == "seq":
            return [v.plain() for v in self.value]
        return self.value

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.value is None

    def __repr__(self) -> str:
        return f"YNode({self.kind}, {self.plain()!r}, {self.origin})"


class _KeyOrigins:
    """A read-only mapping view: key -> Origin, built from (line, column) pairs."""

    __slots__ = ("path", "marks")

    def __init__(self, path: str, marks: dict[str, tuple[int, int]]):
        self.path = path
        self.marks = marks

    def __getitem__(self, key: str) -> Origin:
        line, column = self.marks[key]
        return Origin(self.path, line, column)

    def get(self, key: str, default=None):
        return self[key] if key in self.marks else default

    def __contains__(self, key: str) -> bool:
        return key in self.marks


# the key_marks of every node that is not a map (never written to)
_NO_KEYS: dict[str, tuple[int, int]] = {}

# libyaml's parser is much faster and gives the same marks (character offsets, 0-based
# line/column); the pure-Python one is the fallback.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
# Keys and strings as one object per distinct text: a project repeats a few thousand of them
# in every file (`type`, `uuid`, `user_id`, a policy's expression), and the model keeps them.
_intern = sys.intern
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"


class _Loader(_BaseLoader):
    """The safe loader with its tag resolution remembered: a project writes the same few
    scalars (types, true/false, names) thousands of times, and resolving one runs the
    implicit resolvers' regular expressions, a large share of composing a document."""

    _resolved: dict = {}

    def resolve(self, kind, value, implicit):
        key = (kind, value, implicit)
        try:
            return self._resolved[key]
        except KeyError:
            tag = super().resolve(kind, value, implicit)
            if len(self._resolved) < 100_000:  # bounded: long texts are rarely repeated
                self._resolved[key] = tag
            return tag


def _convert(node: yaml.Node, path: str, loader, problems: Problems, active: set | None = None) -> YNode:
    start = node.start_mark
    line, column = start.line + 1, start.column + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        # an alias may point at a collection that contains it: refuse the cycle
        active = set() if active is None else active
        if id(node) in active:
            problems.add(Origin(path, line, column), "", "a YAML alias refers to itself",
                         "remove the recursive *alias")
            return YNode("scalar", None, path, line, column)
        active.add(id(node))
        try:
            return _convert_collection(node, path, loader, problems, active, line, column)
        finally:
            active.discard(id(node))
    return _convert_scalar(node, path, loader, line, column)


def _convert_collection(node, path, loader, problems, active, line, column) -> YNode:
    start = node.start_mark
    if isinstance(node, yaml.MappingNode):
        items: dict[str, YNode] = {}
        key_marks: dict[str, tuple[int, int]] = {}
        merges = []
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            key_mark = (mark.line + 1, mark.column + 1)
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE_TAG:
                merges.append((value_node, key_mark))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.add(Origin(path, *key_mark), "", "a mapping key must be a plain name")
                continue
            key = _intern(key_node.value)
            if key in items:
                problems.add(
                    Origin(path, *key_mark),
                    key,
                    f"duplicate key {key!r}",
                    f"it was already given at line {key_marks[key][0]}",
                )
                continue
            key_marks[key] = key_mark
            items[key] = _convert(value_node, path, loader, problems, active)
        # `<<: *base` (or a list of them): keys written here win, then earlier merges
        for value_node, key_mark in merges:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                merged = _convert(source, path, loader, problems, active)
                if merged.kind != "map":
                    problems.add(Origin(path, *key_mark), "<<", "a merge key (<<) needs a mapping")
                    continue
                for key, value in merged.value.items():
                    if key not in items:
                        items[key] = value
                        key_marks[key] = merged.key_marks[key]
        return YNode("map", items, path, line, column, index=start.index,
                     end_index=node.end_mark.index, key_marks=key_marks)
    values = [_convert(v, path, loader, problems, active) for v in node.value]
    return YNode("seq", values, path, line, column, index=start.index, end_index=node.end_mark.index)


def _convert_scalar(node, path, loader, line, column) -> YNode:
    start = node.start_mark
    tag, text = node.tag, node.value
    if tag == _STR_TAG:
        value = _intern(text)  # the common cases without the constructor machinery, same values
    elif tag == _BOOL_TAG:
        value = loader.bool_values[text.lower()]
    elif tag == _NULL_TAG:
        value = None
    elif tag == _INT_TAG and text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
        value = int(text)  # plain decimal; 0-prefixed (octal), signs, 0x, 1_000: the constructor
    else:
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            value = node.value  # a tag the safe constructor refuses (`=`, `!!python/...`)
        if isinstance(value, (bytes, bytearray)) or not isinstance(
            value, (str, int, float, bool, type(None))
        ):
            # Dates, timestamps, binary: keep the text; nothing in the format wants those types.
            value = node.value
    return YNode("scalar", value, path, line, column, text=node.value, style=node.style or None,
                 index=start.index, end_index=node.end_mark.index)


def parse_yaml(text: str, path: str, problems: Problems) -> YNode | None:
    """Parse one YAML document into YNodes; report syntax errors and duplicate keys.

    Returns None for a malformed document (the problem is recorded) and an empty map
    for an empty file.
    """
    if len(text) > MAX_YAML_BYTES:  # a view file's header (YAML files are refused by the loader)
        problems.add(Origin(path, 1, 1), "", f"the YAML is larger than {MAX_YAML_BYTES >> 20} MiB",
                     "split it into smaller files", root=True)
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        origin = Origin(path, mark.line + 1, mark.column + 1) if mark else Origin(path)
        message = "malformed YAML: " + (exc.problem or str(exc))
        if exc.context:
            message += f" ({exc.context})"
        problems.add(origin, "", message, "check the indentation and quoting around this place", root=True)
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error (control characters)
        problems.add(Origin(path, 1, 1), "", f"malformed YAML: {exc}", root=True)
        return None
    finally:
        loader.dispose()
    if node is None:
        return YNode("map", {}, path, 1, 1)
    site = _alias_bomb(node) if "&" in text else None  # no anchor, no alias
    if site is not None:
        problems.add(Origin(path, *site), "", f"YAML aliases here repeat more than {MAX_ALIAS_VALUES:,}"
                     " values", "write the values out instead of nesting *aliases", root=True)
        return None
    return _convert(node, path, loader, problems)


# Values the aliases of one document may repeat, beyond those written out: hundreds of
# `<<: *base` merges need a few thousand; nested aliases ("billion laughs": 12 lines that
# name 10^9 values) would otherwise take exponential time and memory to convert.
MAX_ALIAS_VALUES = 100_000


def _alias_bomb(root: yaml.Node) -> tuple[int, int] | None:
    """Where (line, column) the aliases of the composed document `root` pass
    MAX_ALIAS_VALUES repeated values, in document order, or None. Linear in the nodes
    composed: each collection's size (the values _convert makes of it) is computed once.

    The composer keeps no alias's own place: a repeat is located by its key, or by the
    list holding it."""
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    total = 0

    def size(node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1
        key = id(node)
        if key not in sizes:
            sizes[key] = 0  # an alias inside its own anchor: a cycle, reported by _convert
            if isinstance(node, yaml.MappingNode):
                sizes[key] = 1 + sum(size(k) + size(v) for k, v in node.value)
            else:
                sizes[key] = 1 + sum(size(v) for v in node.value)
        return sizes[key]

    def visit(node) -> tuple[int, int] | None:
        nonlocal total
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = [(v, (k.start_mark.line + 1, k.start_mark.column + 1)) for k, v in node.value]
        else:
            here = (node.start_mark.line + 1, node.start_mark.column + 1)
            children = [(v, here) for v in node.value]
        for child, place in children:
            if not isinstance(child, (yaml.MappingNode, yaml.SequenceNode)):
                continue  # a scalar alias repeats one value per `*name` written
            if id(child) in seen:
                total += size(child)
                if total > MAX_ALIAS_VALUES:
                    return place
            else:
                found = visit(child)
                if found is not None:
                    return found
        return None

    return visit(root) if isinstance(root, (yaml.MappingNode, yaml.SequenceNode)) else None
