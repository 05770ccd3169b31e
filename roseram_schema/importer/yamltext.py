"""The YAML writer of `import`: block style, keys in the order given, quoting only where
PyYAML's reader would otherwise take a value for something else, UTF-8, no line folding.

Small leaf collections (a column's fields, a column list, privileges, roles) are written
in flow style on one line, as people write them (`id: {type: uuid, nullable: false}`).
"""

from __future__ import annotations

import json
from functools import cache

import yaml


class Flow(dict):
    """A mapping written on one line."""


class FlowList(list):
    """A sequence written on one line."""


# libyaml's emitter when PyYAML has it: the pure-Python one was nine tenths of an import
_Base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):
    def ignore_aliases(self, data):  # never write anchors: each value is written in place
        return True


def _str(dumper, value: str):
    # a multi-line text (a long check, a policy expression) as a literal block when that
    # reads back exactly: PyYAML refuses `|` for trailing blanks and some characters
    if "\n" in value and value == value.strip() and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    # SQL strings ('draft'::text) read better in double quotes than with doubled quotes
    if _double_quoted(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _double_quoted(value: str) -> bool:
    return ("'" in value and not plain_in_block(value) and '"' not in value and "\\" not in value
            and value.isprintable())


@cache
def plain_in_block(value: str) -> bool:
    """True when YAML writes `value` unquoted as a block mapping's value."""
    return yaml.dump({"k": value}, Dumper=_Base, allow_unicode=True, width=10**9) == f"k: {value}\n"


@cache
def plain_in_flow(value) -> bool:
    """True when YAML writes `value` (a scalar) unquoted inside `{...}` or `[...]`."""
    if not isinstance(value, str):
        return True
    return yaml.dump([value], Dumper=_Base, default_flow_style=True, allow_unicode=True,
                     width=10**9) == f"[{value}]\n"


def flow_if_plain(d: dict):
    """`d` as a one-line mapping when each of its values is written unquoted there, else
    as a block mapping (a long SQL expression reads better on its own line)."""
    def plain(v):
        if isinstance(v, (list, tuple)):
            return all(plain_in_flow(x) for x in v)
        return plain_in_flow(v) or (isinstance(v, str) and v.isprintable())

    if all(plain(v) for v in d.values()) and sum(len(str(v)) + len(k) + 4 for k, v in d.items()) <= 110:
        return Flow({k: FlowList(v) if isinstance(v, (list, tuple)) else v for k, v in d.items()})
    return {k: FlowList(v) if isinstance(v, (list, tuple)) else v for k, v in d.items()}


def _flow_dict(dumper, value: Flow):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _flow_list(dumper, value: FlowList):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _block_dict(dumper, value: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Flow, _flow_dict)
_Dumper.add_representer(FlowList, _flow_list)
_Dumper.add_representer(dict, _block_dict)


def to_yaml(data: dict, header: str = "") -> str:
    """`data` as a YAML document, after `header` (comment lines, each starting with `#`)."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=10**9, indent=2)
    return header + text


def one_line(value) -> str:
    """`value` as YAML on one line (a view header value): flow style, and a text that YAML
    would spread over lines written as a JSON string, which YAML reads the same."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True,
                     width=10**9, sort_keys=False)
    if text.endswith("\n...\n"):
        text = text[:-5]
    text = text.rstrip("\n")
    if "\n" in text:
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        raise ValueError(f"cannot write {value!r} on one line")
    return text
