"""Fleet reports: the targets grouped by what was found (text, json, markdown, github).

Targets whose catalogs read the same share one comparison, so the report says it once:
"16 up to date; drift 1 (2 databases: t03, t04): missing index ...". Groups are numbered
in the order of their first target in the targets file (deterministic output)."""

from __future__ import annotations

import json

from ..render import UnknownFormat
from ..render.drift import _escape_annotation, _escape_property, drift_items, render_drift
from ..render.plan import render_plan
from .compare import FleetComparison, TargetOutcome

FLEET_DRIFT_FORMATS = ("text", "json", "markdown", "github")
FLEET_PLAN_FORMATS = ("text", "json", "markdown")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class Grouped:
    """The outcomes of a fleet comparison by kind: up to date, drift groups, errors."""

    def __init__(self, fleet: FleetComparison):
        self.fleet = fleet
        self.clean: list[TargetOutcome] = []
        self.errors: list[TargetOutcome] = []
        self.drift: dict[object, list[TargetOutcome]] = {}  # key -> outcomes, first-seen order
        for o in fleet.outcomes:
            if o.status == "error":
                self.errors.append(o)
            elif o.status == "drift":
                self.drift.setdefault(o.group, []).append(o)
            else:
                self.clean.append(o)
        self.number = {key: n for n, key in enumerate(self.drift, 1)}

    def headline(self) -> str:
        n = len(self.fleet.outcomes)
        parts = [f"{len(self.clean)} up to date"]
        drifted = sum(len(v) for v in self.drift.values())
        if drifted:
            ways = f" ({_plural(len(self.drift), 'way')})" if len(self.drift) > 1 else ""
            parts.append(f"{drifted} drifted{ways}")
        if self.errors:
            parts.append(_plural(len(self.errors), "error"))
        return f"{_plural(n, 'database')}: " + ", ".join(parts)

    def changes(self, key):
        return self.fleet.shared[key].comparison.changes

    def items(self, key):
        shared = self.fleet.shared[key]
        return drift_items(shared.comparison.changes, shared.comparison.origin_of, shared.invalid_indexes)


def _names(outcomes) -> str:
    return ", ".join(o.target.name for o in outcomes)


def _indent(text: str, pad: str = "    ") -> str:
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def _target_rows(fleet: FleetComparison, grouped: Grouped) -> list[dict]:
    return [{"name": o.target.name, "labels": list(o.target.labels), "status": o.status,
             "exit_code": o.exit_code, "group": grouped.number.get(o.group),
             "fingerprint": o.fingerprint, "error": o.error, "detail": o.detail}
            for o in fleet.outcomes]


def render_fleet_drift(fleet: FleetComparison, fmt: str) -> str:
    """The drift report of a fleet in FLEET_DRIFT_FORMATS."""
    g = Grouped(fleet)
    if fmt == "json":
        groups = []
        for key, members in g.drift.items():
            shared = fleet.shared[key]
            report = json.loads(render_drift(shared.comparison.changes, "json",
                                             origins=shared.comparison.origin_of,
                                             invalid_indexes=shared.invalid_indexes))
            groups.append({"group": g.number[key], "fingerprint": shared.fingerprint,
                           "targets": [o.target.name for o in members], "objects": report["objects"]})
        data = {"version": 1, "command": "drift", "exit_code": fleet.exit_code, "summary": g.headline(),
                "drift": bool(g.drift), "targets": _target_rows(fleet, g), "groups": groups}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "github":
        return _github_drift(g)
    if fmt in ("markdown", "md"):
        out = ["### roseram-schema drift (fleet)", "", g.headline() + ".", "",
               "| target | status | drift group | error |", "|---|---|---|---|"]
        for o in fleet.outcomes:
            error = (o.error or "").splitlines()[0].replace("|", "\\|") if o.error else ""
            out.append(f"| `{o.target.name}` | {o.status} | {g.number.get(o.group, '')} | {error} |")
        out.append("")
        for key, members in g.drift.items():
            shared = fleet.shared[key]
            out += [f"#### Drift {g.number[key]}: {_names(members)}", ""]
            body = render_drift(shared.comparison.changes, "markdown", origins=shared.comparison.origin_of,
                                invalid_indexes=shared.invalid_indexes)
            out.append(body.split("\n", 2)[2] if body.startswith("### ") else body)
        return "\n".join(out).rstrip("\n") + "\n"
    if fmt == "text":
        out = [g.headline(), ""]
        if g.clean:
            out.append(f"Up to date ({len(g.clean)}): {_names(g.clean)}")
        for key, members in g.drift.items():
            shared = fleet.shared[key]
            out.append(f"Drift {g.number[key]} ({_plural(len(members), 'database')}): {_names(members)}")
            out.append(_indent(render_drift(shared.comparison.changes, "text", origins=shared.comparison.origin_of,
                                            invalid_indexes=shared.invalid_indexes)).rstrip("\n"))
        if g.errors:
            out.append(f"Errors ({len(g.errors)}):")
            out += [_indent(f"{o.target.name}: {o.error}", "  ") for o in g.errors]
        return "\n".join(out) + "\n"

    raise UnknownFormat(f"unknown drift format {fmt!r} with --targets: use one of {', '.join(FLEET_DRIFT_FORMATS)}")


def _github_drift(g: Grouped) -> str:
    lines = []
    for key, members in g.drift.items():
        names = _names(members)
        for i in g.items(key):
            message = f"drift on {names}: {i.summary}"
            if i.source is not None or i.database is not None:
                message += f" (source: {i.source}; database: {i.database})"
            props = ""
            if i.origin:
                props = f"file={_escape_property(i.origin.path)}"
                props += f",line={i.origin.line}" if i.origin.line else ""
                props += f",col={i.origin.column}" if i.origin.column else ""
                props += ","
            props += f"title={_escape_property(f'schema drift ({len(members)} db): {i.object}')}"
            lines.append(f"::error {props}::{_escape_annotation(message)}")
    for o in g.errors:
        lines.append(f"::error title={_escape_property('fleet target ' + o.target.name)}::"
                     f"{_escape_annotation(o.error or 'error')}")
    lines.append(f"::notice::{_escape_annotation(g.headline())}")
    return "\n".join(lines) + "\n"


def render_fleet_plan(fleet: FleetComparison, fmt: str, online: bool = False) -> str:
    """The plans of a fleet, one per group of same-reading targets (FLEET_PLAN_FORMATS).
    A group's plan is made with its first target's row estimates; apply plans each target
    again under its own lock."""
    g = Grouped(fleet)
    plans = {key: fleet.shared[key].comparison.plan(online=online) for key in g.drift}
    if fmt == "json":
        groups = [{"group": g.number[key], "targets": [o.target.name for o in members],
                   "plan": json.loads(render_plan(plans[key], "json"))}
                  for key, members in g.drift.items()]
        data = {"version": 1, "command": "plan", "exit_code": fleet.exit_code, "summary": g.headline(),
                "targets": _target_rows(fleet, g), "groups": groups}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt in ("markdown", "md"):
        out = ["### roseram-schema plan (fleet)", "", g.headline() + ".", "",
               "| target | status | plan | error |", "|---|---|---|---|"]
        for o in fleet.outcomes:
            error = (o.error or "").splitlines()[0].replace("|", "\\|") if o.error else ""
            out.append(f"| `{o.target.name}` | {o.status} | {g.number.get(o.group, '')} | {error} |")
        out.append("")
        for key, members in g.drift.items():
            out += [f"#### Plan {g.number[key]}: {_names(members)}", "", render_plan(plans[key], "markdown")]
        return "\n".join(out).rstrip("\n") + "\n"
    if fmt == "text":
        out = [g.headline().replace("drifted", "with changes"), ""]
        if g.clean:
            out.append(f"Up to date ({len(g.clean)}): {_names(g.clean)}")
        for key, members in g.drift.items():
            out.append(f"Plan {g.number[key]} ({_plural(len(members), 'database')}): {_names(members)}")
            out.append(_indent(render_plan(plans[key], "text")).rstrip("\n"))
        if g.errors:
            out.append(f"Errors ({len(g.errors)}):")
            out += [_indent(f"{o.target.name}: {o.error}", "  ") for o in g.errors]
        return "\n".join(out) + "\n"

    raise UnknownFormat(f"unknown plan format {fmt!r} with --targets: use one of {', '.join(FLEET_PLAN_FORMATS)}")
