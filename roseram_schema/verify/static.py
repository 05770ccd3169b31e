"""Named findings of a verify run: the lint rules on the scratch database, plus what only
running the probes shows (policy recursion at query time, seeding gaps, view leaks)."""

from __future__ import annotations

from ..lint.findings import Finding
from ..lint.rules import lint_catalog
from .probes import LEAK

# On the scratch database the lint rules that judge access run; style/index rules are lint's job.
_STATIC_IDS = ("rls-disabled", "policy-missing", "policy-always-true", "policy-self-compare",
               "policy-anon", "view-not-invoker", "definer-search-path", "policy-recursion",
               "contract-missing")


def lint_findings(facts, spec, anchors) -> list[Finding]:
    """The lint rules that judge access, on the facts (sorted: a kept verify database
    records them, cache/verifydb.py)."""
    return sorted({f for f in lint_catalog(facts, spec, anchors) if f.id in _STATIC_IDS})


def static_findings(linted: list[Finding], cells, world) -> list[Finding]:
    """Findings sorted by severity and location: `linted` (lint_findings) and what the
    probes showed."""
    findings = set(linted)
    recursion: dict[str, tuple[str, list]] = {}
    moved: dict[str, list] = {}
    for cell in cells:
        for state, message in cell.errors:
            if state == "42P17":
                recursion.setdefault(cell.table, (message, []))[1].append(f"{cell.persona} {cell.command}")
        if cell.verdict == LEAK and cell.command == "update" and any("moved row" in d for d in cell.details):
            moved.setdefault(cell.table, []).append(cell.persona)
    cycles = " ".join(f.message for f in findings if f.id == "policy-recursion")
    for table, (message, who) in recursion.items():
        if table in cycles:
            continue  # already named, with the whole cycle, by the static rule
        findings.add(Finding(table, "policy-recursion", "error",
                             f"{message} (seen {len(who)} times, first as {who[0]})",
                             "look the membership up in a SECURITY DEFINER function with a fixed search_path"))
    for table, who in moved.items():
        findings.add(Finding(table, "update-leaves-owner", "error",
                             f"an UPDATE hands rows to another owner/tenant (as {', '.join(who)})",
                             "add a WITH CHECK that keeps the owner/tenant column the caller's"))
    for key, why in sorted(world.gaps.items()):
        findings.add(Finding(key, "seed-failed", "error", f"could not seed {key}: {why}",
                             "add `seed: {column: value}` to its contract"))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.location, f.id, f.message))
