"""Generate realistic roseram-schema projects of N tables, for the benchmarks.

For each size N it writes, under OUT/n<N>/:
  base/     the project: schema/, policies/ (with access contracts), views/, project.yaml
  changed/  the same project after a realistic pull request: columns added, policy
            expressions changed, indexes added, checks dropped, defaults altered, views changed
  edited/   the base with exactly one object edited (one column added to one table)
  base.sql, changed.sql, edited.sql   plain SQL for the peers (`roseram-schema compile`)
  manifest.json   object counts and the list of changes, for the report

Everything is derived from a seeded random.Random, so the same sizes and seed always give
byte-identical files. Usage:

    python bench/generate.py [--sizes 30,300,1000,3000] [--seed 7] [--out bench/.work/projects]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / ".work" / "projects"

NOUNS = (
    "accounts", "projects", "invoices", "tasks", "comments", "documents", "events", "orders",
    "products", "tickets", "messages", "files", "teams", "reviews", "payments", "subscriptions",
    "notes", "boards", "labels", "contacts", "campaigns", "shipments", "reports", "devices",
    "sessions", "uploads", "webhooks", "forms", "surveys", "answers", "bookings", "courses",
)
REF_NOUNS = ("countries", "currencies", "categories", "plans", "tags", "statuses", "regions", "units")
STATUSES = (("draft", "active", "archived"), ("open", "pending", "closed"),
            ("new", "paid", "void", "refunded"), ("queued", "running", "done", "failed"))


@dataclass
class Column:
    """One column as written in the source: type, nullability, default (SQL text)."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None


@dataclass
class Policy:
    """One RLS policy; `using`/`with_check` are SQL expressions."""

    name: str
    command: str
    roles: list[str]
    using: str | None = None
    with_check: str | None = None


@dataclass
class Table:
    """One generated table and its policies, in source-format terms."""

    name: str
    kind: str  # "owned" (rows belong to a user) or "ref" (public lookup data)
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    uniques: list[list[str]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    foreign_keys: list[dict] = field(default_factory=list)
    indexes: list[dict] = field(default_factory=list)
    grants: dict[str, object] = field(default_factory=dict)
    policies: list[Policy] = field(default_factory=list)
    contract: dict[str, object] = field(default_factory=dict)
    parent: str | None = None
    trigger: bool = False


@dataclass
class View:
    """One security_invoker view over a parent table and a child table."""

    name: str
    parent: str
    child: str
    fk_column: str
    filter: str | None = None
    extra: bool = False


@dataclass
class Schema:
    """A whole generated project."""

    tables: list[Table]
    views: list[View]


OWN = "user_id = (select auth.uid())"


def _payload_columns(rng: random.Random, table: Table) -> None:
    """Add 3-10 business columns of varied types, with the checks and defaults they imply."""
    pool = ["title", "status", "amount", "quantity", "is_archived", "metadata", "due_on",
            "description", "slug", "score", "tags", "priority", "email", "starts_at", "currency"]
    chosen = sorted(rng.sample(pool, rng.randint(3, 10)), key=pool.index)
    for name in chosen:
        if name == "title":
            table.columns.append(Column("title", "text", nullable=False))
            table.checks.append("length(title) > 0")
        elif name == "status":
            values = rng.choice(STATUSES)
            table.columns.append(Column("status", "varchar(20)", nullable=False, default=f"'{values[0]}'"))
            table.checks.append("status IN (" + ", ".join(f"'{v}'" for v in values) + ")")
        elif name == "amount":
            table.columns.append(Column("amount", "numeric(12,2)", nullable=False, default="0"))
            table.checks.append("amount >= 0")
        elif name == "quantity":
            table.columns.append(Column("quantity", "integer", nullable=False, default="1"))
            table.checks.append("quantity > 0")
        elif name == "is_archived":
            table.columns.append(Column("is_archived", "boolean", nullable=False, default="false"))
        elif name == "metadata":
            table.columns.append(Column("metadata", "jsonb", nullable=False, default="'{}'::jsonb"))
        elif name == "due_on":
            table.columns.append(Column("due_on", "date"))
        elif name == "description":
            table.columns.append(Column("description", "text"))
        elif name == "slug":
            table.columns.append(Column("slug", "varchar(120)", nullable=False))
            table.uniques.append(["user_id", "slug"])
        elif name == "score":
            table.columns.append(Column("score", "double precision"))
        elif name == "tags":
            table.columns.append(Column("tags", "text[]", nullable=False, default="'{}'::text[]"))
        elif name == "priority":
            table.columns.append(Column("priority", "smallint", nullable=False, default="0"))
            table.checks.append("priority BETWEEN 0 AND 5")
        elif name == "email":
            table.columns.append(Column("email", "varchar(255)"))
            table.checks.append("email IS NULL OR position('@' in email) > 1")
        elif name == "starts_at":
            table.columns.append(Column("starts_at", "timestamptz"))
        elif name == "currency":
            table.columns.append(Column("currency", "char(3)", nullable=False, default="'EUR'"))


def _ref_table(rng: random.Random, name: str) -> Table:
    t = Table(name=name, kind="ref")
    t.columns = [
        Column("id", "bigint", nullable=False),  # identity, see _table_yaml
        Column("code", "varchar(32)", nullable=False),
        Column("label", "text", nullable=False),
        Column("sort_order", "integer", nullable=False, default="0"),
        Column("is_active", "boolean", nullable=False, default="true"),
    ]
    t.primary_key = ["id"]
    t.uniques = [["code"]]
    t.checks = ["sort_order >= 0", "length(code) BETWEEN 1 AND 32"]
    t.grants = {"anon": ["select"], "authenticated": ["select"], "service_role": "all"}
    t.policies = [Policy("read active", "select", ["anon", "authenticated"], using="is_active")]
    t.contract = {"public": "is_active", "select": "public"}
    if rng.random() < 0.5:
        t.indexes.append({"columns": ["sort_order"], "where": "is_active"})
    return t


def _owned_table(rng: random.Random, name: str, owned: list[Table], refs: list[Table]) -> Table:
    t = Table(name=name, kind="owned")
    t.columns = [Column("id", "uuid", nullable=False, default="gen_random_uuid()"),
                 Column("user_id", "uuid", nullable=False)]
    t.primary_key = ["id"]
    t.foreign_keys.append({"columns": ["user_id"], "references": "auth.users(id)", "on_delete": "cascade"})
    if owned and rng.random() < 0.6:
        parent = rng.choice(owned[-40:])  # near neighbours: realistic clusters of tables
        col = f"{parent.name}_id"
        t.parent = parent.name
        t.columns.append(Column(col, "uuid", nullable=rng.random() < 0.3))
        t.foreign_keys.append({"columns": [col], "references": f"{parent.name}(id)",
                               "on_delete": rng.choice(["cascade", "cascade", "set null"])
                               if next(c for c in t.columns if c.name == col).nullable else "cascade"})
    if refs and rng.random() < 0.3:
        ref = rng.choice(refs)
        col = f"{ref.name}_id"
        t.columns.append(Column(col, "bigint"))
        t.foreign_keys.append({"columns": [col], "references": f"{ref.name}(id)"})
    _payload_columns(rng, t)
    t.columns.append(Column("created_at", "timestamptz", nullable=False, default="now()"))
    t.columns.append(Column("updated_at", "timestamptz", nullable=False, default="now()"))
    t.trigger = rng.random() < 0.3
    # an index per foreign key (PostgreSQL does not create them), plus a few others
    for fk in t.foreign_keys:
        t.indexes.append({"columns": list(fk["columns"])})
    names = {c.name for c in t.columns}
    extra = rng.random()
    if extra < 0.25:
        t.indexes.append({"columns": ["created_at DESC"]})
    elif extra < 0.4 and "status" in names:
        t.indexes.append({"columns": ["status"], "where": "status <> 'archived'"})
    elif extra < 0.5 and "metadata" in names:
        t.indexes.append({"columns": ["metadata"], "method": "gin"})
    elif extra < 0.6 and "title" in names:
        t.indexes.append({"columns": ["lower(title)"]})
    t.grants = {"authenticated": ["select", "insert", "update", "delete"], "service_role": "all"}
    if rng.random() < 0.5:
        t.policies = [Policy("owner full access", "all", ["authenticated"], using=OWN, with_check=OWN)]
    else:
        t.policies = [
            Policy("select own", "select", ["authenticated"], using=OWN),
            Policy("insert own", "insert", ["authenticated"], with_check=OWN),
            Policy("update own", "update", ["authenticated"], using=OWN, with_check=OWN),
            Policy("delete own", "delete", ["authenticated"], using=OWN),
        ]
    t.contract = {"owner": "user_id", "select": "own", "insert": "own", "update": "own",
                  "delete": "own"}
    return t


def build_schema(n: int, seed: int) -> Schema:
    """The base schema of `n` tables (about 1 in 10 a public lookup table) and its views."""
    rng = random.Random(f"roseram-bench-{seed}-{n}")
    tables: list[Table] = []
    owned: list[Table] = []
    refs: list[Table] = []
    n_refs = max(2, n // 10)
    for i in range(n):
        if i < n_refs and (i % 3 == 0 or i < 2):
            t = _ref_table(rng, f"{REF_NOUNS[i % len(REF_NOUNS)]}_{i:04d}")
            refs.append(t)
        else:
            t = _owned_table(rng, f"{NOUNS[i % len(NOUNS)]}_{i:04d}", owned, refs)
            owned.append(t)
        tables.append(t)
    by_name = {t.name: t for t in tables}
    children = [t for t in owned if t.parent]
    views: list[View] = []
    for child in rng.sample(children, min(len(children), max(2, n // 15))):
        parent = by_name[child.parent]
        views.append(View(name=f"{parent.name}_with_{child.name.split('_')[0]}_v{len(views):03d}",
                          parent=parent.name, child=child.name, fk_column=f"{parent.name}_id"))
    views.sort(key=lambda v: v.name)
    return Schema(tables=tables, views=views)


# -- changes -----------------------------------------------------------------------------


def change_schema(schema: Schema, n: int, seed: int) -> list[str]:
    """Apply a realistic pull request in place; returns a description of each change.

    About 1% of the tables per kind of change (at least one): add a column, change a policy
    expression, add an index, drop a check, alter a default; and 1 in 10 views changed.
    """
    rng = random.Random(f"roseram-bench-change-{seed}-{n}")
    k = max(1, n // 100)
    owned = [t for t in schema.tables if t.kind == "owned"]
    done: list[str] = []
    for t in rng.sample(owned, k):
        t.columns.insert(-2, Column("archived_reason", "text"))
        done.append(f"add column {t.name}.archived_reason")
    for t in rng.sample(owned, k):
        p = t.policies[0]
        p.using = f"{OWN} AND created_at > '2000-01-01'::timestamptz"
        done.append(f"change policy expression {t.name}.{p.name!r}")
    for t in rng.sample(owned, k):
        t.indexes.append({"columns": ["user_id", "created_at DESC"]})
        done.append(f"add index {t.name}(user_id, created_at DESC)")
    with_checks = [t for t in owned if t.checks]
    for t in rng.sample(with_checks, min(k, len(with_checks))):
        dropped = t.checks.pop(0)
        done.append(f"drop check {t.name}: {dropped}")
    with_defaults = [t for t in owned if any(c.default in ("0", "1", "false") for c in t.columns)]
    for t in rng.sample(with_defaults, min(k, len(with_defaults))):
        c = next(c for c in t.columns if c.default in ("0", "1", "false"))
        c.default = {"0": "1", "1": "2", "false": "true"}[c.default]
        done.append(f"alter default {t.name}.{c.name} -> {c.default}")
    for v in rng.sample(schema.views, max(1, len(schema.views) // 10)):
        v.filter = "c.created_at > '2000-01-01'::timestamptz"
        v.extra = True
        done.append(f"change view {v.name}")
    return sorted(done)


def edit_one_object(project: Path, run: int) -> str:
    """Edit exactly one object of a written project in place: add a column to one table,
    a different table for each `run`. Returns what was edited."""
    files = sorted((project / "schema" / "public").glob("*.yaml"))
    owned = [f for f in files if "user_id:" in f.read_text()]
    target = owned[(run * 7919 + 13) % len(owned)]
    text = target.read_text()
    marker = "  created_at:"
    text = text.replace(marker, f"  edit_{run:03d}: {{type: text}}\n{marker}", 1)
    target.write_text(text)
    return f"add column {target.stem}.edit_{run:03d}"


# What `change_roseram` does to a copy of the Roseram project: (file, text found, text
# put instead). One of each kind a day's work brings: a column, an index, a policy.
ROSERAM_CHANGE = [
    ("schema/public/projects.yaml", "  published_at:      {type: timestamptz}\n",
     "  published_at:      {type: timestamptz}\n  archived_at:       {type: timestamptz}\n"),
    ("schema/public/projects.yaml", "  - [user_id]\n", "  - [user_id]\n  - [archived_at]\n"),
    ("policies/public/projects.yaml",
     "  - name: delete_own\n    command: delete\n    roles: [authenticated]\n    using: user_id = (select auth.uid())\n",
     "  - name: delete_own\n    command: delete\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid()) AND status <> 'deleted'\n"),
]


def change_roseram(project: Path) -> list[str]:
    """Apply ROSERAM_CHANGE to a copy of the Roseram project in place; fails loudly when the
    project no longer contains the text a change expects (the benchmark would otherwise
    time an unchanged source)."""
    done = []
    for rel, old, new in ROSERAM_CHANGE:
        f = project / rel
        text = f.read_text()
        if old not in text:
            raise ValueError(f"{f}: the text to change is gone: {old!r}")
        f.write_text(text.replace(old, new, 1))
        done.append(f"{rel}: {new.strip().splitlines()[-1].strip()}")
    return done


# -- writing the source format -------------------------------------------------------------


def _q(value: object) -> str:
    """A YAML scalar: JSON quoting is valid YAML and never ambiguous."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _flow(mapping: dict) -> str:
    parts = []
    for key, value in mapping.items():
        if isinstance(value, list):
            value = "[" + ", ".join(_q(v) for v in value) + "]"
        else:
            value = _q(value)
        parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


def _table_yaml(t: Table) -> str:
    out = []
    if t.kind == "ref":
        out.append("comment: Public lookup data, readable by everyone while active.")
    out.append("columns:")
    for c in t.columns:
        spec: dict[str, object] = {"type": c.type}
        if not c.nullable:
            spec["nullable"] = False
        if c.default is not None:
            spec["default"] = c.default
        if t.kind == "ref" and c.name == "id":
            spec["identity"] = "always"
        out.append(f"  {c.name}: {_flow(spec)}")
    out.append("primary_key: [" + ", ".join(t.primary_key) + "]")
    if t.uniques:
        out.append("unique:")
        out += ["  - [" + ", ".join(u) + "]" for u in t.uniques]
    if t.checks:
        out.append("checks:")
        out += [f"  - {_q(c)}" for c in t.checks]
    if t.foreign_keys:
        out.append("foreign_keys:")
        out += [f"  - {_flow(fk)}" for fk in t.foreign_keys]
    if t.indexes:
        out.append("indexes:")
        out += [f"  - {_flow(ix)}" for ix in t.indexes]
    out.append("grants:")
    for role, privs in t.grants.items():
        out.append(f"  {role}: " + (privs if isinstance(privs, str) else "[" + ", ".join(privs) + "]"))
    return "\n".join(out) + "\n"


def _policies_yaml(t: Table) -> str:
    out = ["rls: enabled", "policies:"]
    for p in t.policies:
        out.append(f"  - name: {_q(p.name)}")
        out.append(f"    command: {p.command}")
        out.append("    roles: [" + ", ".join(p.roles) + "]")
        if p.using:
            out.append(f"    using: {_q(p.using)}")
        if p.with_check:
            out.append(f"    with_check: {_q(p.with_check)}")
    out.append(f"contract: {_flow(t.contract)}")
    return "\n".join(out) + "\n"


def _view_sql(v: View) -> str:
    lines = [
        "-- security_invoker: true",
        f"-- comment: Each {v.parent} row with a summary of its {v.child}.",
        "-- grants: {authenticated: [select], service_role: [select]}",
        "SELECT",
        "  p.id,",
        "  p.user_id,",
        "  count(c.id) AS child_count,",
        "  max(c.created_at) AS last_child_at" + ("," if v.extra else ""),
    ]
    if v.extra:
        lines.append("  min(c.created_at) AS first_child_at")
    lines += [f"FROM public.{v.parent} p",
              f"LEFT JOIN public.{v.child} c ON c.{v.fk_column} = p.id" + (f" AND {v.filter}" if v.filter else ""),
              "GROUP BY p.id, p.user_id"]
    return "\n".join(lines) + "\n"


def _triggers_sql(tables: list[Table]) -> str:
    out = [
        "-- updated_at is kept current by one trigger function.",
        "",
        "CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger",
        "LANGUAGE plpgsql",
        "SET search_path = ''",
        "AS $$",
        "BEGIN",
        "  NEW.updated_at := pg_catalog.now();",
        "  RETURN NEW;",
        "END",
        "$$;",
        "",
    ]
    for t in tables:
        if t.trigger:
            out += [f"CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.{t.name}",
                    "  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();", ""]
    return "\n".join(out)


PERSONAS = """personas:
  anon:     {role: anon}
  alice:    {role: authenticated}
  bob:      {role: authenticated}
  service:  {role: service_role}
"""


def write_project(schema: Schema, root: Path) -> None:
    """Write `schema` as a project folder (replacing whatever was there)."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "schema" / "public").mkdir(parents=True)
    (root / "policies" / "public").mkdir(parents=True)
    (root / "views" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text(
        "# Generated by bench/generate.py: a synthetic multi-user app.\n"
        "schemas:\n  - public\nroles:\n  - anon\n  - authenticated\n"
        "  - {name: service_role, bypassrls: true}\n" + PERSONAS
    )
    for t in schema.tables:
        (root / "schema" / "public" / f"{t.name}.yaml").write_text(_table_yaml(t))
        (root / "policies" / "public" / f"{t.name}.yaml").write_text(_policies_yaml(t))
    (root / "schema" / "public" / "updated_at.sql").write_text(_triggers_sql(schema.tables))
    for v in schema.views:
        (root / "views" / "public" / f"{v.name}.sql").write_text(_view_sql(v))


def compile_sql(project: Path, out: Path, cli: str = "roseram-schema") -> str | None:
    """Write the project's plain SQL with `roseram-schema compile`; None when it worked,
    else the error text (the compile command may not be there yet)."""
    proc = subprocess.run([cli, "compile", "--project", str(project), "--out", str(out)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        out.unlink(missing_ok=True)
        return (proc.stderr or proc.stdout).strip()[-2000:]
    return None


def counts(schema: Schema) -> dict[str, int]:
    """Object counts of a generated schema, for the report."""
    ts = schema.tables
    return {
        "tables": len(ts),
        "columns": sum(len(t.columns) for t in ts),
        "foreign_keys": sum(len(t.foreign_keys) for t in ts),
        "foreign_keys_to_auth_users": sum(1 for t in ts for fk in t.foreign_keys
                                          if fk["references"].startswith("auth.")),
        "indexes": sum(len(t.indexes) for t in ts),
        "checks": sum(len(t.checks) for t in ts),
        "policies": sum(len(t.policies) for t in ts),
        "views": len(schema.views),
        "triggers": sum(t.trigger for t in ts),
    }


def generate(n: int, seed: int, out: Path, *, compile_cli: str | None = "roseram-schema") -> dict:
    """Write base/, changed/ and edited/ (and their SQL) for `n` tables under out/n<n>/."""
    target = out / f"n{n}"
    target.mkdir(parents=True, exist_ok=True)
    base = build_schema(n, seed)
    write_project(base, target / "base")
    write_project(base, target / "edited")
    edit = edit_one_object(target / "edited", 0)
    changed = build_schema(n, seed)
    changes = change_schema(changed, n, seed)
    write_project(changed, target / "changed")
    manifest = {"size": n, "seed": seed, "counts": counts(base), "changes": changes,
                "one_object_edit": edit, "compile_errors": {}}
    if compile_cli:
        for variant in ("base", "changed", "edited"):
            err = compile_sql(target / variant, target / f"{variant}.sql", compile_cli)
            if err:
                manifest["compile_errors"][variant] = err
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the requested sizes."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,300,1000,3000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-compile", action="store_true", help="Do not write the .sql files.")
    args = ap.parse_args(argv)
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        m = generate(n, args.seed, args.out, compile_cli=None if args.no_compile else "roseram-schema")
        status = "compile failed: " + "; ".join(sorted(m["compile_errors"])) if m["compile_errors"] else "ok"
        print(f"n={n}: {m['counts']}, {len(m['changes'])} changes; {status}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
