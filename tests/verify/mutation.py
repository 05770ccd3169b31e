"""Mutation operators over a project's policies, views and membership helpers (issue 17).

The one generator of mutants (operators, equivalence rules, sampling, running): the suite's
sample (tests/verify/test_mutation_score.py) and the full run (bench/mutation_score.py) both
use it. A mutant is one change to one copy of a project: a weakening (it may widen what
PostgreSQL allows) or a harmless rewrite (it cannot). Policy expressions are mutated on
pglast's tree and printed back, so every mutant is valid SQL, whether the policy is written
in a `policies/` YAML file or as `CREATE POLICY` in a declarative SQL file; helper bodies are
changed by exact text and the result is parsed again. `run_one()` runs `verify` on a copy:

- killed by a probe: a failing cell (LEAK, BLOCKED or ERROR for a persona and a command);
- killed by a finding only: exit 4 with no failing cell (a lint or static rule named it);
- survived: exit 0;
- equivalent: excluded before running, by a rule stated in `Mutant.equivalent`.

Projects: `roseram` (the repository's own) and the corpus projects of CORPUS_PROJECTS: a
schema of tests/corpus/ used as published, plus the personas, contracts and grants of
tests/verify/corpus_projects/<name>/ (the corpus has no project.yaml).

`python -m tests.verify.mutation --dev-db URL [--project P] [--sample N --seed S]` prints one
line per mutant and the table published in docs/verify.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import json
import multiprocessing
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pglast
import yaml
from pglast import ast
from pglast.enums import A_Expr_Kind, AlterTableType, BoolExprType, NullTestType
from pglast.stream import RawStream

from roseram_schema.lint.sqlrefs import requires_user
from roseram_schema.model import quote_ident

ROSERAM = Path(__file__).resolve().parent.parent.parent
CORPUS = ROSERAM / "tests" / "corpus"
OVERLAYS = Path(__file__).resolve().parent / "corpus_projects"
CORPUS_PROJECTS = ("default_grants",)
RANKS = ["owner", "admin", "editor", "member", "viewer"]
FOLDERS = ("schema", "policies", "views")
SIGNED_IN = "(select auth.uid()) IS NOT NULL"
# libyaml's emitter when PyYAML has it: writing ~900 mutant files is most of the generation time
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

WEAKENINGS = ("true-conjunct", "drop-conjunct", "eq-to-ne", "eq-to-not-null", "lower-rank",
              "widen-role", "widen-command", "rls-off", "strip-invoker", "widen-helper",
              "lower-helper-rank", "widen-using", "drop-check")
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
    project: str = "roseram"        # roseram, or a corpus project (CORPUS_PROJECTS)

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
    wrapped = re.compile(r"\(\s*select\s+auth\.uid\(\)\s*\)", re.IGNORECASE)
    if wrapped.search(expr):
        out.append(("uid-unwrapped", _print(_parse(wrapped.sub("auth.uid()", expr)))))
    elif "auth.uid()" in expr:
        out.append(("uid-wrapped", _print(_parse(expr.replace("auth.uid()", "(select auth.uid())")))))
    out.append(("true-and", _print(_parse(f"true AND ({expr})"))))
    return out


# ---------------------------------------------------------------- projects

def project_files(project: str = "roseram") -> dict[str, str]:
    """Every file of a project, path relative to the project -> text. A corpus project is
    its published SQL (`schema/`) with the overlay of tests/verify/corpus_projects/ on top."""
    if project == "roseram":
        roots = [(ROSERAM, ("project.yaml", *FOLDERS))]
    else:
        roots = [(CORPUS / project, ("schema",)), (OVERLAYS / project, ("project.yaml", *FOLDERS))]
    files: dict[str, str] = {}
    for root, names in roots:
        for name in names:
            path = root / name
            for found in ([path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []):
                if found.is_file():
                    files[found.relative_to(root).as_posix()] = found.read_text()
    return files


def write_project(files: dict[str, str], dest: Path) -> Path:
    for rel, text in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    return dest


def _statements(text: str):
    """(statement node, start, end) of every statement of a SQL file, by character offset."""
    data = text.encode()
    out = []
    for raw in pglast.parse_sql(text):
        end = raw.stmt_location + raw.stmt_len if raw.stmt_len else len(data)
        start = len(data[:raw.stmt_location].decode())
        out.append((raw.stmt, start, start + len(data[raw.stmt_location:end].decode())))
    return out


# ---------------------------------------------------------------- grants

ALL_COMMANDS = {"select", "insert", "update", "delete"}


def _yaml_grants(files: dict[str, str], schema: str, table: str) -> dict[str, set[str]]:
    """role -> commands the table's YAML schema file grants (`all` expanded)."""
    text = files.get(f"schema/{schema}/{table}.yaml")
    data = yaml.safe_load(text) if text else {}
    out: dict[str, set[str]] = {}
    for role, cmds in ((data or {}).get("grants") or {}).items():
        cmds = sorted(ALL_COMMANDS) if cmds == "all" else cmds
        out[role] = {c for c in cmds if c in ALL_COMMANDS}
    return out


def _sql_grants(files: dict[str, str]) -> dict[str, dict[str, set[str]]]:
    """schema.table -> role -> commands, from the GRANT statements of the SQL files."""
    out: dict[str, dict[str, set[str]]] = {}
    for rel, text in files.items():
        if not rel.endswith(".sql"):
            continue
        for stmt, _, _ in _statements(text):
            if not isinstance(stmt, ast.GrantStmt) or not stmt.is_grant or stmt.targtype != 0:
                continue
            cmds = ALL_COMMANDS if not stmt.privileges else \
                {p.priv_name for p in stmt.privileges} & ALL_COMMANDS
            for obj in stmt.objects or ():
                if not isinstance(obj, ast.RangeVar):
                    continue
                key = f"{obj.schemaname or 'public'}.{obj.relname}"
                for grantee in stmt.grantees:
                    role = grantee.rolename or "public"
                    out.setdefault(key, {}).setdefault(role, set()).update(cmds)
    return out


def _callers(files: dict[str, str]) -> set[str]:
    """Names (`schema.name`, lower case) of the SQL functions whose body reads auth.uid()."""
    out = set()
    for rel, text in files.items():
        if rel.endswith(".sql"):
            for stmt, _, _ in _statements(text):
                if isinstance(stmt, ast.CreateFunctionStmt) and any(
                        getattr(o, "defname", None) == "as" and "auth.uid()" in o.arg[0].sval
                        for o in stmt.options or ()):
                    out.add(".".join(n.sval for n in stmt.funcname).lower())
    return out


def _opened(grants: dict[str, set[str]], roles: list[str], commands: set[str],
            already: tuple = ()) -> bool:
    """Does any role of `roles` (public = every role with grants), other than those `already`
    reached with the same commands, hold one of `commands`?"""
    targets = (set(grants) if "public" in roles else set(roles)) - set(already)
    targets.discard("service_role")  # bypasses RLS: a policy never changes what it reaches
    return any(grants.get(r, set()) & commands for r in targets)


# ---------------------------------------------------------------- equivalence by implication

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


# ---------------------------------------------------------------- policy operators

def _policy_variants(policies: list[dict], i: int, grants: dict[str, set[str]], callers: set[str]):
    """(operator, where suffix, changed policy, harmless, equivalent) of policy `i` of a table:
    the one set of operators, whatever file the policy is written in."""
    policy = policies[i]
    command = policy.get("command", "all")
    roles = policy.get("roles") or ["public"]
    commands = set(ALL_COMMANDS) if command == "all" else {command}
    for key in ("using", "with_check"):
        if not policy.get(key):
            continue
        for op, part, new in weakened_expressions(policy[key]):
            yield op, f":{key} {part}", {**policy, key: new}, False, None
        for op, new in harmless_expressions(policy[key]):
            yield op, f":{key}", {**policy, key: new}, True, None
    for role in ("public", "anon"):
        if role not in roles and "public" not in roles:
            equivalent = None if _opened(grants, [role], commands, roles) else (
                f"no role that `{role}` adds holds {'/'.join(sorted(commands))} on the table")
            if equivalent is None and all(requires_user(_parse(policy[k]), callers)
                                          for k in ("using", "with_check") if policy.get(k)):
                equivalent = ("the policy's expressions need a signed-in caller (auth.uid(), NULL "
                              "for anon, compared directly or in a helper): the roles added gain nothing")
            yield ("widen-role", f":{role}", {**policy, "roles": ["public"] if role == "public" else roles + [role]},
                   False, equivalent)
    if command != "all":
        extra = ALL_COMMANDS - {command}
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
        yield "widen-command", "", widened, False, equivalent
    if command in ("update", "delete", "all") and policy.get("using"):
        # any signed-in caller reaches every row: the widening the UPDATE/DELETE probes must see
        reached = commands - {"insert"}
        yield ("widen-using", ":using", {**policy, "using": _print(_parse(f"({policy['using']}) OR {SIGNED_IN}"))},
               False, None if _opened(grants, roles, reached) else
               f"the policy's roles hold none of {'/'.join(sorted(reached))} on the table")
    if command == "update" and policy.get("with_check"):
        # without a WITH CHECK, PostgreSQL checks the new row with the USING
        equivalent = None
        if _implies(_parse(policy["using"]), _parse(policy["with_check"])) if policy.get("using") else False:
            equivalent = "the USING, which then checks new rows, implies the dropped WITH CHECK"
        elif not _opened(grants, roles, {"update"}):
            equivalent = "the policy's roles hold no UPDATE on the table"
        yield ("drop-check", ":with_check", {k: v for k, v in policy.items() if k != "with_check"},
               False, equivalent)
    yield "rename-policy", "", {**policy, "name": f"{policy['name']}_renamed"}, True, None


def _yaml_policy_mutants(files: dict[str, str], project: str) -> list[Mutant]:
    out = []
    callers = _callers(files)
    for rel in sorted(r for r in files if r.startswith("policies/") and r.endswith(".yaml")):
        data = yaml.safe_load(files[rel]) or {}
        schema, table = rel.split("/")[1], rel.split("/")[2][:-len(".yaml")]
        grants = _yaml_grants(files, schema, table)
        policies = data.get("policies") or []

        def emit(op, where, changed_data, harmless=False, equivalent=None):
            out.append(Mutant(op, where, {rel: yaml.dump(changed_data, Dumper=DUMPER, sort_keys=False)},
                              harmless, equivalent, project=project))

        if data.get("rls") in ("enabled", "forced") or policies:
            emit("rls-off", f"{rel}", {**data, "rls": "disabled"},
                 equivalent=None if _opened(grants, ["public"], ALL_COMMANDS) else
                 "only service_role (which bypasses RLS) holds privileges on the table")
        for i, policy in enumerate(policies):
            for op, suffix, changed, harmless, equivalent in _policy_variants(policies, i, grants, callers):
                emit(op, f"{rel}:{policy['name']}{suffix}",
                     {**data, "policies": [changed if j == i else p for j, p in enumerate(policies)]},
                     harmless, equivalent)
    return out


def _sql_policy(stmt) -> tuple[str, dict]:
    """(schema.table, policy as in a YAML file) of a CREATE POLICY statement."""
    table = f"{stmt.table.schemaname or 'public'}.{stmt.table.relname}"
    roles = [r.rolename if r.rolename else "public" for r in stmt.roles or ()] or ["public"]
    policy = {"name": stmt.policy_name, "command": stmt.cmd_name, "roles": roles}
    if not stmt.permissive:
        policy["permissive"] = False
    if stmt.qual is not None:
        policy["using"] = _print(stmt.qual)
    if stmt.with_check is not None:
        policy["with_check"] = _print(stmt.with_check)
    return table, policy


def _policy_sql(table: str, policy: dict) -> str:
    roles = ", ".join("PUBLIC" if r == "public" else quote_ident(r) for r in policy.get("roles") or ["public"])
    text = f"CREATE POLICY {quote_ident(policy['name'])} ON {table}"
    if policy.get("permissive") is False:
        text += " AS RESTRICTIVE"
    text += f" FOR {policy.get('command', 'all').upper()} TO {roles}"
    if policy.get("using"):
        text += f" USING ({policy['using']})"
    if policy.get("with_check"):
        text += f" WITH CHECK ({policy['with_check']})"
    return text


def _sql_policy_mutants(files: dict[str, str], project: str) -> list[Mutant]:
    """The same operators on `CREATE POLICY` and `ALTER TABLE ... ENABLE ROW LEVEL SECURITY`
    statements of declarative SQL files (`schema/`); each mutant rewrites one statement."""
    sql = sorted(r for r in files if r.startswith("schema/") and r.endswith(".sql"))
    grants, callers = _sql_grants(files), _callers(files)
    found = []  # (rel, start, end, table, policy)
    rls = []  # (rel, start, end, table)
    for rel in sql:
        for stmt, start, end in _statements(files[rel]):
            if isinstance(stmt, ast.CreatePolicyStmt):
                found.append((rel, start, end, *_sql_policy(stmt)))
            elif isinstance(stmt, ast.AlterTableStmt) and any(
                    c.subtype == AlterTableType.AT_EnableRowSecurity for c in stmt.cmds):
                rls.append((rel, start, end, f"{stmt.relation.schemaname or 'public'}.{stmt.relation.relname}"))

    def rewrite(rel, start, end, new):
        text = files[rel]
        return {rel: text[:start] + new + text[end:]}

    out = []
    for rel, start, end, table in rls:
        out.append(Mutant("rls-off", f"{rel}:{table}", rewrite(rel, start, end, "-- (mutant: RLS left off)\n"),
                          project=project, equivalent=None if _opened(grants.get(table, {}), ["public"], ALL_COMMANDS)
                          else "only service_role (which bypasses RLS) holds privileges on the table"))
    for rel, start, end, table, policy in found:
        policies = [p for _, _, _, t, p in found if t == table]
        i = policies.index(policy)
        for op, suffix, changed, harmless, equivalent in _policy_variants(policies, i, grants.get(table, {}), callers):
            out.append(Mutant(op, f"{rel}:{table}:{policy['name']}{suffix}",
                              rewrite(rel, start, end, _policy_sql(table, changed)),
                              harmless, equivalent, project=project))
    return out


def _view_mutants(files: dict[str, str], project: str) -> list[Mutant]:
    out = []
    line = "-- security_invoker: true\n"
    for rel in sorted(r for r in files if r.startswith("views/") and r.endswith(".sql")):
        if line in files[rel]:
            out.append(Mutant("strip-invoker", rel, {rel: files[rel].replace(line, "")}, project=project))
    return out


# helper bodies: (operator, function, old text, new text); each must occur exactly once in a
# file of `policies/` or `schema/` (the Roseram helpers, then the corpus projects')
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
    # tests/corpus/default_grants
    ("widen-helper", "owns_notebook", "WHERE id = nid AND owner_id = auth.uid()", "WHERE id = nid"),
]


def _helper_mutants(files: dict[str, str], project: str) -> list[Mutant]:
    out = []
    for rel in sorted(r for r in files if r.startswith(("policies/", "schema/")) and r.endswith(".sql")):
        text = files[rel]
        for op, where, old, new in HELPER_EDITS:
            if text.count(old) != 1:
                continue
            changed = text.replace(old, new)
            for stmt in pglast.parse_sql(changed):  # the file must still parse, every SQL body too
                for opt in getattr(stmt.stmt, "options", None) or ():
                    if getattr(opt, "defname", None) == "as":
                        pglast.parse_sql(opt.arg[0].sval)
            out.append(Mutant(op, f"{rel}:{where}", {rel: changed}, project=project))
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
    "lower-rank policies/public/organizations.yaml:update_admin:with_check admin":
        "as dropping the admin test: the new row can only be the same organization, on which "
        "USING already requires admin (the full run of 2026-12-06 found it the one survivor)",
    "widen-command policies/public/ai_generations.yaml:insert_editor":
        "FOR ALL opens only SELECT (the granted one): a row it passes has site_id or page_id, "
        "and the caller is an editor of that tenant, so a member: the SELECT policy's rows",
    "lower-helper-rank policies/public/membership.sql:org_role_rank admin":
        "no policy, view or helper asks for rank 'owner', so an admin counted 5 instead of 4 "
        "passes exactly the same org_role_at_least calls",
    # tests/corpus/default_grants: the notes policy's subquery reads notebooks under their own
    # SELECT policy (is_public OR owner_id = auth.uid()), which already bounds it
    "eq-to-ne schema/app.sql:public.notes:read notes of readable notebooks:using #2":
        "the subquery sees only public or own notebooks (notebooks' SELECT policy applies in "
        "it): `n.is_public OR n.owner_id <> uid` then leaves the public ones, a subset of what "
        "the unmutated policy and the FOR ALL policy already give",
    "eq-to-not-null schema/app.sql:public.notes:read notes of readable notebooks:using #2":
        "as above: `n.is_public OR n.owner_id IS NOT NULL` over the public or own notebooks the "
        "subquery sees is all of them, the same rows as the unmutated policy",
}

# Non-equivalent mutants no probe kills (name part -> the probe that is missing). None: the
# last ones (author on UPDATE, an either-side row attached to a stranger tenant, a move onto a
# user without a row, a NULL membership role; in the corpus, rows under a public parent) have
# their probes now (docs/verify.md, "Mutation score").
KNOWN_SURVIVORS: dict[str, str] = {}

# Former survivors, each of a class a probe was added for: the suite's sample always runs them.
PINNED = (
    "drop-conjunct policies/public/code_generations.yaml:update_project_owner:with_check #2",
    "drop-conjunct policies/public/deployments.yaml:update_project_owner:with_check #2",
    "eq-to-not-null policies/public/user_settings.yaml:update_own:with_check #1",
    "lower-helper-rank policies/public/membership.sql:org_role default",
)


def _reviewed(m: Mutant) -> Mutant:
    for prefix, why in REVIEWED_EQUIVALENT.items():
        if m.name.startswith(prefix):
            m.equivalent = f"reviewed: {why}"
    return m


def known_survivor(m: Mutant) -> str | None:
    return next((why for key, why in KNOWN_SURVIVORS.items() if key in m.name), None)


def mutants(project: str = "roseram") -> list[Mutant]:
    """Every mutant of the project, in a fixed order."""
    files = project_files(project)
    return [_reviewed(m) for m in
            _yaml_policy_mutants(files, project) + _sql_policy_mutants(files, project)
            + _view_mutants(files, project) + _helper_mutants(files, project)]


def sample(all_mutants: list[Mutant], per_op: int, seed: int, per_harmless: int = 0,
           pinned: tuple[str, ...] = ()) -> list[Mutant]:
    """Up to `per_op` mutants of each weakening operator (`per_harmless` of each harmless one,
    default the same), not equivalent, chosen by a generator seeded with `seed`; the mutants
    whose name starts with one of `pinned` take their operator's first places."""
    rng = random.Random(seed)
    out = []
    for op in WEAKENINGS + HARMLESS:
        group = [m for m in all_mutants if m.op == op and not m.equivalent]
        n = (per_harmless or per_op) if op in HARMLESS else per_op
        fixed = [m for m in group if m.name.startswith(pinned)][:n] if pinned else []
        rest = [m for m in group if m not in fixed]
        out += sorted(fixed + rng.sample(rest, min(n - len(fixed), len(rest))), key=all_mutants.index)
    return out


# ---------------------------------------------------------------- running

def failing_cells(data: dict) -> list[str]:
    return [f"{t['name']} {cmd} {persona}: {' | '.join(cell.get('details') or [])[:160]}"
            for t in data.get("tables", []) + data.get("views", []) if isinstance(t, dict)
            for persona, cmds in (t.get("cells") or {}).items()
            for cmd, cell in cmds.items() if cell["verdict"] in ("LEAK", "BLOCKED", "ERROR")]


def run_one(mutant: Mutant, dev_db: str) -> Mutant:
    from roseram_schema.cli.commands.verify import run_verify

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project({**project_files(mutant.project), **mutant.files}, Path(tmp) / "p")
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


def _run_in_child(args: tuple[Mutant, str]) -> Mutant:
    return run_one(*args)


def run_each(chosen: list[Mutant], dev_db: str, workers: int = 2):
    """Yield each mutant once run_one has run it, in order, `workers` at a time (each in a
    process of its own: verify prints, and each run has its own scratch database)."""
    if workers <= 1 or len(chosen) <= 1:
        for m in chosen:
            yield run_one(m, dev_db)
        return
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        for m, done in zip(chosen, pool.map(_run_in_child, [(m, dev_db) for m in chosen])):
            m.outcome, m.detail, m.seconds = done.outcome, done.detail, done.seconds
            yield m


def run_all(chosen: list[Mutant], dev_db: str, workers: int = 2) -> list[Mutant]:
    """run_each, to the end; the mutants with their outcomes."""
    return list(run_each(chosen, dev_db, workers))


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
    parser.add_argument("--project", default="roseram", choices=("roseram", *CORPUS_PROJECTS))
    parser.add_argument("--workers", type=int, default=2, help="verify runs at a time")
    args = parser.parse_args()
    everything = mutants(args.project)
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
    for m in run_each(chosen, args.dev_db, args.workers):
        results.append(m)
        tag = ("harmless-" if m.harmless else "") + m.outcome
        print(f"{tag:17} {m.seconds:5.1f}s {m.name}: {m.detail}", flush=True)
        if args.jsonl:
            with open(args.jsonl, "a") as fh:
                fh.write(json.dumps({"project": m.project, "op": m.op, "where": m.where, "harmless": m.harmless,
                                     "outcome": m.outcome, "detail": m.detail,
                                     "seconds": round(m.seconds, 2)}) + "\n")
    print(table(results, equivalents if not args.sample else []))


if __name__ == "__main__":
    main()
    sys.exit(0)
