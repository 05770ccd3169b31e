"""The benchmark: roseram-schema against migra, the Supabase CLI and PostgreSQL's own floor.

    python bench/run.py [--sizes 30,300,1000,3000] [--runs 5] [--pg 18] [--no-peers]

Run it with the project's virtualenv (it imports roseram_schema). It starts its own
PostgreSQL under bench/.work/pg-<version> (never the shared development server), generates
the projects (bench/generate.py), measures every command as a subprocess (process start-up
included; medians over --runs), installs the peers only into bench/.work/venv and
bench/.work/node, and writes bench/.work/results.json, docs/benchmarks.md and
docs/benchmarks.png.

Protocol per size N (every database is a copy of a template, so each run starts equal):
- compile: `compile --project base --out FILE`;
- floor: `psql -1 -f base.sql` into an empty database; one `inspect_catalog` on a new
  connection, in-process, timed without start-up; `roseram-schema --help`;
- plan (empty DB, cold): no cache folder, no scratch databases left on the server; each
  run right after a psql floor run (floor, plan, floor, plan, ...), so both see the same
  server;
- apply (empty DB): right after a plan of the same source (the usual plan-then-apply);
- plan/drift, no change: the DB our apply built; the source unchanged (warm cache); plan
  and drift runs alternate;
- plan, changed: cache holds the base (a plan of the base ran first, untimed), then the
  source becomes `changed/`: the time of the first plan that sees the change;
- plan, one-object edit: the same, with one column added to a different table each run;
- apply, changed: a copy of the up-to-date DB, source `changed/`, after an untimed plan;
- verify: the Roseram project, and the generated ones (they carry contracts);
- Roseram: the same, with `plan` after a change of its own (generate.ROSERAM_CHANGE: a
  column, an index, a policy expression) instead of the generated `changed/`;
- peers: migra and `supabase db diff` on the same database pairs; their "desired" database
  is built with psql first (that part is the psql floor), reported separately;
- an untimed CHECKPOINT (BenchServer.settle) before each cold plan, each psql floor and the
  no-change measures, so the pages the preparation wrote are not flushed by the
  checkpointer inside a timed command;
- no database's files are deleted during the run (BenchServer.drop_db renames it aside,
  the trash is emptied at the end): on this machine's file system, creating files in the
  minutes after many were deleted costs up to twice as long, and only the command that
  happened to follow a drop paid it (the cold plan, which followed two).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from harness import (  # noqa: E402
    REPO, VENV, WORK, BenchServer, Measure, Sample, ensure_peer_venv, ensure_supabase,
    machine_info, run_timed, tail, tool_version,
)

PROJECTS = WORK / "projects"
RESULTS = WORK / "results.json"
CLI = str(Path(sys.executable).parent / "roseram-schema")
NOT_IMPLEMENTED = "not implemented"
# plan exits 2 when changes are pending; accept 0 too and judge emptiness from --format json
# (the exit code is recorded in the results, so a wrong one shows).
PLAN_OK = (0, 2)


class Bench:
    """State of one benchmark run: server, peers, options, results."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.server = BenchServer(args.pg)
        self.dev_url = self.server.url
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROSERAM_DEV_DB")}
        self.migra: str | None = None
        self.supabase: Path | None = None
        self.peer_errors: dict[str, str] = {}
        self.log_dir = WORK / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # -- helpers ---------------------------------------------------------------------------

    def say(self, msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    def cli(self, *args: str) -> Sample:
        return run_timed([CLI, *args], env=self.env, timeout=self.args.timeout)

    def ours(self, label: str, runs: int, prepare, args, ok=(0,), after=None) -> Measure:
        """Time `roseram-schema <args>` `runs` times, calling prepare(run) (untimed) first
        and after() (untimed) once after the first run. A command that has not landed yet
        is recorded as not implemented."""
        m = Measure()
        for r in range(runs):
            if prepare:
                prepare(r)
            if not self._sample(label, m, r, args(r) if callable(args) else args, ok, after):
                break
        self.say(f"{label}: {fmt(m)}")
        return m

    def alternating(self, series: dict[str, list[str]], runs: int) -> dict[str, Measure]:
        """Several commands timed in turn (a, b, a, b, ...) rather than one series after the
        other, so a server that is still settling does not favour whichever runs last."""
        out = {label: Measure() for label in series}
        for r in range(runs):
            for label, args in series.items():
                if out[label].error is None:
                    self._sample(label, out[label], r, args, (0,), None)
        for label, m in out.items():
            self.say(f"{label}: {fmt(m)}")
        return out

    def _sample(self, label: str, m: Measure, r: int, args: list[str], ok, after) -> bool:
        """Run the command once and add the sample to `m`; False (and m.error set, samples
        dropped) when it failed."""
        s = self.cli(*args)
        if s.rc == 1 and "not implemented yet" in s.stderr:
            m.error = NOT_IMPLEMENTED
            m.samples = []
            return False
        if s.rc not in ok:
            m.error = f"exit {s.rc}: {tail(s.stderr or s.stdout)}"
            (self.log_dir / f"{label}.err.txt").write_text(s.stdout + "\n----\n" + s.stderr)
            m.samples = []
            return False
        m.samples.append(s)
        if r == 0:
            (self.log_dir / f"{label}.out.txt").write_text(s.stdout + "\n----\n" + s.stderr)
            if after:
                after()
        return True

    def cold_and_floor(self, label: str, runs: int, sql: Path, prefix: str, go_cold, plan_args) -> tuple[Measure, Measure]:
        """The psql floor and our cold plan, measured alternately (floor, plan, floor, plan,
        ...) from the same quiet start: the server slows down while it is exercised
        (autovacuum of the databases just built and dropped), and two separate series would
        put one of them on a calmer server than the other."""
        srv = self.server
        floor = Measure()

        def prepare(_r):
            srv.create_db(prefix + "floor", template=prefix + "empty")
            srv.settle()
            floor.samples.append(srv.psql(prefix + "floor", sql))
            srv.drop_db(prefix + "floor")
            go_cold()
            srv.create_db(prefix + "target", template=prefix + "empty")
            srv.settle()

        plan = self.ours(f"{label}-plan_empty", runs, prepare, plan_args, ok=PLAN_OK)
        self.say(f"{label}-floor_psql: {fmt(floor)}")
        return floor, plan

    # -- peers -----------------------------------------------------------------------------

    def setup_peers(self) -> None:
        if self.args.no_peers:
            self.peer_errors = {"migra": "skipped (--no-peers)", "supabase": "skipped (--no-peers)"}
            return
        err = ensure_peer_venv()
        if err:
            self.peer_errors["migra"] = err
        else:
            self.migra = str(VENV / "bin" / "migra")
        exe, err = ensure_supabase()
        if err:
            self.peer_errors["supabase"] = err
        else:
            self.supabase = exe

    def migra_diff(self, a: str, b: str) -> Sample:
        return run_timed([self.migra, "--unsafe", "--schema", "public", self.server.db_url(a, driver="postgresql+psycopg2"),
                          self.server.db_url(b, driver="postgresql+psycopg2")], timeout=self.args.timeout)

    def supabase_diff(self, a: str, b: str) -> Sample:
        return run_timed([str(self.supabase), "db", "diff", "--schema", "public", "--from", self.server.tcp_style_url(a),
                          "--to", self.server.tcp_style_url(b)],
                         cwd=WORK / "supabase-project", timeout=self.args.timeout)

    def peer(self, label: str, tool: str, runs: int, a: str, b: str) -> Measure:
        """Time a peer's diff of database a (current) to b (desired). Exit 0 or 2 (migra
        returns 2 when there are differences) are fine."""
        m = Measure()
        if tool in self.peer_errors:
            m.error = self.peer_errors[tool]
            return m
        diff = self.migra_diff if tool == "migra" else self.supabase_diff
        for r in range(runs):
            s = diff(a, b)
            if s.rc not in (0, 2):
                m.error = f"exit {s.rc}: {tail(s.stderr or s.stdout)}"
                (self.log_dir / f"{label}.err.txt").write_text(s.stdout + "\n----\n" + s.stderr)
                m.samples = []
                break
            m.samples.append(s)
            if r == 0:
                (self.log_dir / f"{label}.out.txt").write_text(s.stdout + "\n----\n" + s.stderr)
        self.say(f"{label}: {fmt(m)}")
        return m

    # -- one size --------------------------------------------------------------------------

    def runs_for(self, n: int) -> int:
        """Fewer repetitions for the big sizes, so one run fits in a quiet half hour."""
        if n >= 3000:
            return max(1, min(self.args.runs, 2))
        if n >= 1000:
            return max(1, min(self.args.runs, 3))
        return self.args.runs

    def bench_size(self, n: int) -> dict:
        args = self.args
        runs = self.runs_for(n)
        self.say(f"== {n} tables, {runs} runs")
        manifest = generate.generate(n, args.seed, PROJECTS, compile_cli=CLI)
        res: dict = {"tables": n, "runs": runs, "manifest": manifest, "m": {}, "checks": {},
                     "started_utc": time.strftime("%H:%M UTC", time.gmtime()), "loadavg_start": _load(),
                     "code": _our_version()}
        if manifest["compile_errors"]:
            res["error"] = "compile failed: " + json.dumps(manifest["compile_errors"])[:2000]
            self.say(res["error"])
            return res
        d = PROJECTS / f"n{n}"
        work = d / "work"
        sql = {v: d / f"{v}.sql" for v in ("base", "changed", "edited")}
        p = f"bench_n{n}_"
        srv = self.server
        M = res["m"]

        def set_sources(variant: str) -> None:
            for sub in ("schema", "policies", "views"):
                shutil.rmtree(work / sub, ignore_errors=True)
                shutil.copytree(d / variant / sub, work / sub)
            shutil.copy(d / variant / "project.yaml", work / "project.yaml")

        def go_cold() -> None:
            shutil.rmtree(work / ".roseram", ignore_errors=True)
            srv.drop_foreign_databases()

        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        set_sources("base")

        # desired databases built with psql (the peers' "to" side) and an empty one
        srv.create_db(p + "empty")
        for v in sql:
            srv.create_db(p + v + "_psql", template=p + "empty")
            s = srv.psql(p + v + "_psql", sql[v])
            if s.rc:
                res["error"] = f"psql of {v}.sql failed: {tail(s.stderr)}"
                self.say(res["error"])
                return res

        # -- the floor
        M["cli_start"] = self.ours(f"n{n}-cli_start", runs, None, ["--help"])
        out_sql = WORK / "compile-out.sql"
        M["compile"] = self.ours(f"n{n}-compile", runs, None,
                                 ["compile", "--project", str(d / "base"), "--out", str(out_sql)])
        for v in ("changed", "edited"):
            m = Measure()
            srv.create_db(p + "floor", template=p + "empty")
            m.samples.append(srv.psql(p + "floor", sql[v]))
            srv.drop_db(p + "floor")
            M[f"floor_psql_{v}"] = m
        M["floor_catalog_read"] = self.catalog_read(p + "base_psql", runs)

        db = lambda name: ["--db", srv.db_url(name), "--dev-db", self.dev_url]  # noqa: E731
        proj = ["--project", str(work)]

        # -- cold plan against an empty database, alternating with the psql floor
        M["floor_psql"], M["plan_empty"] = self.cold_and_floor(f"n{n}", runs, sql["base"], p, go_cold,
                                                               ["plan", *proj, *db(p + "target")])

        # -- apply into the empty database (after a plan of the same source)
        def fresh_target(_r):
            srv.create_db(p + "target", template=p + "empty")
            self.cli("plan", *proj, *db(p + "target"))

        M["apply_empty"] = self.ours(f"n{n}-apply_empty", runs, fresh_target,
                                     ["apply", "--yes", *proj, *db(p + "target")])
        if M["apply_empty"].error is None:
            srv.create_db(p + "applied", template=p + "target")
            res["checks"]["up_to_date_db"] = "built by roseram-schema apply"
        else:
            srv.create_db(p + "applied", template=p + "base_psql")
            res["checks"]["up_to_date_db"] = "built by psql (apply unavailable)"
        srv.create_db(p + "uptodate", template=p + "applied")

        # -- no change: plan and drift (warm cache: one untimed plan first)
        self.cli("plan", *proj, *db(p + "uptodate"))
        srv.settle()
        nochange = self.alternating({f"n{n}-plan_nochange": ["plan", *proj, *db(p + "uptodate")],
                                     f"n{n}-drift": ["drift", *proj, *db(p + "uptodate")]}, runs)
        M["plan_nochange"], M["drift"] = nochange.values()
        # sanity: how many statements each plan has (no change must be 0)
        counts = res["checks"]["plan_statements"] = {"base": self.plan_size(proj, db(p + "uptodate"))[0]}

        def count(variant):
            def after():
                counts[variant] = self.plan_size(proj, db(p + "uptodate"))[0]
            return after

        # -- source changed since the last plan
        def base_then(variant):
            def prep(r):
                set_sources("base")
                self.cli("plan", *proj, *db(p + "uptodate"))
                if variant == "edited":
                    generate.edit_one_object(work, r + 1)
                else:
                    set_sources(variant)
            return prep

        M["plan_changed"] = self.ours(f"n{n}-plan_changed", runs, base_then("changed"),
                                      ["plan", *proj, *db(p + "uptodate")], ok=PLAN_OK, after=count("changed"))
        M["plan_one_edit"] = self.ours(f"n{n}-plan_one_edit", runs, base_then("edited"),
                                       ["plan", *proj, *db(p + "uptodate")], ok=PLAN_OK, after=count("edited"))

        # -- apply the change a -> b
        def to_changed(_r):
            srv.create_db(p + "target", template=p + "applied")
            set_sources("changed")
            self.cli("plan", *proj, *db(p + "target"))

        # the change alters policy expressions on existing tables: opens_access, allowed as a
        # reviewer would after reading the plan
        M["apply_changed"] = self.ours(f"n{n}-apply_changed", runs, to_changed,
                                       ["apply", "--yes", "--allow-hazards", "opens_access", *proj,
                                        *db(p + "target")])
        if M["apply_changed"].error is None:
            res["checks"].update(self.cross_check(n, p + "target", p + "changed_psql", proj, db))
        set_sources("base")

        # -- verify the generated project (it carries contracts)
        if n <= args.verify_max:
            M["verify"] = self.ours(f"n{n}-verify", min(runs, 3), None,
                                    ["verify", "--project", str(d / "base"), "--dev-db", self.dev_url], ok=(0, 4))

        # -- peers on the same pairs
        pairs = {"nochange": (p + "uptodate", p + "base_psql"), "changed": (p + "uptodate", p + "changed_psql"),
                 "one_edit": (p + "uptodate", p + "edited_psql"), "empty": (p + "empty", p + "base_psql")}
        build = {"nochange": "floor_psql", "changed": "floor_psql_changed", "one_edit": "floor_psql_edited",
                 "empty": "floor_psql"}
        for tool in ("migra", "supabase"):
            for case, (a, b) in pairs.items():
                m = self.peer(f"n{n}-{tool}_{case}", tool, runs, a, b)
                if m.median is not None:
                    m.parts = {"diff": m.median, "build_desired_with_psql": M[build[case]].median}
                M[f"{tool}_{case}"] = m

        if args.profile and n == max(args.sizes):
            res["profiles"] = self.profile(n, work, proj, db(p + "uptodate"), base_then)
        for name in ("target", "uptodate"):
            srv.drop_db(p + name)
        res["finished_utc"] = time.strftime("%H:%M UTC", time.gmtime())
        res["loadavg_end"] = _load()
        return res

    def plan_size(self, proj, db) -> tuple[int | None, int]:
        """(number of statements, exit code) of `plan --format json`; None if it failed."""
        s = self.cli("plan", "--format", "json", *proj, *db)
        try:
            return len(json.loads(s.stdout)["statements"]), s.rc
        except (ValueError, KeyError, TypeError):
            return None, s.rc

    def catalog_read(self, dbname: str, runs: int) -> Measure:
        """inspect_catalog on a fresh connection, in-process: the cost of one catalog read
        without process start-up or import time."""
        import psycopg
        from roseram_schema.introspect import inspect_catalog

        m = Measure()
        for _ in range(runs):
            with psycopg.connect(self.server.db_url(dbname)) as conn:
                t0 = time.perf_counter()
                inspect_catalog(conn)
                m.samples.append(Sample(time.perf_counter() - t0, 0.0, 0))
        self.say(f"catalog read {dbname}: {fmt(m)}")
        return m

    def cross_check(self, n: int, result_db: str, desired_db: str, proj, db) -> dict:
        """After our apply a->b: our own plan is empty, and each peer finds no difference
        between the result and b built by psql from the compiled SQL."""
        out: dict[str, str] = {}
        count, rc = self.plan_size(proj, db(result_db))
        out["roseram_plan_after_apply"] = (f"empty (0 statements, exit {rc})" if count == 0
                                           else f"NOT empty: {count} statements (exit {rc})")
        for tool in ("migra", "supabase"):
            if tool in self.peer_errors:
                out[tool] = f"not run: {self.peer_errors[tool]}"
                continue
            s = (self.migra_diff if tool == "migra" else self.supabase_diff)(result_db, desired_db)
            text = s.stdout.strip()
            (self.log_dir / f"n{n}-crosscheck-{tool}.txt").write_text(s.stdout + "\n----\n" + s.stderr)
            if s.rc in (0, 2) and not text:
                out[tool] = "empty diff"
            else:
                out[tool] = f"exit {s.rc}, {len(text.splitlines())} lines of diff: {tail(text, 8)}"
        self.say(f"n{n} cross-check: {out}")
        return out

    def profile(self, n: int, work: Path, proj, db, base_then) -> dict:
        """cProfile of drift (no change), the one-object-edit plan and the cold plan."""
        out = {}
        prof = Path(__file__).resolve().parent / "profile_cli.py"
        def warm(_r):
            for sub in ("schema", "policies", "views"):
                shutil.rmtree(work / sub, ignore_errors=True)
                shutil.copytree(work.parent / "base" / sub, work / sub)
            self.cli("plan", *proj, *db)  # the cache now holds the base: drift is the warm case

        cases = {"drift": (warm, ["drift", *proj, *db]),
                 "plan_one_edit": (base_then("edited"), ["plan", *proj, *db]),
                 "plan_empty_cold": (lambda r: (shutil.rmtree(work / ".roseram", ignore_errors=True),
                                                self.server.drop_foreign_databases()),
                                     ["plan", *proj, *db])}
        for name, (prep, args) in cases.items():
            if prep:
                prep(50)
            target = self.log_dir / f"profile-n{n}-{name}.txt"
            r = subprocess.run([sys.executable, str(prof), str(target), "--", *args], env=self.env,
                               capture_output=True, text=True)
            out[name] = str(target.relative_to(REPO)) if target.exists() else f"failed: {tail(r.stderr)}"
        return out

    # -- the Roseram project itself --------------------------------------------------------

    def bench_roseram(self) -> dict:
        """The real Roseram project (repo root): compile, cold plan, apply, drift, verify,
        and the peers' no-change diff."""
        runs = self.args.runs
        srv = self.server
        res: dict = {"tables": None, "runs": runs, "m": {}, "checks": {},
                     "started_utc": time.strftime("%H:%M UTC", time.gmtime()), "loadavg_start": _load(),
                     "code": _our_version()}
        M = res["m"]
        work = PROJECTS / "roseram"
        changed = PROJECTS / "roseram-changed"

        def set_sources(source: Path) -> None:
            for sub in ("schema", "policies", "views"):
                shutil.rmtree(work / sub, ignore_errors=True)
                shutil.copytree(source / sub, work / sub)
            shutil.copy(source / "project.yaml", work / "project.yaml")

        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(changed, ignore_errors=True)
        work.mkdir(parents=True)
        set_sources(REPO)
        shutil.copytree(work, changed)
        res["change"] = generate.change_roseram(changed)
        res["tables"] = len(list((work / "schema").rglob("*.yaml")))
        sql = WORK / "roseram.sql"
        changed_sql = WORK / "roseram-changed.sql"
        p = "bench_rr_"
        srv.create_db(p + "empty")
        for source, out, db_name in ((work, sql, "psql"), (changed, changed_sql, "changed_psql")):
            s = self.cli("compile", "--project", str(source), "--out", str(out))
            if s.rc:
                res["error"] = f"compile of {source.name} failed: {tail(s.stderr)}"
                self.say(res["error"])
                return res
            srv.create_db(p + db_name, template=p + "empty")
            s = srv.psql(p + db_name, out)
            if s.rc:
                res["error"] = f"psql of the compiled {source.name} SQL failed: {tail(s.stderr)}"
                return res
        proj = ["--project", str(work)]
        db = lambda name: ["--db", srv.db_url(name), "--dev-db", self.dev_url]  # noqa: E731
        M["cli_start"] = self.ours("rr-cli_start", runs, None, ["--help"])
        M["compile"] = self.ours("rr-compile", runs, None, ["compile", *proj, "--out", str(WORK / "compile-out.sql")])
        M["floor_catalog_read"] = self.catalog_read(p + "psql", runs)

        def go_cold() -> None:
            shutil.rmtree(work / ".roseram", ignore_errors=True)
            srv.drop_foreign_databases()

        M["floor_psql"], M["plan_empty"] = self.cold_and_floor("rr", runs, sql, p, go_cold,
                                                               ["plan", *proj, *db(p + "target")])

        def fresh(_r):
            srv.create_db(p + "target", template=p + "empty")
            self.cli("plan", *proj, *db(p + "target"))

        M["apply_empty"] = self.ours("rr-apply_empty", runs, fresh, ["apply", "--yes", *proj, *db(p + "target")])
        up = p + "target" if M["apply_empty"].error is None else p + "psql"
        self.cli("plan", *proj, *db(up))
        srv.settle()
        nochange = self.alternating({"rr-plan_nochange": ["plan", *proj, *db(up)],
                                     "rr-drift": ["drift", *proj, *db(up)]}, runs)
        M["plan_nochange"], M["drift"] = nochange.values()
        res["checks"]["plan_statements"] = {"base": self.plan_size(proj, db(up))[0]}

        # -- the source changed since the last plan (a column, an index, a policy)
        def base_then_changed(_r):
            set_sources(REPO)
            self.cli("plan", *proj, *db(up))
            set_sources(changed)

        def count_changed():
            res["checks"]["plan_statements"]["changed"] = self.plan_size(proj, db(up))[0]

        M["plan_changed"] = self.ours("rr-plan_changed", runs, base_then_changed, ["plan", *proj, *db(up)],
                                      ok=PLAN_OK, after=count_changed)
        set_sources(REPO)
        M["verify"] = self.ours("rr-verify", runs, None, ["verify", *proj, "--dev-db", self.dev_url], ok=(0, 4))
        changed_build = Measure()
        srv.create_db(p + "floor", template=p + "empty")
        changed_build.samples.append(srv.psql(p + "floor", changed_sql))
        srv.drop_db(p + "floor")
        M["floor_psql_changed"] = changed_build
        for tool in ("migra", "supabase"):
            for case, desired, build in (("nochange", "psql", "floor_psql"), ("changed", "changed_psql", "floor_psql_changed")):
                m = self.peer(f"rr-{tool}_{case}", tool, runs, up, p + desired)
                if m.median is not None:
                    m.parts = {"diff": m.median, "build_desired_with_psql": M[build].median}
                M[f"{tool}_{case}"] = m
        res["loadavg_end"] = _load()
        res["finished_utc"] = time.strftime("%H:%M UTC", time.gmtime())
        return res


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt(m: Measure) -> str:
    if m.error:
        return m.error.splitlines()[0][:200]
    return f"median {m.median:.3f}s over {len(m.samples)}, peak {m.peak_mib:.0f} MiB" if m.samples else "-"


def serialize(res: dict) -> dict:
    out = dict(res)
    out["m"] = {k: v.to_json() for k, v in res.get("m", {}).items()}
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    ap = argparse.ArgumentParser(description="roseram-schema benchmarks")
    ap.add_argument("--sizes", default="30,300,1000,3000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg", default="18", help="18 (embedded) or a Debian major, e.g. 15")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-roseram", action="store_true", help="Skip the Roseram project.")
    ap.add_argument("--verify-max", type=int, default=300, help="Largest generated size to verify.")
    ap.add_argument("--merge", action="store_true",
                    help="Keep the other sizes (and the Roseram results) of an earlier results.json.")
    ap.add_argument("--timeout", type=float, default=1800.0, help="Seconds per command.")
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                    help="Write docs/benchmarks.md and the plot.")
    args = ap.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    bench = Bench(args)
    started = time.time()
    results: dict = {
        "started_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "machine": machine_info(),
        "args": {k: v for k, v in vars(args).items()},
    }
    bench.setup_peers()
    results["versions"] = {
        "roseram-schema": _our_version(),
        "postgresql": bench.server.server_version(),
        "psql": tool_version(["psql", "--version"]),
        "migra": _pip_version("migra") if bench.migra else bench.peer_errors.get("migra"),
        "supabase": tool_version([str(bench.supabase), "--version"]) if bench.supabase else bench.peer_errors.get("supabase"),
        "node": tool_version(["node", "--version"]),
    }
    results["peer_errors"] = bench.peer_errors
    earlier = json.loads(RESULTS.read_text()) if args.merge and RESULTS.exists() else {}
    results["roseram"] = earlier.get("roseram") if args.no_roseram else serialize(bench.bench_roseram())
    results["sizes"] = dict(earlier.get("sizes", {}))
    results["invocations"] = earlier.get("invocations", []) + [{
        "started_utc": results["started_utc"], "sizes": args.sizes, "runs": args.runs,
        "roseram": not args.no_roseram, "loadavg_start": results["machine"]["loadavg"]}]
    for n in args.sizes:
        results["sizes"][str(n)] = serialize(bench.bench_size(n))
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    results["finished_utc"] = time.strftime("%Y-%m-%d %H:%M UTC")
    results["machine"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    bench.server.close()
    bench.say(f"results: {RESULTS}")
    if args.report:
        import report

        report.write_report(results, REPO / "docs" / "benchmarks.md")
        r = subprocess.run([str(VENV / "bin" / "python"), str(Path(__file__).resolve().parent / "plot.py"),
                            str(RESULTS), str(REPO / "docs" / "benchmarks.png")], capture_output=True, text=True)
        if r.returncode:
            bench.say(f"plot failed: {tail(r.stderr)}")
    return 0


def _our_version() -> str:
    from roseram_schema import __version__

    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"{__version__} (git {head.stdout.strip() or '?'})"


def _pip_version(pkg: str) -> str:
    r = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "show", pkg], capture_output=True, text=True)
    return next((l.split(":", 1)[1].strip() for l in r.stdout.splitlines() if l.startswith("Version:")), "unknown")


if __name__ == "__main__":
    sys.exit(main())
