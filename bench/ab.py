"""Two revisions of roseram-schema on the headline lines, measured in turn (a, b, a, b, ...).

    python bench/ab.py --base 53b1ed5 [--head WORKTREE-OR-REV] [--sizes 1000] [--runs 5]

For a change that must not make anything slower (a refactoring): both revisions run on the
same server, the same generated projects and the same machine state, alternating run by
run, so a machine that gets busier or calmer during the run favours neither. Each revision
works on its own copy of every project (its own cache folder and kept database), and runs
as `python -m roseram_schema` from its own checkout (PYTHONPATH), with this virtualenv's
libraries. Lines: the Roseram project's no-change `plan` and `drift`; per generated size,
the cold `plan` against an empty database, the no-change `plan` and `drift`, and the `plan`
after a one-object edit. Prints a table of medians and head/base ratios (and writes
bench/.work/ab.json); nothing in docs/ is rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from harness import REPO, WORK, BenchServer, run_timed  # noqa: E402

AB = WORK / "ab"
PLAN_OK = (0, 2)


def checkout(rev: str) -> Path:
    """A checkout of `rev` under bench/.work/ab/ (a folder path is used as it is)."""
    if Path(rev).is_dir():
        return Path(rev).resolve()
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = AB / f"tree-{sha}"
    if not tree.exists():
        AB.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=REPO, check=True,
                       capture_output=True)
    return tree


class Side:
    """One revision: how to run its CLI, and its own copies of the projects."""

    def __init__(self, name: str, tree: Path):
        self.name, self.tree = name, tree
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
        self.env["PYTHONPATH"] = str(tree)

    def cli(self, *args: str):
        return run_timed([sys.executable, "-m", "roseram_schema", *args], env=self.env, timeout=1800)

    def project(self, source: Path, label: str) -> Path:
        work = AB / "projects" / f"{label}-{self.name}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for sub in ("schema", "policies", "views"):
            if (source / sub).is_dir():
                shutil.copytree(source / sub, work / sub)
        if (source / "project.yaml").is_file():
            shutil.copy(source / "project.yaml", work / "project.yaml")
        return work

    def up_to_date(self, server, project: Path, name: str, dev: list[str], template: str | None = None) -> None:
        """Database `name` brought to `project` by this side's apply, and its caches warm."""
        server.create_db(name, template=template)
        db = ["--db", server.db_url(name), *dev]
        self.cli("apply", "--yes", "--project", str(project), *db)
        self.cli("plan", "--project", str(project), *db)


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def alternate(sides, runs: int, prepare, args_of, ok=(0,)) -> dict[str, list[float]]:
    """`runs` rounds of each side in turn; prepare(side, round) untimed before each run."""
    out: dict[str, list[float]] = {s.name: [] for s in sides}
    for r in range(runs):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            if prepare:
                prepare(side, r)
            sample = side.cli(*args_of(side))
            if sample.rc not in ok:
                raise SystemExit(f"{side.name}: exit {sample.rc}: {sample.stderr[-2000:]}")
            out[side.name].append(sample.seconds)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="git revision (or checkout folder) to compare against")
    ap.add_argument("--head", default=str(REPO), help="git revision or checkout folder (default: this one)")
    ap.add_argument("--sizes", default="1000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg", default="18")
    args = ap.parse_args(argv)

    sides = [Side("base", checkout(args.base)), Side("head", checkout(args.head))]
    server = BenchServer(args.pg)
    dev = ["--dev-db", server.url]
    results: dict[str, dict[str, list[float]]] = {}
    try:
        # the Roseram project (the repository's own source), no change
        projects = {s.name: s.project(REPO, "roseram") for s in sides}
        for s in sides:
            s.up_to_date(server, projects[s.name], f"bench_ab_roseram_{s.name}", dev)
        server.settle()
        for command in ("plan", "drift"):
            results[f"roseram {command} no change"] = alternate(
                sides, args.runs, None,
                lambda s, c=command: [c, "--project", str(projects[s.name]), "--db",
                                      server.db_url(f"bench_ab_roseram_{s.name}"), *dev])

        for n in (int(x) for x in args.sizes.split(",") if x):
            gen = generate.generate(n, args.seed, WORK / "projects",
                                    compile_cli=str(Path(sys.executable).parent / "roseram-schema"))
            base_src = WORK / "projects" / f"n{n}" / "base"
            if gen["compile_errors"]:
                raise SystemExit(f"generated project n{n} does not compile: {gen['compile_errors']}")
            work = {s.name: s.project(base_src, f"n{n}") for s in sides}
            empty = f"bench_ab_n{n}_empty"
            server.create_db(empty)

            def cold(side, _r, n=n):
                shutil.rmtree(work[side.name] / ".roseram", ignore_errors=True)
                server.drop_foreign_databases()
                server.create_db(f"bench_ab_n{n}_target_{side.name}", template=empty)
                server.settle()

            results[f"n{n} cold plan, empty database"] = alternate(
                sides, args.runs, cold,
                lambda s, n=n: ["plan", "--project", str(work[s.name]), "--db",
                                server.db_url(f"bench_ab_n{n}_target_{s.name}"), *dev], ok=PLAN_OK)
            for s in sides:
                s.up_to_date(server, work[s.name], f"bench_ab_n{n}_uptodate_{s.name}", dev, template=empty)
            server.settle()
            for command in ("plan", "drift"):
                results[f"n{n} {command} no change"] = alternate(
                    sides, args.runs, None,
                    lambda s, c=command, n=n: [c, "--project", str(work[s.name]), "--db",
                                               server.db_url(f"bench_ab_n{n}_uptodate_{s.name}"), *dev])

            def one_edit(side, r, n=n):
                target = work[side.name]
                for sub in ("schema", "policies", "views"):
                    shutil.rmtree(target / sub, ignore_errors=True)
                    shutil.copytree(base_src / sub, target / sub)
                side.cli("plan", "--project", str(target), "--db", server.db_url(f"bench_ab_n{n}_uptodate_{side.name}"), *dev)
                generate.edit_one_object(target, r + 1)

            results[f"n{n} plan after a one-object edit"] = alternate(
                sides, args.runs, one_edit,
                lambda s, n=n: ["plan", "--project", str(work[s.name]), "--db",
                                server.db_url(f"bench_ab_n{n}_uptodate_{s.name}"), *dev], ok=PLAN_OK)
    finally:
        server.close()

    (WORK / "ab.json").write_text(json.dumps({"base": args.base, "head": args.head, "runs": args.runs,
                                               "results": results}, indent=1))
    print(f"{'line':45s} {'base':>8s} {'head':>8s} {'head/base':>9s}")
    for line, by_side in results.items():
        b, h = median(by_side["base"]), median(by_side["head"])
        print(f"{line:45s} {b:8.3f} {h:8.3f} {h / b:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
