"""Mutation operators over a project's policies, views and membership helpers (issue 17).

A mutant is one change to one copy of a project: a weakening (it may widen what PostgreSQL
allows) or a harmless rewrite (it cannot). Policy expressions are mutated on pglast's tree and
printed back, so every mutant is valid SQL; helper bodies are changed by exact text and the
result is parsed again. `score()` runs `verify` on each copy and sorts the mutants:

- killed by a probe: a failing cell (LEAK, BLOCKED or ERROR for a persona and a command);
- killed by a finding only: exit 4 with no failing cell (a lint or static rule named it);
- survived: exit 0;
- equivalent: excluded before running, by a rule stated in `Mutant.equivalent` (today: the
  mutation only opens a command or role that the table's grants never give, so PostgreSQL
  refuses the statement before any policy is read).

`python -m tests.verify.mutation --dev-db URL [--sample N --seed S]` prints one line per mutant
and the table published in docs/verify.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pglast
import yaml
from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType
from pglast.stream import RawStream

ROSERAM = Path(__file__).resolve().parent.parent.parent
RANKS = ["owner", "admin", "editor", "member", "viewer"]
FOLDERS = ("schema", "policies", "views")

WEAKENINGS = ("true-conjunct", "drop-conjunct", "eq-to-ne", "eq-to-not-null", "lower-rank",
              "widen-role", "widen-command", "rls-off", "strip-invoker", "widen-helper",
              "lower-helper-rank")
HARMLESS = ("reorder-conjuncts", "uid-unwrapped", "uid-wrapped", "rename-policy", "true-and")


@dataclass
class Mutant:
    op: str
    where: str                      # file:policy:key, for the printout
    files: dict[str, str]           # path relative to the project -> new text
    harmless: bool = False
    equivalent: str | None = None   # why it cannot change access, when known before running
    outcome: str = ""               # probe | finding | survived | error
    detail: str = ""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.op} {self.where}"


# ---------------------------------------------------------------- expression operators

def _parse(expr: str):
    return pglast.parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val


def _print(node) -> str:
    return RawStream()(node)


def _true():
    return ast.A_Const(val=ast.Boolean(boolval=True))


def _conjuncts(node) -> list:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        return list(node.args)
    return [node]


def _and(args: list) -> object:
    return args[0] if len(args) == 1 else ast.BoolExpr(boolop=BoolExprType.AND_EXPR, args=args)


def _equalities(node, found=None) -> list:
    """Every `a = b` in the expression, outside sub-selects' FROM lists, in printing order."""
    found = [] if found is None else found
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP \
            and [n.sval for n in node.name] == ["="]:
        found.append(node)
    if isinstance(node, ast.Node):
        for attr in node:
            value = getattr(node, attr)
            for child in (value if isinstance(value, tuple) else (value,)):
                if isinstance(child, ast.Node):
                    _equalities(child, found)
    return found


def weakened_expressions(expr: str) -> list[tuple[str, str, str]]:
    """(operator, which part, new expression) for every weakening of one USING or WITH CHECK."""
    out = []
    parts = _conjuncts(_parse(expr))
    if len(parts) > 1:
        for k in range(len(parts)):
            node = _parse(expr)
            args = _conjuncts(node)
            part = f"#{k + 1} {_print(args[k])[:60]}"
            out.append(("true-conjunct", part, _print(_and(args[:k] + [_true()] + args[k + 1:]))))
            out.append(("drop-conjunct", part, _print(_and(args[:k] + args[k + 1:]))))
    else:
        out.append(("true-conjunct", "all", "true"))
    for k in range(len(_equalities(_parse(expr)))):
        node = _parse(expr)
        eq = _equalities(node)[k]
        part = f"#{k + 1} {_print(eq)[:60]}"
        eq.name = (ast.String(sval="<>"),)
        out.append(("eq-to-ne", part, _print(node)))
        node = _parse(expr)
        eq = _equalities(node)[k]
        # `a = b` -> `a IS NOT NULL`: done on the printed text to keep the tree types simple
        test = ast.NullTest(arg=eq.lexpr, nulltesttype=NullTestType.IS_NOT_NULL)
        text = _print(node).replace(_print(eq), _print(test), 1)
        out.append(("eq-to-not-null", part, _print(_parse(text))))
    for r, rank in enumerate(RANKS[1:-1], start=1):
        if f"'{rank}'" in expr:
            out.append(("lower-rank", rank, _print(_parse(expr.replace(f"'{rank}'", f"'{RANKS[r + 1]}'")))))
    return [(op, part, new) for op, part, new in out if new != _print(_parse(expr))]


def harmless_expressions(expr: str) -> list[tuple[str, str]]:
    out = []
    parts = _conjuncts(_parse(expr))
    if len(parts) > 1:
        out.append(("reorder-conjuncts", _print(_and(list(reversed(parts))))))
    if "(select auth.uid())" in expr:
        out.append(("uid-unwrapped", _print(_parse(expr.replace("(select auth.uid())", "auth.uid()")))))
    elif "auth.uid()" in expr:
        out.append(("uid-wrapped", _print(_parse(expr.replace("auth.uid()", "(select auth.uid())")))))
    out.append(("true-and", _print(_parse(f"true AND ({expr})"))))
    return out


# ---------------------------------------------------------------- project operators

def _grants(project: Path, table_file: Path) -> dict[str, set[str]]:
    """role -> commands the table's schema file grants (`all` expanded)."""
    path = project / "schema" / table_file.parent.name / table_file.name
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    out: dict[str, set[str]] = {}
    for role, cmds in ((data or {}).get("grants") or {}).items():
        cmds = ["select", "insert", "update", "delete"] if cmds == "all" else cmds
        out[role] = {c for c in cmds if c in ("select", "insert", "update", "delete")}
    return out


def _opened(grants: dict[str, set[str]], roles: list[str], commands: set[str],
            already: tuple = ()) -> bool:
    """Does any role of `roles` (public = every role with grants), other than those `already`
    reached with the same commands, hold one of `commands`?"""
    targets = (set(grants) if "public" in roles else set(roles)) - set(already)
    targets.discard("service_role")  # bypasses RLS: a policy never changes what it reaches
    return any(grants.get(r, set()) & commands for r in targets)


def _rank_call(node):
    """(helper, tenant expression, rank) of `public.org_role_at_least(x, 'r')` or
    `public.is_org_member(x)` (the lowest rank), else None."""
    if not isinstance(node, ast.FuncCall):
        return None
    name = ".".join(n.sval for n in node.funcname)
    args = node.args or ()
    if name.endswith("org_role_at_least") and len(args) == 2 and isinstance(args[1], ast.A_Const):
        return _print(args[0]), RANKS.index(args[1].val.sval) if args[1].val.sval in RANKS else None
    if name.endswith("is_org_member") and len(args) == 1:
        return _print(args[0]), len(RANKS) - 1
    return None


def _implies(w, e) -> bool:
    """Does `w` imply `e`, seen by structure alone (AND/OR) and by the membership helpers'
    documented order (org_role_at_least(x, higher) implies org_role_at_least(x, lower) and
    is_org_member(x))? False when not shown."""
    if _print(w) == _print(e):
        return True
    if isinstance(e, ast.BoolExpr) and e.boolop == BoolExprType.OR_EXPR:
        if any(_implies(w, d) for d in e.args):
            return True
    if isinstance(e, ast.BoolExpr) and e.boolop == BoolExprType.AND_EXPR:
        return all(_implies(w, c) for c in e.args)
    if isinstance(w, ast.BoolExpr) and w.boolop == BoolExprType.AND_EXPR:
        if any(_implies(c, e) for c in w.args):
            return True
    if isinstance(w, ast.BoolExpr) and w.boolop == BoolExprType.OR_EXPR:
        return all(_implies(d, e) for d in w.args)
    rw, re_ = _rank_call(w), _rank_call(e)
    return bool(rw and re_ and rw[0] == re_[0] and None not in (rw[1], re_[1]) and rw[1] <= re_[1])


def _same(a: str | None, b: str | None) -> bool:
    """Does the widened expression `b` imply the existing policy's `a` (so adds no row)?"""
    return a is not None and b is not None and _implies(_parse(b), _parse(a))


def _subsumed(policies: list[dict], i: int, widened: dict, commands: set[str]) -> bool:
    """Does another permissive policy already allow, for each of `commands`, every row the
    widened policy `i` adds (same roles or wider, expressions the widened ones imply)?
    Permissive policies are OR-ed, so such a widening adds nothing."""
    using, check = widened.get("using"), widened.get("with_check") or widened.get("using")
    for command in commands:
        def covers(p):
            roles = p.get("roles") or ["public"]
            if p.get("command", "all") not in (command, "all") or p.get("permissive") is False:
                return False
            if "public" not in roles and not set(widened.get("roles") or ["public"]) <= set(roles):
                return False
            if command in ("select", "delete"):
                return _same(p.get("using"), using)
            if command == "insert":
                return _same(p.get("with_check") or p.get("using"), check)
            return _same(p.get("using"), using) and _same(p.get("with_check") or p.get("using"), check)
        if not any(covers(p) for j, p in enumerate(policies) if j != i):
            return False
    return True


def _policy_mutants(project: Path) -> list[Mutant]:
    out = []
    for path in sorted((project / "policies").glob("*/*.yaml")):
        rel = str(path.relative_to(project))
        data = yaml.safe_load(path.read_text()) or {}
        grants = _grants(project, path)
        policies = data.get("policies") or []

        def emit(op, where, changed_data, harmless=False, equivalent=None):
            out.append(Mutant(op, where, {rel: yaml.safe_dump(changed_data, sort_keys=False)},
                              harmless, equivalent))

        if data.get("rls") in ("enabled", "forced") or policies:
            every = {"select", "insert", "update", "delete"}
            emit("rls-off", f"{rel}", {**data, "rls": "disabled"},
                 equivalent=None if _opened(grants, ["public"], every) else
                 "only service_role (which bypasses RLS) holds privileges on the table")
        for i, policy in enumerate(policies):
            where = f"{rel}:{policy['name']}"

            def with_policy(changed):
                return {**data, "policies": [changed if j == i else p for j, p in enumerate(policies)]}

            command = policy.get("command", "all")
            roles = policy.get("roles") or ["public"]
            commands = {"select", "insert", "update", "delete"} if command == "all" else {command}
            for key in ("using", "with_check"):
                if not policy.get(key):
                    continue
                for op, part, new in weakened_expressions(policy[key]):
                    emit(op, f"{where}:{key} {part}", with_policy({**policy, key: new}))
                for op, new in harmless_expressions(policy[key]):
                    emit(op, f"{where}:{key}", with_policy({**policy, key: new}), harmless=True)
            for role in ("public", "anon"):
                if role not in roles and "public" not in roles:
                    added = [role]
                    equivalent = None if _opened(grants, added, commands, roles) else (
                        f"no role that `{role}` adds holds {'/'.join(sorted(commands))} on the table")
                    emit("widen-role", f"{where}:{role}", with_policy({**policy, "roles": added}),
                         equivalent=equivalent)
            if command != "all":
                extra = {"select", "insert", "update", "delete"} - {command}
                widened = {**policy, "command": "all"}
                if command == "insert":  # FOR ALL needs a USING; WITH CHECK alone keeps reads closed
                    widened["using"] = policy.get("with_check")
                granted = {c for c in extra if _opened(grants, roles, {c})}
                equivalent = None
                if not granted:
                    equivalent = f"the policy's roles hold none of {'/'.join(sorted(extra))} on the table"
                elif _subsumed(policies, i, widened, granted):
                    equivalent = (f"for {'/'.join(sorted(granted))} (the granted ones) another "
                                  "policy on the table already allows every row it would add")
                emit("widen-command", where, with_policy(widened), equivalent=equivalent)
            emit("rename-policy", where, with_policy({**policy, "name": f"{policy['name']}_renamed"}),
                 harmless=True)
    return out


def _view_mutants(project: Path) -> list[Mutant]:
    out = []
    for path in sorted((project / "views").glob("*/*.sql")):
        text = path.read_text()
        line = "-- security_invoker: true\n"
        if line in text:
            out.append(Mutant("strip-invoker", str(path.relative_to(project)),
                              {str(path.relative_to(project)): text.replace(line, "")}))
    return out


# helper bodies: (operator, function, old text, new text); each must occur exactly once
HELPER_EDITS = [
    ("widen-helper", "org_role owner", "WHERE o.id = org_role.org_id AND o.owner_id = auth.uid()",
     "WHERE o.id = org_role.org_id"),
    ("widen-helper", "org_role member",
     "WHERE m.organization_id = org_role.org_id AND m.user_id = auth.uid()",
     "WHERE m.organization_id = org_role.org_id"),
    ("widen-helper", "owns_project", "WHERE p.id = owns_project.project_id AND p.user_id = auth.uid()",
     "WHERE p.id = owns_project.project_id"),
    ("widen-helper", "is_org_member", "SELECT public.org_role(is_org_member.org_id) IS NOT NULL",
     "SELECT is_org_member.org_id IS NOT NULL"),
    ("lower-helper-rank", "org_role_rank member", "WHEN 'member' THEN 2", "WHEN 'member' THEN 3"),
    ("lower-helper-rank", "org_role_rank editor", "WHEN 'editor' THEN 3", "WHEN 'editor' THEN 4"),
    ("lower-helper-rank", "org_role_rank admin", "WHEN 'admin' THEN 4", "WHEN 'admin' THEN 5"),
    ("lower-helper-rank", "org_role default", "coalesce(m.role, 'member')", "coalesce(m.role, 'admin')"),
    ("lower-helper-rank", "org_role_at_least",
     "      >= public.org_role_rank(org_role_at_least.min_role),",
     "      >= public.org_role_rank(org_role_at_least.min_role) - 1,"),
]


def _helper_mutants(project: Path) -> list[Mutant]:
    out = []
    for path in sorted((project / "policies").glob("*/*.sql")):
        text = path.read_text()
        rel = str(path.relative_to(project))
        for op, where, old, new in HELPER_EDITS:
            if text.count(old) != 1:
                continue
            changed = text.replace(old, new)
            pglast.parse_sql(changed)  # the statement must still parse
            for stmt in pglast.parse_sql(changed):  # and so must every SQL body
                body = getattr(stmt.stmt, "options", None) or ()
                for opt in body:
                    if opt.defname == "as":
                        pglast.parse_sql(opt.arg[0].sval)
            out.append(Mutant(op, f"{rel}:{where}", {rel: changed}))
    return out


# Equivalent mutants no rule above recognizes, each reviewed by hand (name prefix -> why).
REVIEWED_EQUIVALENT = {
    "strip-invoker views/public/user_organizations.sql":
        "the view's own WHERE (org_role(o.id) IS NOT NULL) is the organizations SELECT policy, "
        "and authenticated (the only exposed role granted the view) reads those columns anyway",
    "strip-invoker views/public/user_sites.sql":
        "the view's own WHERE (org_role(s.organization_id) IS NOT NULL) is the sites SELECT "
        "policy, and authenticated reads those columns anyway",
    "drop-conjunct policies/public/organizations.yaml:update_admin:with_check #1":
        "the kept `owner_id = org_owner(id)` needs the new id to name an existing organization, "
        "and id is the primary key: the new row is the same organization, on which USING "
        "already requires admin",
    "true-conjunct policies/public/organizations.yaml:update_admin:with_check #1":
        "as dropping it: the new row can only be the same organization",
    "widen-command policies/public/ai_generations.yaml:insert_editor":
        "FOR ALL opens only SELECT (the granted one): a row it passes has site_id or page_id, "
        "and the caller is an editor of that tenant, so a member: the SELECT policy's rows",
    "lower-helper-rank policies/public/membership.sql:org_role_rank admin":
        "no policy, view or helper asks for rank 'owner', so an admin counted 5 instead of 4 "
        "passes exactly the same org_role_at_least calls",
}

# Non-equivalent mutants no probe kills today (name prefix -> the probe that is missing).
KNOWN_SURVIVORS = {
    "policies/public/code_generations.yaml:update_project_owner:with_check #2":
        "author column on UPDATE: the project owner rewrites user_id to another user; no probe "
        "forges user_id on UPDATE unless the contract declares `author: user_id`",
    "policies/public/chat_messages.yaml:update_project_owner:with_check #2":
        "author column on UPDATE (as code_generations)",
    "policies/public/deployments.yaml:update_project_owner:with_check #2":
        "second tenant path on UPDATE: the project owner points site_id at another "
        "organization's site (its members then see the deployment); the site path is varied on "
        "INSERT only",
    "true-conjunct policies/public/user_settings.yaml:update_own:with_check":
        "move onto a user without a row: user_id is unique and every seeded user has a settings "
        "row, so moving alice's row to bob fails on the constraint, not the policy",
    "eq-to-not-null policies/public/user_settings.yaml:update_own:with_check":
        "move onto a user without a row (as above)",
    "lower-helper-rank policies/public/membership.sql:org_role default":
        "a membership whose role is NULL (the column is nullable) counts as admin; no persona's "
        "membership row has a NULL role",
}


def _reviewed(m: Mutant) -> Mutant:
    for prefix, why in REVIEWED_EQUIVALENT.items():
        if m.name.startswith(prefix):
            m.equivalent = f"reviewed: {why}"
    return m


def known_survivor(m: Mutant) -> str | None:
    return next((why for key, why in KNOWN_SURVIVORS.items() if key in m.name), None)


def mutants(project: Path = ROSERAM) -> list[Mutant]:
    """Every mutant of the project, in a fixed order."""
    return [_reviewed(m) for m in
            _policy_mutants(project) + _view_mutants(project) + _helper_mutants(project)]


def sample(all_mutants: list[Mutant], per_op: int, seed: int, per_harmless: int = 0) -> list[Mutant]:
    """Up to `per_op` mutants of each weakening operator (`per_harmless` of each harmless one,
    default the same), not equivalent, chosen by a generator seeded with `seed`."""
    rng = random.Random(seed)
    out = []
    for op in WEAKENINGS + HARMLESS:
        group = [m for m in all_mutants if m.op == op and not m.equivalent]
        n = (per_harmless or per_op) if op in HARMLESS else per_op
        out += sorted(rng.sample(group, min(n, len(group))), key=all_mutants.index)
    return out


# ---------------------------------------------------------------- running

def copy_project(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(src / "project.yaml", dest / "project.yaml")
    for folder in FOLDERS:
        if (src / folder).exists():
            shutil.copytree(src / folder, dest / folder)
    return dest


def failing_cells(data: dict) -> list[str]:
    return [f"{t['name']} {cmd} {persona}: {' | '.join(cell.get('details') or [])[:160]}"
            for t in data.get("tables", []) + data.get("views", []) if isinstance(t, dict)
            for persona, cmds in (t.get("cells") or {}).items()
            for cmd, cell in cmds.items() if cell["verdict"] in ("LEAK", "BLOCKED", "ERROR")]


def run_one(mutant: Mutant, dev_db: str, src: Path = ROSERAM) -> Mutant:
    from roseram_schema.cli.commands.verify import run_verify

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(src, Path(tmp) / "p")
        for rel, text in mutant.files.items():
            (project / rel).write_text(text)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run_verify(project, None, dev_db, "json")
        except Exception as exc:  # noqa: BLE001 - a mutant the tool refuses is reported as such
            mutant.outcome, mutant.detail = "error", f"{type(exc).__name__}: {str(exc)[:200]}"
            mutant.seconds = time.perf_counter() - started
            return mutant
    data = json.loads(out.getvalue())
    cells = failing_cells(data)
    errors = sorted({f["id"] for f in data.get("findings", []) if f.get("severity") == "error"})
    mutant.outcome = "probe" if cells else "finding" if code == 4 else "survived"
    mutant.detail = (cells[0] if cells else ", ".join(errors))
    mutant.seconds = time.perf_counter() - started
    return mutant


def table(results: list[Mutant], equivalents: list[Mutant]) -> str:
    rows = ["| operator | mutants | equivalent (excluded) | killed by a probe | by a finding only "
            "| survived | refused by the tool |", "|---|---|---|---|---|---|---|"]
    for op in WEAKENINGS:
        got = [m for m in results if m.op == op]
        eq = sum(1 for m in equivalents if m.op == op)
        if not got and not eq:
            continue
        count = {k: sum(1 for m in got if m.outcome == k) for k in ("probe", "finding", "survived", "error")}
        rows.append(f"| {op} | {len(got)} | {eq} | {count['probe']} | {count['finding']} "
                    f"| {count['survived']} | {count['error']} |")
    harmless = [m for m in results if m.harmless]
    flagged = [m for m in harmless if m.outcome in ("probe", "finding")]
    rows.append(f"\nharmless rewrites: {len(harmless)}, flagged {len(flagged)}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev-db", required=True)
    parser.add_argument("--sample", type=int, default=0, help="mutants per operator (0: all)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--harmless-sample", type=int, default=0)
    parser.add_argument("--part", default="1/1", help="i/n: run every n-th mutant from the i-th")
    parser.add_argument("--only", help="comma-separated operators")
    parser.add_argument("--jsonl", help="append one JSON line per mutant to this file")
    args = parser.parse_args()
    everything = mutants()
    chosen = sample(everything, args.sample, args.seed, args.harmless_sample) if args.sample else \
        [m for m in everything if not m.equivalent]
    part, parts = (int(x) for x in args.part.split("/"))
    chosen = chosen[part - 1::parts]
    if args.only:
        chosen = [m for m in chosen if m.op in args.only.split(",")]
    equivalents = [m for m in everything if m.equivalent]
    for m in equivalents:
        print(f"equivalent {m.name}: {m.equivalent}", flush=True)
    results = []
    for m in chosen:
        run_one(m, args.dev_db)
        results.append(m)
        tag = ("harmless-" if m.harmless else "") + m.outcome
        print(f"{tag:17} {m.seconds:5.1f}s {m.name}: {m.detail}", flush=True)
        if args.jsonl:
            with open(args.jsonl, "a") as fh:
                fh.write(json.dumps({"op": m.op, "where": m.where, "harmless": m.harmless,
                                     "outcome": m.outcome, "detail": m.detail,
                                     "seconds": round(m.seconds, 2)}) + "\n")
    print(table(results, equivalents if not args.sample else []))


if __name__ == "__main__":
    main()
    sys.exit(0)
