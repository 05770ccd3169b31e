"""build_plan: diff, expand, render each change to statements, order them, attach hazards."""

from __future__ import annotations

from typing import Mapping

from ..model.serialize import paused_gc
from ..diff.changes import Change
from ..diff import diff_catalogs
from ..diff.scope import managed_catalog
from ..model import Catalog
from .expand import expand_changes
from .fingerprint import managed_fingerprint
from .model import Plan, PlanStatement
from .order import order_changes
from .steps import StepContext, change_steps
from .texts import SourceTexts


def build_plan(
    current: Catalog,
    desired: Catalog,
    *,
    row_estimates: Mapping[str, int] | None = None,
    online: bool = False,
    from_fingerprint: str | None = None,
    to_fingerprint: str | None = None,
    source: Catalog | None = None,
    changes: tuple[Change, ...] | None = None,
) -> Plan:
    """The ordered statements that turn `current` into `desired`.

    `row_estimates` ({"schema.table": rows}) decide CONCURRENTLY and the lock hazards;
    `online` builds every index on an existing table CONCURRENTLY. `source` is the catalog
    as written (before normalization): statements use its texts, so the database ends up
    printing what the normalized source prints (see plan/texts.py). Fingerprints default to
    managed_fingerprint of each side. `changes` may pass an already computed diff.
    """
    # statements, steps and hazards by the ten thousand, none garbage before the end
    with paused_gc():
        return _build_plan(current, desired, row_estimates, online, from_fingerprint, to_fingerprint, source, changes)


def _build_plan(current, desired, row_estimates, online, from_fingerprint, to_fingerprint, source, changes) -> Plan:
    current_m, desired_m = managed_catalog(current), managed_catalog(desired)
    if changes is None:
        changes = diff_catalogs(current, desired)
    expanded = list(expand_changes(tuple(changes), current_m, desired_m))
    ctx = StepContext(
        texts=SourceTexts(source),
        current=current_m,
        desired=desired_m,
        row_estimates=dict(row_estimates or {}),
        online=online,
    )
    statements: list[PlanStatement] = []
    for i in order_changes(expanded, current_m, desired_m):
        change = expanded[i]
        origin = ctx.texts.origin(change)
        summary = change.describe()
        for step in change_steps(change, ctx):
            statements.append(PlanStatement(
                sql=step.sql,
                change=change.kind,
                obj=change.key,
                summary=summary,
                hazards=step.hazards,
                transactional=step.transactional,
                origin=origin,
            ))
    return Plan(
        from_fingerprint=from_fingerprint or managed_fingerprint(current),
        to_fingerprint=to_fingerprint or managed_fingerprint(desired),
        statements=tuple(statements),
    )
