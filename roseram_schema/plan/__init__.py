"""Plans: ordered statements with hazards, from a diff of two catalogs (see planner.py)."""

from .fingerprint import managed_fingerprint
from .model import (BLOCKING_HAZARDS, HAZARD_NAMES, PLAN_FORMAT_VERSION, Hazard, Plan, PlanFormatError, PlanStatement,
                    plan_from_json, plan_to_json)


def __getattr__(name: str):
    # The planner pulls in pglast and the DDL renderers; a no-change plan or drift never
    # builds a plan, so it is imported on first use only.
    if name == "build_plan":
        from .planner import build_plan

        return build_plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "BLOCKING_HAZARDS",
    "HAZARD_NAMES",
    "Hazard",
    "PLAN_FORMAT_VERSION",
    "Plan",
    "PlanFormatError",
    "PlanStatement",
    "build_plan",
    "managed_fingerprint",
    "plan_from_json",
    "plan_to_json",
]
