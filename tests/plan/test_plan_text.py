"""The plain text plan report, written whole or a statement at a time (commands/plan.py
writes big plans piece by piece: the pieces must give exactly the report)."""

from __future__ import annotations

from roseram_schema.errors import Origin
from roseram_schema.plan.model import Hazard, Plan, PlanStatement
from roseram_schema.render.plan import plan_text_pieces, render_plan_text


def _plan() -> Plan:
    return Plan("a", "b", (
        PlanStatement("ALTER TABLE public.t\n    DROP COLUMN c;", "DropColumn", "public.t.c", "drop column public.t.c",
                      hazards=(Hazard("deletes_data", "drops the column's data"),),
                      origin=Origin("schema/public/t.yaml", 3, 1)),
        PlanStatement("CREATE INDEX CONCURRENTLY i ON public.t (x);", "CreateIndex", "public.i",
                      "create index public.i", transactional=False),
    ))


def test_the_report_names_each_statement_its_sql_and_the_hazards_to_allow():
    assert render_plan_text(_plan()) == (
        "Plan: 2 statements (1 outside the transaction); hazards: deletes_data\n"
        "\n"
        "  1. drop column public.t.c  [schema/public/t.yaml:3:1]\n"
        "       ALTER TABLE public.t\n"
        "           DROP COLUMN c;\n"
        "     !! deletes_data: drops the column's data\n"
        "  2. create index public.i  (outside the transaction)\n"
        "       CREATE INDEX CONCURRENTLY i ON public.t (x);\n"
        "\n"
        "apply needs --allow-hazards deletes_data\n"
    )


def test_pieces_are_one_statement_each_and_make_the_report():
    pieces = list(plan_text_pieces(_plan()))
    assert len(pieces) == 4  # headline, two statements, the hazards line
    assert "".join(pieces) == render_plan_text(_plan())
    assert render_plan_text(Plan("a", "a")) == "No changes: the database matches the source.\n"
