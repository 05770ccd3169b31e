"""The pure text helpers of the inspector."""

from __future__ import annotations

import pytest

from roseram_schema.introspect.texts import index_key, parse_reloptions, strip_check, view_query


@pytest.mark.parametrize(
    ("definition", "expression"),
    [
        ("CHECK ((price > 0))", "(price > 0)"),
        ("CHECK ((price > 0)) NOT VALID", "(price > 0)"),
        ("CHECK ((price > 0)) NO INHERIT", "(price > 0)"),
        ("CHECK ((price > 0)) NO INHERIT NOT VALID", "(price > 0)"),
        ("CHECK ((note <> ' NOT VALID'::text))", "(note <> ' NOT VALID'::text)"),
        ("CHECK ((name <> ')'::text))", "(name <> ')'::text)"),
        ("CHECK ((name <> 'it''s ('::text))", "(name <> 'it''s ('::text)"),
        ('CHECK (("we(ird" > 0))', '("we(ird" > 0)'),
    ],
)
def test_strip_check(definition, expression):
    assert strip_check(definition) == expression


def test_strip_check_rejects_other_constraints():
    with pytest.raises(ValueError):
        strip_check("UNIQUE (a)")


@pytest.mark.parametrize(
    ("option", "expected"),
    [(0, "a"), (1, "a DESC NULLS LAST"), (3, "a DESC"), (2, "a NULLS FIRST")],
)
def test_index_key_orderings(option, expected):
    assert index_key("a", option, None, None) == expected


def test_index_key_collation_and_opclass_come_before_ordering():
    assert index_key("name", 3, "text_pattern_ops", '"C"') == 'name COLLATE "C" text_pattern_ops DESC'


def test_view_query_strips_blanks_and_semicolon():
    assert view_query(" SELECT 1;\n") == "SELECT 1"


def test_reloptions():
    assert parse_reloptions(["security_invoker=true", "check_option=local"]) == {
        "security_invoker": "true",
        "check_option": "local",
    }
