"""Reports a person reads on a terminal never carry a name's control characters raw.

Names found in a live database (the loader refuses control characters in the source, a
database does not) reach the plan, drift and lint reports; an ESC in one would let whoever
named the object drive the terminal that shows the report (clear it, rewrite lines above).
"""

from __future__ import annotations

import io

from rich.console import Console

from roseram_schema.diff import diff_catalogs
from roseram_schema.lint.findings import Finding
from roseram_schema.lint.output import to_text
from roseram_schema.model import Column, PrimaryKey, Table, build_catalog
from roseram_schema.plan.planner import build_plan
from roseram_schema.render.drift import render_drift
from roseram_schema.render.plan import render_plan_text, rich_plan_overview

CLEAR_SCREEN = "\x1b[2J\x1b[H"


def _live_with_hostile_name():
    table = Table(schema="public", name="t" + CLEAR_SCREEN + "x",
                  columns=(Column(name="id", type="integer", nullable=False),),
                  primary_key=PrimaryKey(name="t_pkey", columns=("id",)))
    return build_catalog(tables=[table])


def test_plan_text_and_table_escape_control_characters():
    plan = build_plan(_live_with_hostile_name(), build_catalog())
    text = render_plan_text(plan)
    assert "\x1b" not in text
    assert "\\x1b[2J" in text  # still there, visibly
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=False).print(rich_plan_overview(plan))
    assert "\x1b" not in out.getvalue() and "\\x1b[2J" in out.getvalue()


def test_drift_text_escapes_control_characters():
    changes = diff_catalogs(_live_with_hostile_name(), build_catalog())
    text = render_drift(changes, "text")
    assert changes and "\x1b" not in text and "\\x1b[2J" in text


def test_lint_text_escapes_control_characters():
    text = to_text([Finding("public.t" + CLEAR_SCREEN, "rls-disabled", "error", "m" + CLEAR_SCREEN)])
    assert "\x1b" not in text and "\\x1b[2J" in text
