"""Mutants of the Roseram project's policies, for measuring what `verify` kills.

`python -m tests.verify.mutants [--dev-db URL] [--only OPERATOR]` writes each mutant to a copy
of the project, runs verify on it and prints one line per mutant (killed by a failing cell,
by an error finding only, or survived), then the score. Operators:

- drop-conjunct: one top-level `AND` operand of a USING or WITH CHECK removed;
- widen-using: an UPDATE/DELETE/ALL policy's USING OR-ed with "any signed-in caller";
- lower-rank: a rank literal ('admin', 'editor', 'member') lowered one step;
- drop-check: an UPDATE policy's WITH CHECK removed (USING then checks the new row).

A survivor is either a miss or an equivalent mutant; the printout is for reviewing them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pglast
import yaml
from pglast import ast
from pglast.enums import BoolExprType
from pglast.stream import RawStream

ROSERAM = Path(__file__).resolve().parent.parent.parent
RANKS = ["owner", "admin", "editor", "member", "viewer"]
SIGNED_IN = "(select auth.uid()) IS NOT NULL"


def _conjuncts(expr: str) -> list[str]:
    node = pglast.parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        return [RawStream()(arg) for arg in node.args]
    return []


def mutants() -> list[tuple[str, str, str]]:
    """(name, policies file stem, new file text) for every mutant, in a fixed order."""
    out = []
    for path in sorted((ROSERAM / "policies" / "public").glob("*.yaml")):
        text = path.read_text()
        data = yaml.safe_load(text) or {}
        for i, policy in enumerate(data.get("policies") or []):
            def emit(op, changed):
                new = dict(data)
                new["policies"] = [changed if j == i else p for j, p in enumerate(data["policies"])]
                out.append((f"{path.stem}:{policy['name']}:{op}", path.stem,
                            yaml.safe_dump(new, sort_keys=False)))
            for key in ("using", "with_check"):
                expr = policy.get(key)
                if not expr:
                    continue
                parts = _conjuncts(expr)
                for k in range(len(parts)):
                    rest = " AND ".join(f"({p})" for j, p in enumerate(parts) if j != k)
                    emit(f"drop-conjunct {key} #{k + 1}", {**policy, key: rest})
                for r, rank in enumerate(RANKS[1:-1], start=1):
                    if f"'{rank}'" in expr:
                        emit(f"lower-rank {key} {rank}", {**policy, key: expr.replace(f"'{rank}'", f"'{RANKS[r + 1]}'")})
            command = policy.get("command", "all")
            if command in ("update", "delete", "all") and policy.get("using"):
                emit("widen-using", {**policy, "using": f"({policy['using']}) OR {SIGNED_IN}"})
            if command == "update" and policy.get("with_check"):
                emit("drop-check", {k: v for k, v in policy.items() if k != "with_check"})
    return out


def run(dev_db: str, only: str | None = None) -> dict:
    from roseram_schema.cli.commands.verify import run_verify

    results = {"probe": [], "finding": [], "survived": [], "error": []}
    for name, stem, text in mutants():
        if only and only not in name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "p"
            project.mkdir()
            shutil.copy(ROSERAM / "project.yaml", project / "project.yaml")
            for folder in ("schema", "policies", "views"):
                shutil.copytree(ROSERAM / folder, project / folder)
            (project / "policies" / "public" / f"{stem}.yaml").write_text(text)
            out, err = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = run_verify(project, None, dev_db, "json")
            except Exception as exc:  # a mutant the loader refuses is reported, not counted
                results["error"].append((name, str(exc)[:200]))
                print(f"error     {name}: {str(exc)[:120]}", flush=True)
                continue
        data = json.loads(out.getvalue())
        cells = [f"{t['name']} {p} {c}" for t in data["tables"] for p, cs in t["cells"].items()
                 for c, cell in cs.items() if cell["verdict"] in ("LEAK", "BLOCKED", "ERROR")]
        errors = [f["id"] for f in data["findings"] if f["severity"] == "error"]
        kind = "probe" if cells else "finding" if code == 4 else "survived"
        results[kind].append(name)
        print(f"{kind:9} {name}: {len(cells)} cells {cells[:2]} {sorted(set(errors))}", flush=True)
    killed = len(results["probe"]) + len(results["finding"])
    total = killed + len(results["survived"])
    print(f"mutants {total}: killed {killed} ({len(results['probe'])} by a failing probe, "
          f"{len(results['finding'])} by a finding only), survived {len(results['survived'])}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev-db", required=True)
    parser.add_argument("--only")
    args = parser.parse_args()
    run(args.dev_db, args.only)
    sys.exit(0)
