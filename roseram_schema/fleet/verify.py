"""`verify --targets`: prove the project's contracts on the schema of every database.

`verify --db` builds the schema it reads from the database (no data) in a scratch
database and probes it. Over a fleet the schemas are read concurrently (`parallel` at a
time) and the databases whose schemas read equal are verified once: the verdict depends
on the schema alone. Verifications run one after another (each builds a scratch database
on the dev server). Exit code: the worst of the targets' (1 error > 4 isolation > 0)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import EXIT_ERROR, EXIT_ISOLATION, EXIT_OK
from ..verify import render
from ..workflow.verify import read_target_catalog, verify_catalog
from .compare import DEFAULT_PARALLEL, TargetOutcome, error_text, worst
from .run import _check_format, _check_parallel, _targets

FLEET_VERIFY_FORMATS = ("text", "json")


def verify_fleet(project_dir: Path, targets, dev_url: str, parallel: int = DEFAULT_PARALLEL):
    """(outcomes in the targets' order, {group number: (report, [targets])})."""
    def read(target):
        if target.url is None:
            return None, target.error
        try:
            return read_target_catalog(target.url), None
        except Exception as exc:  # noqa: BLE001 - a target's failure is its row, not the run's
            return None, error_text(exc)

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="fleet-verify") as pool:
        reads = list(pool.map(read, targets))
    members: dict[object, list] = {}
    for target, (catalog, _) in zip(targets, reads):
        if catalog is not None:
            members.setdefault(catalog, []).append(target)
    results: dict[object, tuple[int, object]] = {}
    groups = {}
    for number, (catalog, group) in enumerate(members.items(), 1):
        try:
            report = verify_catalog(Path(project_dir), catalog, dev_url)
        except Exception as exc:  # noqa: BLE001 - the group's failure is its targets' rows
            results[catalog] = (number, exc)
            continue
        results[catalog] = (number, report)
        groups[number] = (report, group)
    outcomes = []
    for target, (catalog, error) in zip(targets, reads):
        if catalog is None:
            outcomes.append(TargetOutcome(target, "error", EXIT_ERROR, error=error))
            continue
        number, result = results[catalog]
        if isinstance(result, Exception):
            outcomes.append(TargetOutcome(target, "error", EXIT_ERROR, group=number, error=error_text(result)))
        elif result.ok:
            outcomes.append(TargetOutcome(target, "verified", EXIT_OK, group=number))
        else:
            outcomes.append(TargetOutcome(target, "isolation failure", EXIT_ISOLATION, group=number))
    return outcomes, groups


def run_fleet_verify(project_dir: Path, targets_file: Path, dev_url: str, fmt: str = "text",
                     only: str | None = None, parallel: int = DEFAULT_PARALLEL) -> int:
    """verify --targets: the report on stdout; exit code the worst of the targets'."""
    _check_format(fmt, FLEET_VERIFY_FORMATS, "verify")
    outcomes, groups = verify_fleet(project_dir, _targets(targets_file, only), dev_url, _check_parallel(parallel))
    sys.stdout.write(render_fleet_verify(outcomes, groups, fmt))
    sys.stdout.flush()
    return worst(o.exit_code for o in outcomes)


def render_fleet_verify(outcomes, groups, fmt: str) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    n = len(outcomes)
    headline = f"{n} database{'' if n == 1 else 's'}: " + ", ".join(
        f"{counts[s]} {s}" for s in ("verified", "isolation failure", "error") if counts.get(s))
    if fmt == "json":
        data = {"version": 1, "command": "verify", "exit_code": worst(o.exit_code for o in outcomes),
                "summary": headline,
                "targets": [{"name": o.target.name, "labels": list(o.target.labels), "status": o.status,
                             "exit_code": o.exit_code, "group": o.group, "error": o.error} for o in outcomes],
                "groups": [{"group": number, "targets": [t.name for t in group], "ok": report.ok,
                            "report": json.loads(render.to_json(report))}
                           for number, (report, group) in sorted(groups.items())]}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    out = [headline, ""]
    for number, (report, group) in sorted(groups.items()):
        names = ", ".join(t.name for t in group)
        out.append(f"Schema {number} ({len(group)} database{'' if len(group) == 1 else 's'}): {names}")
        out.append(f"    {render.summary_line(report)}")
        out += [f"    - {c.verdict}: {c.persona} {c.command} {c.table}" for c in report.cells if c.failed]
        out += [f"    - {f.id} ({f.location}): {f.message}" for f in report.findings if f.severity == "error"]
    errors = [o for o in outcomes if o.status == "error"]
    if errors:
        out.append(f"Errors ({len(errors)}):")
        out += [f"  {o.target.name}: {o.error}" for o in errors]
    return "\n".join(out) + "\n"
