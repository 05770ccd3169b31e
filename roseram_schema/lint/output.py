"""Lint output: text lines, JSON, SARIF 2.1.0 (for GitHub code scanning)."""

from __future__ import annotations

import json
import re

from ..model.sqltext import terminal_text
from .findings import Finding

_LOCATION = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+)(?::(?P<col>\d+))?(?: \((?P<obj>.*)\))?$")

RULE_HELP = {
    "rls-disabled": "Row-level security is off on a table clients can reach.",
    "policy-missing": "The contract allows a command that no policy covers.",
    "policy-always-true": "A policy expression is always true on a table that is not public.",
    "policy-self-compare": "A policy compares a column with itself (unqualified name in a subquery).",
    "policy-anon": "A policy applies to anon (or PUBLIC) where the contract gives anon nothing.",
    "policy-leaves-owner": "An INSERT/UPDATE check does not tie to the caller an owner or tenant column the other policies do.",
    "policy-recursion": "Policies read each other's tables through RLS (infinite recursion).",
    "view-not-invoker": "A view over RLS tables runs with its owner's rights.",
    "definer-search-path": "A SECURITY DEFINER function has no fixed search_path.",
    "fk-unindexed": "A foreign key has no index.",
    "index-duplicate": "An index duplicates another index or a key constraint.",
    "policy-bare-uid": "auth.uid() is evaluated once per row (bare, or in a correlated subquery).",
    "contract-missing": "A table has no access contract.",
    "self-escalation": "A column the authorization trusts can be changed by the row's own user.",
    "user-metadata-trust": "A policy or function decides access from user_metadata, which users edit.",
    "definer-returns-rows": "A SECURITY DEFINER function API roles may call returns rows of RLS tables.",
    "partition-weaker": "A partition has less protection (RLS, grants) than its parent.",
    "auth-users-exposed": "A view or function shows auth.users columns (email, phone, raw_*) to API roles.",
    "storage-write-unowned": "A storage.objects write policy ties neither owner nor path to the caller.",
    "view-write-through": "API roles write through an updatable view with its owner's rights, skipping RLS.",
}


def summary(findings: list[Finding]) -> dict:
    """Counts per severity."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    return {"findings": len(findings), "errors": counts["error"], "warnings": counts["warning"],
            "info": counts["info"]}


def summary_line(findings: list[Finding]) -> str:
    """`lint: 1 errors, 2 warnings, 0 info`."""
    s = summary(findings)
    return f"lint: {s['errors']} errors, {s['warnings']} warnings, {s['info']} info"


def to_text(findings: list[Finding]) -> str:
    """One line per finding: `severity: location: [id] message (fix: hint)`."""
    lines = [f"{f.severity}: {f.location}: [{f.id}] {f.message}" + (f" (fix: {f.hint})" if f.hint else "")
             for f in findings]
    return terminal_text("\n".join(lines) + ("\n" if lines else ""))


def to_json(findings: list[Finding]) -> str:
    """`{"summary": ..., "findings": [...]}`."""
    return json.dumps({"summary": summary(findings), "findings": [f.to_dict() for f in findings]},
                      indent=2) + "\n"


def _sarif_location(location: str) -> dict:
    m = _LOCATION.match(location)
    if m:
        region = {"startLine": int(m.group("line"))}
        if m.group("col"):
            region["startColumn"] = int(m.group("col"))
        loc = {"physicalLocation": {"artifactLocation": {"uri": m.group("path")}, "region": region}}
        if m.group("obj"):
            loc["logicalLocations"] = [{"fullyQualifiedName": m.group("obj")}]
        return loc
    return {"logicalLocations": [{"fullyQualifiedName": location}]}


def to_sarif(findings: list[Finding]) -> str:
    """A SARIF 2.1.0 log with one run."""
    used = sorted({f.id for f in findings} | set(RULE_HELP))
    rules = [{"id": rid, "shortDescription": {"text": RULE_HELP.get(rid, rid)}} for rid in used]
    level = {"error": "error", "warning": "warning", "info": "note"}
    results = [
        {
            "ruleId": f.id,
            "level": level[f.severity],
            "message": {"text": f.message + (f" Fix: {f.hint}" if f.hint else "")},
            "locations": [_sarif_location(f.location)],
        }
        for f in findings
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "roseram-schema lint", "rules": rules}}, "results": results}],
    }
    return json.dumps(log, indent=2) + "\n"
