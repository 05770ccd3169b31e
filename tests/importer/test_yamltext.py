"""The YAML writer of `import`: whatever texts it is given, the source loader reads back
exactly the data written (keys, values, nesting), and the layout is the expected one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from roseram_schema.importer.yamltext import Flow, FlowList, flow_if_plain, one_line, to_yaml
from roseram_schema.source.problems import Problems
from roseram_schema.source.yamlnodes import parse_yaml


def read_back(text: str):
    problems = Problems()
    node = parse_yaml(text, "t.yaml", problems)
    assert not problems.items, (text, problems.items)
    return node.plain()


# any text, and texts made of YAML's indicators and words it reads as other types
_TRICKY = "ab0 :,#-?[]{}'\"\\\n\t!&*|>%@`.=~<yesnoNULtrue+_\u2028\x85"
texts = st.one_of(st.text(max_size=40), st.text(alphabet=_TRICKY, max_size=12))
keys = st.one_of(st.text(min_size=1, max_size=20), st.text(alphabet=_TRICKY, min_size=1, max_size=8))
scalars = st.one_of(texts, st.booleans(), st.integers(-10**6, 10**6), st.none())


@st.composite
def documents(draw):
    flow_map = st.dictionaries(keys, scalars, max_size=4).map(Flow)
    flow_list = st.lists(texts, max_size=4).map(FlowList)
    leaf = st.one_of(scalars, flow_map, flow_list)
    block_map = st.dictionaries(keys, leaf, max_size=4)
    value = st.one_of(leaf, block_map, st.lists(st.one_of(block_map, flow_map, texts), max_size=3))
    return draw(st.dictionaries(keys, value, min_size=1, max_size=5))


@settings(max_examples=300, deadline=None)
@given(documents())
def test_reads_back_what_it_writes(data):
    assert read_back(to_yaml(data, "# header\n")) == data


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, st.dictionaries(keys, st.lists(texts, max_size=3).map(FlowList), max_size=3).map(Flow)))
def test_one_line_values_read_back(value):
    line = one_line(value)
    assert "\n" not in line
    assert read_back(f"k: {line}\n") == {"k": value}


def test_layout():
    data = {
        "comment": "a: b",
        "columns": {
            "id": flow_if_plain({"type": "uuid", "nullable": False}),
            "status": flow_if_plain({"type": "text", "default": "'new'::text"}),
            "tags": {"type": "text[]", "comment": "two\nlines"},
        },
        "checks": [{"name": "c", "expression": "(a > 0)"}, Flow({"name": "d"})],
        "grants": {"anon": FlowList(["select"]), "service_role": "all"},
        "on": "yes",
    }
    assert to_yaml(data) == (
        "comment: 'a: b'\n"
        "columns:\n"
        "  id: {type: uuid, nullable: false}\n"
        "  status: {type: text, default: \"'new'::text\"}\n"
        "  tags:\n"
        "    type: text[]\n"
        "    comment: |-\n"
        "      two\n"
        "      lines\n"
        "checks:\n"
        "- name: c\n"
        "  expression: (a > 0)\n"
        "- {name: d}\n"
        "grants:\n"
        "  anon: [select]\n"
        "  service_role: all\n"
        "'on': 'yes'\n"
    )
