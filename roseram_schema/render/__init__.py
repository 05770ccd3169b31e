"""Rendering plans and drift reports: text, rich, sql, json, markdown, github annotations.

Templates (jinja2) live in render/templates/. Everything here returns strings (or a rich
renderable); where it goes (stdout for machine formats, stderr for the rich table) is the
caller's business.
"""

from __future__ import annotations

from ..errors import UnknownFormat
from .drift import drift_items, render_drift
from .plan import PLAN_FORMATS, render_plan, rich_plan, rich_plan_overview, rich_plan_summary

__all__ = ["PLAN_FORMATS", "UnknownFormat", "drift_items", "render_drift", "render_plan", "rich_plan",
           "rich_plan_overview", "rich_plan_summary"]
