"""Plan <-> JSON, a stable documented format (see docs in `PLAN_JSON_SCHEMA`).

    {
      "version": 1,
      "from_fingerprint": "<sha256 hex>",
      "to_fingerprint": "<sha256 hex>",
      "statements": [
        {
          "sql": "ALTER TABLE ...",
          "change": "AddColumn",
          "object": "public.projects.archived",
          "summary": "add column public.projects.archived boolean",
          "transactional": true,
          "origin": {"path": "schema/public/projects.yaml", "line": 12, "column": 5} | null,
          "hazards": [{"name": "rewrites_table", "message": "...", "blocking": false}]
        }
      ]
    }

Keys are written sorted with two-space indentation and a final newline, so the same plan
is always the same bytes. `blocking` is informative: on reading it is derived from the name.
"""

from __future__ import annotations

import json

from ..errors import Origin, RoseramError
from .model import Hazard, Plan, PlanStatement

PLAN_FORMAT_VERSION = 1


class PlanFormatError(RoseramError):
    """A plan file that is not a plan this version can read."""


def plan_to_dict(plan: Plan) -> dict:
    """The plan as plain JSON-ready data."""
    return {
        "version": PLAN_FORMAT_VERSION,
        "from_fingerprint": plan.from_fingerprint,
        "to_fingerprint": plan.to_fingerprint,
        "statements": [
            {
                "sql": s.sql,
                "change": s.change,
                "object": s.obj,
                "summary": s.summary,
                "transactional": s.transactional,
                "origin": (
                    {"path": s.origin.path, "line": s.origin.line, "column": s.origin.column}
                    if s.origin else None
                ),
                "hazards": [
                    {"name": h.name, "message": h.message, "blocking": h.blocking} for h in s.hazards
                ],
            }
            for s in plan.statements
        ],
    }


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON text (deterministic bytes)."""
    return json.dumps(plan_to_dict(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan_from_json(text: str) -> Plan:
    """Read a plan written by plan_to_json; PlanFormatError when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"plan file is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != PLAN_FORMAT_VERSION:
        got = data.get("version") if isinstance(data, dict) else None
        raise PlanFormatError(f"plan file version {got!r} is not {PLAN_FORMAT_VERSION}")
    try:
        statements = tuple(
            PlanStatement(
                sql=s["sql"],
                change=s["change"],
                obj=s["object"],
                summary=s["summary"],
                transactional=bool(s["transactional"]),
                origin=Origin(**s["origin"]) if s.get("origin") else None,
                hazards=tuple(Hazard(h["name"], h["message"]) for h in s.get("hazards", ())),
            )
            for s in data["statements"]
        )
        return Plan(data["from_fingerprint"], data["to_fingerprint"], statements)
    except (KeyError, TypeError) as exc:
        raise PlanFormatError(f"plan file is missing or has a wrong field: {exc}") from None
