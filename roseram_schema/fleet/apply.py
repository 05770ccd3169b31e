"""`apply --targets`: bring every database of a fleet to the source, a few at a time.

Each target goes through the single-database apply path (api.apply_in): its own
apply lock (waited for at most `lock_wait`, then an error of that target), its plan made
again under that lock (so its fingerprint is checked), one transaction and one history
row. The canaries (the first `canary` targets) run first; the others follow in waves of
`parallel`. The run stops after the first wave with a failure, unless `keep_going` (a
failed canary always stops it); the targets not reached are "skipped". Since each target
is planned afresh, a re-run resumes where a run stopped: what was applied is up to date.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..api import apply_in
from ..cache import from_env
from ..cache.desired import desired_state
from ..errors import EXIT_CHANGES, EXIT_ERROR, EXIT_HAZARD, EXIT_OK, HazardBlocked, RoseramError
from ..render.drift import _escape_annotation, _escape_property
from ..workflow.gates import verify_before_apply
from .compare import DEFAULT_PARALLEL, SharedDev, TargetOutcome, error_text, worst
from .run import _check_format, _check_parallel, _targets
from .targets import Target

FLEET_APPLY_FORMATS = ("text", "json", "markdown", "github")
DEFAULT_LOCK_WAIT = "30s"


@dataclass(frozen=True)
class ApplyOptions:
    allow_hazards: tuple[str, ...] = ()
    lock_timeout: str = "5s"
    statement_timeout: str = "5min"
    index_timeout: str = "0"
    online: bool = False
    lock_wait: str = DEFAULT_LOCK_WAIT


def apply_target(project_dir: Path, target: Target, dev, options: ApplyOptions) -> TargetOutcome:
    """Apply the source to one target; every failure is its outcome, never raised. The
    target's own timeouts (targets file) win over the command's; hazards allowed are
    those of both."""
    if target.url is None:
        return TargetOutcome(target, "error", EXIT_ERROR, error=target.error)
    try:
        result = apply_in(
            project_dir, target.url, dev,
            allow_hazards=(*options.allow_hazards, *target.allow_hazards),
            lock_timeout=target.lock_timeout or options.lock_timeout,
            statement_timeout=target.statement_timeout or options.statement_timeout,
            index_timeout=options.index_timeout, online=options.online, lock_wait=options.lock_wait,
        )
    except HazardBlocked as exc:
        return TargetOutcome(target, "blocked", EXIT_HAZARD, error=str(exc).strip())
    except Exception as exc:  # noqa: BLE001 - a target's failure is its row, not the run's
        return TargetOutcome(target, "error", EXIT_ERROR, error=error_text(exc))
    fingerprint = result.plan.to_fingerprint if result.plan is not None else None
    if not result.applied:
        return TargetOutcome(target, "up to date", EXIT_OK, fingerprint=fingerprint)
    return TargetOutcome(target, "applied", EXIT_OK, fingerprint=fingerprint,
                         detail=f"{result.statements_run} statement(s), history #{result.history_id}")


def waves(targets, canary: int, parallel: int) -> list[tuple[str, tuple[Target, ...]]]:
    """(name, targets) of each wave: the canaries, then the rest `parallel` at a time."""
    out = []
    if canary > 0:
        out.append(("canary", tuple(targets[:canary])))
    rest = targets[max(canary, 0):]
    out += [(f"wave {n}", tuple(rest[i:i + parallel])) for n, i in enumerate(range(0, len(rest), parallel), 1)]
    return out


def apply_fleet(project_dir: Path, targets, dev, options: ApplyOptions, *, canary: int = 0,
                parallel: int = DEFAULT_PARALLEL, keep_going: bool = False, log=None,
                verify: bool = False) -> list[TargetOutcome]:
    """The outcome of every target, in the targets' order (see the module docstring).
    `log(line)` hears of each wave as it ends. `verify`: prove the contracts on the desired
    state once, before the first target (IsolationFailure, nothing applied, when one fails)."""
    dev = SharedDev(dev)
    if verify:
        verify_before_apply(project_dir, dev)
        if log is not None:
            log("verify: every contract holds on the desired state")
    # built (or read from the cache) once, before the threads that each need it; with
    # ROSERAM_NO_CACHE=1 each target's one-database path builds its own, as `apply --db` does
    if from_env() is not None:
        desired_state(Path(project_dir), dev)
    done: dict[str, TargetOutcome] = {}
    stopped = None
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="fleet-apply") as pool:
        for name, wave in waves(list(targets), canary, parallel):
            if stopped is not None:
                break
            outcomes = list(pool.map(lambda t: apply_target(project_dir, t, dev, options), wave))
            for o in outcomes:
                done[o.target.name] = o
            if log is not None:
                log(f"{name}: " + "; ".join(f"{o.target.name} {o.status}" for o in outcomes))
            failed = [o.target.name for o in outcomes if o.exit_code != EXIT_OK]
            if failed and (name == "canary" or not keep_going):
                stopped = f"stopped after {name}: {', '.join(failed)} failed"
    outcomes = []
    for t in targets:
        if t.name in done:
            outcomes.append(done[t.name])
        else:
            outcomes.append(TargetOutcome(t, "skipped", EXIT_CHANGES, detail=stopped))
    return outcomes


def run_fleet_apply(project_dir: Path, targets_file: Path, dev, *, only: str | None = None, fmt: str = "text",
                    yes: bool = False, canary: int = 0, parallel: int = DEFAULT_PARALLEL, keep_going: bool = False,
                    options: ApplyOptions = ApplyOptions(), verify: bool = False) -> int:
    """apply --targets: the summary (stdout, in `fmt`); progress per wave on stderr.
    Exit code: the worst of the targets'."""
    _check_format(fmt, FLEET_APPLY_FORMATS, "apply")
    if not yes:
        raise RoseramError("apply --targets changes every database of the fleet: pass --yes "
                           "(see what it would do with plan --targets first)")
    if canary < 0:
        raise RoseramError(f"--canary {canary}: must be 0 or more")
    selected = _targets(targets_file, only)
    outcomes = apply_fleet(project_dir, selected, dev, options, canary=canary, parallel=_check_parallel(parallel),
                           keep_going=keep_going, log=lambda line: print(line, file=sys.stderr, flush=True),
                           verify=verify)
    sys.stdout.write(render_fleet_apply(outcomes, fmt))
    sys.stdout.flush()
    return worst(o.exit_code for o in outcomes)


def _headline(outcomes) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    order = ("applied", "up to date", "blocked", "error", "skipped")
    parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
    return f"{len(outcomes)} database{'' if len(outcomes) == 1 else 's'}: " + ", ".join(parts)


def render_fleet_apply(outcomes, fmt: str) -> str:
    """The summary of a fleet apply: one row per target."""
    def first_line(text):
        return text.strip().splitlines()[0] if text and text.strip() else ""

    if fmt == "json":
        data = {"version": 1, "command": "apply", "exit_code": worst(o.exit_code for o in outcomes),
                "summary": _headline(outcomes),
                "targets": [{"name": o.target.name, "labels": list(o.target.labels), "status": o.status,
                             "exit_code": o.exit_code, "fingerprint": o.fingerprint, "error": o.error,
                             "detail": o.detail} for o in outcomes]}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt in ("markdown", "md"):
        out = ["### roseram-schema apply (fleet)", "", _headline(outcomes) + ".", "",
               "| target | status | detail |", "|---|---|---|"]
        for o in outcomes:
            detail = first_line(o.error or o.detail).replace("|", "\\|")
            out.append(f"| `{o.target.name}` | {o.status} | {detail} |")
        return "\n".join(out) + "\n"
    if fmt == "github":
        lines = []
        for o in outcomes:
            if o.status in ("error", "blocked"):
                lines.append(f"::error title={_escape_property(f'apply {o.status}: {o.target.name}')}::"
                             f"{_escape_annotation(o.error or '')}")
            elif o.status == "skipped":
                lines.append(f"::warning title={_escape_property(f'apply skipped: {o.target.name}')}::"
                             f"{_escape_annotation(o.detail or 'not reached')}")
        lines.append(f"::notice::{_escape_annotation(_headline(outcomes))}")
        return "\n".join(lines) + "\n"
    width = max((len(o.target.name) for o in outcomes), default=6)
    out = [_headline(outcomes), ""]
    for o in outcomes:
        note = first_line(o.error) if o.error else (o.detail or "")
        out.append(f"  {o.target.name:<{width}}  {o.status:<10}  {note}".rstrip())
    return "\n".join(out) + "\n"
