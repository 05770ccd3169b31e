"""`verify` of the generated projects: the issue's speed lines (300 tables <= 2 s, 1,000 <= 5 s).

    python bench/verify_speed.py                     # 300 and 1,000 tables, 5 warm runs each
    python bench/verify_speed.py --sizes 300 --runs 3

On the benchmark's own server (bench/.work/pg-18, harness.BenchServer) as the dev server:
per size, the generated project (bench/generate.py, seed 7) in bench/.work/verify/n<N>,
then `verify --format json` timed as a user runs it: once on a fresh source
(build, seed, record the kept database), then --runs times on the same source (the kept
database probed again, cache/verifydb.py), then --no-cache-runs times with
ROSERAM_NO_CACHE=1 (build, seed, probe, drop: every run before the kept database). Wall
time of the whole command, its CPU (user + system) and the server's (what its backends
used: the postmaster's children's times), with the load average beside them. The JSON reports of all
runs must be the same apart from their timings (checked; the script fails otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import build_schema, write_project  # noqa: E402
from harness import WORK, BenchServer, run_timed  # noqa: E402

from roseram_schema.cache.verifydb import drop_kept  # noqa: E402

CLI = str(Path(sys.executable).parent / "roseram-schema")


def _server_cpu(server: BenchServer) -> float:
    """CPU seconds the server's ended backends used so far: the postmaster's children's
    user + system time (a backend's is added when it exits, i.e. at the command's end)."""
    pid = int((server.server.data_dir / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _timed(server: BenchServer, cmd: list[str], env=None):
    """run_timed, with the server's CPU for the command in `server_s`."""
    before = _server_cpu(server)
    s = run_timed(cmd, env=env)
    s.server_s = _server_cpu(server) - before
    return s


def _report(stdout: str) -> dict:
    data = json.loads(stdout)
    for key in ("seconds", "timings"):
        data["summary"].pop(key, None)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,1000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-cache-runs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    server = BenchServer("18")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        root = WORK / "verify" / f"n{n}"
        write_project(build_schema(n, args.seed), root)
        shutil.rmtree(root / ".roseram", ignore_errors=True)
        drop_kept(server.url, root, server.url)  # the first run is a source never verified
        cmd = [CLI, "verify", "--project", str(root), "--dev-db", server.url, "--format", "json"]
        no_cache_env = {**os.environ, "ROSERAM_NO_CACHE": "1"}
        load = [os.getloadavg()[0]]
        first = _timed(server, cmd)
        if first.rc != 0:
            print(f"n={n}: verify failed (exit {first.rc}): {first.stderr[-2000:]}", file=sys.stderr)
            return 1
        expected = _report(first.stdout)
        kept, scratch = [], []
        # the kept runs first: dropping a just-built database of 1,000 tables leaves the
        # server and the disk busy for seconds after the command has ended
        for series, env, runs in ((kept, None, args.runs), (scratch, no_cache_env, args.no_cache_runs)):
            for _ in range(runs):
                s = _timed(server, cmd, env)
                if s.rc != 0 or _report(s.stdout) != expected:
                    print(f"n={n}: a run's report differs from the first (exit {s.rc})", file=sys.stderr)
                    return 1
                series.append(s)
        load.append(os.getloadavg()[0])
        rows.append((n, first, scratch, kept, load))

    def med(samples, what):
        return statistics.median(what(s) for s in samples)

    print("| tables | no cache: wall / CPU command + server | first run (builds, records) "
          "| kept database: wall / CPU command + server (medians) | kept: all walls | load average |")
    print("|---|---|---|---|---|---|")

    def cell(samples):
        return (f"{med(samples, lambda s: s.seconds):.2f} s / {med(samples, lambda s: s.user_s + s.sys_s):.2f}"
                f" + {med(samples, lambda s: s.server_s):.2f} s")

    for n, first, scratch, kept, load in rows:
        print(f"| {n} | {cell(scratch)} | {cell([first])} | **{cell(kept)}** "
              f"| {', '.join(f'{s.seconds:.2f}' for s in kept)} | {load[0]:.1f} -> {load[1]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
