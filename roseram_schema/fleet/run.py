"""`plan`, `drift` and `apply` with `--targets fleet.yaml`: the commands over a fleet.

Exit code: the worst of the targets' (an error, 1, is worse than a blocked hazard, 3,
worse than pending changes or drift, 2; see compare.worst)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import RoseramError
from ..render import UnknownFormat
from .compare import DEFAULT_PARALLEL, compare_fleet
from .report import FLEET_DRIFT_FORMATS, FLEET_PLAN_FORMATS, render_fleet_drift, render_fleet_plan
from .targets import load_targets


def _targets(targets_file: Path, only: str | None):
    return load_targets(targets_file).select(only)


def _check_parallel(parallel: int) -> int:
    if parallel < 1:
        raise RoseramError(f"--parallel {parallel}: must be 1 or more")
    return parallel


def run_fleet_drift(project_dir: Path, targets_file: Path, dev, fmt: str = "text", only: str | None = None,
                    parallel: int = DEFAULT_PARALLEL) -> int:
    """Drift of every selected target, grouped (stdout). Exit: worst of the targets."""
    _check_format(fmt, FLEET_DRIFT_FORMATS, "drift")
    fleet = compare_fleet(project_dir, _targets(targets_file, only), dev, _check_parallel(parallel))
    sys.stdout.write(render_fleet_drift(fleet, fmt))
    sys.stdout.flush()
    return fleet.exit_code


def run_fleet_plan(project_dir: Path, targets_file: Path, dev, fmt: str = "text", only: str | None = None,
                   parallel: int = DEFAULT_PARALLEL, online: bool = False) -> int:
    """One plan per group of same-reading targets (stdout). Exit: worst of the targets."""
    _check_format(fmt, FLEET_PLAN_FORMATS, "plan")
    fleet = compare_fleet(project_dir, _targets(targets_file, only), dev, _check_parallel(parallel))
    sys.stdout.write(render_fleet_plan(fleet, fmt, online=online))
    sys.stdout.flush()
    return fleet.exit_code


def _check_format(fmt: str, known: tuple[str, ...], command: str) -> None:
    if fmt not in known:
        raise UnknownFormat(f"--format {fmt} is not available for {command} --targets: use one of {', '.join(known)}")
