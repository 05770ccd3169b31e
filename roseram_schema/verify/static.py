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


def static_findings(facts, spec, anchors, cells, world) -> list[Finding]:
    """Findings sorted by severity and location."""
    findings = {f for f in lint_catalog(facts, spec, anchors) if f.id in _STATIC_IDS}
    for cell in cells:
        for state, message in cell.errors:
            if state == "42P17":
                findings.add(Finding(cell.table, "policy-recursion", "error",
                                     f"{message} (as {cell.persona}, {cell.command})",
                                     "look the membership up in a SECURITY DEFINER function with a fixed search_path"))
        if cell.verdict == LEAK and cell.command == "update" and any("moved row" in d for d in cell.details):
            findings.add(Finding(cell.table, "update-leaves-owner", "error",
                                 f"as {cell.persona}, an UPDATE handed a row to another owner/tenant",
                                 "add WITH CHECK constraining the owner/tenant column to the caller"))
    for key, why in sorted(world.gaps.items()):
        findings.add(Finding(key, "seed-failed", "error", f"could not seed {key}: {why}",
                             "add `seed: {column: value}` to its contract"))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.location, f.id, f.message))
