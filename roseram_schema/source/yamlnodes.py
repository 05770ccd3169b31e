"""YAML documents as trees of nodes that remember where each key and value was written.

PyYAML's composer gives nodes with start marks; we turn them into `YNode`s (a value plus
its Origin) so every later check can point at `file:line:column`. Duplicate keys, which
PyYAML silently accepts, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Origin
from .problems import Problems


@dataclass
class YNode:
    """One YAML value: `kind` is "map", "seq" or "scalar".

    For a map, `value` is a dict of key -> YNode and `key_origins` says where each key was
    written; for a seq, a list of YNodes; for a scalar, the constructed Python value
    (str, int, bool, None, ...) and `text`, the scalar exactly as written (unquoted).
    `index`/`end_index` are character offsets into the file, used to map positions inside
    SQL written in a scalar back to the file.
    """

    kind: str
    value: Any
    origin: Origin
    text: str | None = None
    style: str | None = None
    index: int = 0
    end_index: int = 0
    key_origins: dict[str, Origin] = field(default_factory=dict)

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


# libyaml's parser is about ten times faster and gives the same marks (character offsets,
# 0-based line/column); the pure-Python one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _origin(path: str, mark) -> Origin:
    return Origin(path, mark.line + 1, mark.column + 1)


def _convert(node: yaml.Node, path: str, loader, problems: Problems) -> YNode:
    start = node.start_mark
    origin = _origin(path, start)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        items: dict[str, YNode] = {}
        key_origins: dict[str, Origin] = {}
        for key_node, value_node in node.value:
            key_origin = _origin(path, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.add(key_origin, "", "a mapping key must be a plain name")
                continue
            key = key_node.value
            if key in items:
                problems.add(
                    key_origin,
                    key,
                    f"duplicate key {key!r}",
                    f"it was already given at line {key_origins[key].line}",
                )
                continue
            key_origins[key] = key_origin
            items[key] = _convert(value_node, path, loader, problems)
        return YNode("map", items, origin, index=start.index, end_index=node.end_mark.index,
                     key_origins=key_origins)
    if isinstance(node, yaml.SequenceNode):
        values = [_convert(v, path, loader, problems) for v in node.value]
        return YNode("seq", values, origin, index=start.index, end_index=node.end_mark.index)
    value = loader.construct_object(node, deep=True)
    if isinstance(value, (bytes, bytearray)) or not isinstance(
        value, (str, int, float, bool, type(None))
    ):
        # Dates, timestamps, binary: keep the text; nothing in the format wants those types.
        value = node.value
    return YNode(
        "scalar",
        value,
        origin,
        text=node.value,
        style=node.style or None,
        index=start.index,
        end_index=node.end_mark.index,
    )


def parse_yaml(text: str, path: str, problems: Problems) -> YNode | None:
    """Parse one YAML document into YNodes; report syntax errors and duplicate keys.

    Returns None for a malformed document (the problem is recorded) and an empty map
    for an empty file.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        origin = _origin(path, mark) if mark else Origin(path)
        message = "malformed YAML: " + (exc.problem or str(exc))
        if exc.context:
            message += f" ({exc.context})"
        problems.add(origin, "", message, "check the indentation and quoting around this place")
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error (control characters)
        problems.add(Origin(path, 1, 1), "", f"malformed YAML: {exc}")
        return None
    finally:
        loader.dispose()
    if node is None:
        return YNode("map", {}, Origin(path, 1, 1))
    return _convert(node, path, loader, problems)
