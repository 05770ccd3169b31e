"""Plans: ordered statements with hazards, from a diff of two catalogs (see planner.py)."""

from .fingerprint import managed_fingerprint
from .json_io import PLAN_FORMAT_VERSION, PlanFormatError, plan_from_json, plan_to_json
from .model import BLOCKING_HAZARDS, HAZARD_NAMES, Hazard, Plan, PlanStatement
from .planner import build_plan

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
