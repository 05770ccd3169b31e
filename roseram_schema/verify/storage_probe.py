"""Storage: the policies on `storage.objects` and the bucket contracts
(`personas.storage.buckets`, docs/verify.md "Storage").

In a database that has Supabase Storage's tables, one object is seeded per user persona
(`<user id>/...`, owned by that user) and per tenant (`<tenant id>/...`) in every bucket that
has a contract; then every persona reads the bucket, uploads into every folder, updates and
deletes every object, each in a subtransaction that is rolled back, and each outcome is
judged against the bucket's contract: `own` is an object in the persona's folder, `tenant`
and the ranks an object in its tenant's folder.
"""

from __future__ import annotations

import uuid

import psycopg

from ..lint.findings import Finding
from ..lint.storage import storage_write_unowned
from ..model import Policy, quote_ident, quote_literal
from .categories import allowed
from .runner import run_as
from .seed import Row, World

_POLICIES = """
SELECT p.polname, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r) END
             FROM unnest(p.polroles) r ORDER BY 1),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p WHERE p.polrelid = to_regclass('storage.objects')
ORDER BY p.polname
"""
_CMD = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}
NAMESPACE = uuid.UUID("6f1c8a4e-0b7e-4d8e-9a51-3c2b7d0e5a11")


# What the Storage API's tables look like, for a scratch database built from a live one's
# schema: the platform's storage schema is never part of a catalog, so verify --db copies the
# live policies of storage.objects onto these tables (install_storage).
STORAGE_STANDIN = """
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
CREATE TABLE IF NOT EXISTS storage.buckets (
  id text PRIMARY KEY, name text NOT NULL, owner uuid, owner_id text,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false, file_size_limit bigint, allowed_mime_types text[]);
CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bucket_id text REFERENCES storage.buckets (id),
  name text, owner uuid, owner_id text, created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(), last_accessed_at timestamptz DEFAULT now(), metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED, version text,
  user_metadata jsonb);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
GRANT ALL ON storage.buckets, storage.objects TO anon, authenticated, service_role;
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[1:cardinality(string_to_array(name, '/')) - 1] $$;
CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[cardinality(string_to_array(name, '/'))] $$;
CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT split_part(storage.filename(name), '.', 2) $$;
GRANT EXECUTE ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text)
  TO anon, authenticated, service_role;
"""


def policy_sql(p: Policy) -> str:
    """CREATE POLICY for a policy read from storage.objects."""
    roles = ", ".join("PUBLIC" if r == "public" else quote_ident(r) for r in p.roles)
    return (f"CREATE POLICY {quote_ident(p.name)} ON storage.objects AS "
            f"{'PERMISSIVE' if p.permissive else 'RESTRICTIVE'} FOR {p.command.upper()} TO {roles}"
            + (f" USING ({p.using})" if p.using is not None else "")
            + (f" WITH CHECK ({p.with_check})" if p.with_check is not None else ""))


def install_storage(conn, policies: list[Policy]) -> list[Finding]:
    """The storage tables and the live database's storage.objects policies, in the scratch
    database; a policy that cannot be created there (a role or function it names is missing)
    is named in an error finding, never dropped in silence."""
    findings = []
    with conn.transaction():
        conn.execute(STORAGE_STANDIN)
    for p in policies:
        try:
            with conn.transaction():
                conn.execute(policy_sql(p))
        except psycopg.Error as exc:
            findings.append(Finding(f"storage.objects policy {p.name!r}", "storage-not-checked", "error",
                                    f"the policy could not be copied into the scratch database, so the "
                                    f"bucket contracts were checked without it: {str(exc).strip()}",
                                    "create the roles and functions it names in the project"))
    return findings


def has_storage(conn) -> bool:
    """Whether the database has Supabase Storage's objects and buckets tables."""
    return conn.execute("SELECT to_regclass('storage.objects') IS NOT NULL"
                        " AND to_regclass('storage.buckets') IS NOT NULL").fetchone()[0]


def read_storage_policies(conn) -> list[Policy]:
    """The policies on storage.objects (none when the table does not exist)."""
    return [Policy(name=name, command=_CMD[cmd], permissive=perm, roles=tuple(roles), using=using,
                   with_check=check)
            for name, cmd, perm, roles, using, check in conn.execute(_POLICIES)]


def _object_columns(conn) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = 'storage.objects'::regclass"
        " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''")}


def _tenant_ids(world: World) -> dict[str, str]:
    """Tenant label -> id of its seeded tenants row."""
    key = world.spec.tenancy.tenants
    if not key or key not in world.rows:
        return {}
    cols = world.ident_columns(key)
    return {row.tenant: row.raw.get(cols[0], "") for row in world.rows[key] if row.tenant and len(cols) == 1}


def _folders(world: World) -> list[tuple[str, str | None, str | None]]:
    """(folder, owner persona, tenant label) of every folder objects are seeded in."""
    out = [(uid, name, None) for name, uid in sorted(world.user_ids.items())]
    out += [(tid, None, label) for label, tid in sorted(_tenant_ids(world).items()) if tid]
    return out


def _row(bucket: str, name: str, owner, tenant) -> Row:
    label = owner or f"tenant {tenant}"
    return Row(table=f"storage bucket {bucket}", label=f"{label}'s file {name}", values={}, raw={"name": name},
               owner=owner, tenant=tenant, public=False)


def _insert(bucket, object_id, name, owner_id, columns) -> str:
    values = {"id": quote_literal(object_id), "bucket_id": quote_literal(bucket), "name": quote_literal(name)}
    if "owner" in columns:
        values["owner"] = f"{quote_literal(owner_id)}::uuid" if owner_id else "NULL"
    if "owner_id" in columns:
        values["owner_id"] = quote_literal(owner_id) if owner_id else "NULL"
    return (f"INSERT INTO storage.objects ({', '.join(values)}) VALUES ({', '.join(values.values())})")


def seed_objects(conn, world: World, buckets) -> dict[str, list[tuple[str, Row]]]:
    """The buckets (created when missing) and one object per folder in each; returns bucket ->
    [(object id, row)]."""
    columns = _object_columns(conn)
    out = {}
    with conn.transaction():
        for bucket in buckets:
            conn.execute("INSERT INTO storage.buckets (id, name) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING",
                         (bucket, bucket))
            seeded = []
            for folder, owner, tenant in _folders(world):
                name = f"{folder}/roseram-verify-{owner or 'tenant-' + tenant}.txt"
                object_id = str(uuid.uuid5(NAMESPACE, f"{bucket}/{name}"))
                owner_id = world.user_ids.get(owner) if owner else None
                conn.execute(_insert(bucket, object_id, name, owner_id, columns))
                seeded.append((object_id, _row(bucket, name, owner, tenant)))
            out[bucket] = seeded
    return out


def storage_findings(conn, world: World, spec, policies: list[Policy] | None = None) -> list[Finding]:
    """storage-write-unowned on the policies, then, when buckets have contracts, the probes:
    `storage-contract` (error) for each persona x bucket x command where an object outside the
    contract was reached (LEAK) or one inside it refused (BLOCKED).

    `policies` are a live database's storage.objects policies (verify --db), installed here
    with the storage tables when the database has none; without them and without storage
    tables, bucket contracts cannot be checked (an info finding says so)."""
    findings: list[Finding] = []
    # the platform stand-in has the storage tables in every scratch database: the source
    # holds storage policies when some are on them
    if not (has_storage(conn) and read_storage_policies(conn)):
        if policies is None:
            return [Finding(f"storage bucket {b}", "storage-not-checked", "info",
                            f"the contract of bucket {b} was not checked: the project's source holds no "
                            "storage policies", "run `verify --db URL` against the database that has them")
                    for b in sorted(spec.buckets)]
        findings += install_storage(conn, policies)
    findings += storage_write_unowned(read_storage_policies(conn), world.catalog.functions)
    if not spec.buckets:
        return findings
    columns = _object_columns(conn)
    seeded = seed_objects(conn, world, sorted(spec.buckets))
    for bucket, contract in sorted(spec.buckets.items()):
        objects = seeded[bucket]
        for persona in spec.personas:
            uid = world.user_ids.get(persona.name)
            attempts: list[tuple[str, str, Row | None]] = [
                ("select", "SELECT coalesce(string_agg(name, '|' ORDER BY name), '') FROM storage.objects"
                           f" WHERE bucket_id = {quote_literal(bucket)}", None)]
            for folder, owner, tenant in _folders(world):
                name = f"{folder}/roseram-verify-new-by-{persona.name}.txt"
                attempts.append(("insert", _insert(bucket, str(uuid.uuid5(NAMESPACE, f"{bucket}/{name}")),
                                                   name, uid, columns), _row(bucket, name, owner, tenant)))
            for object_id, row in objects:
                attempts.append(("update", "UPDATE storage.objects SET metadata = metadata WHERE id = "
                                           f"{quote_literal(object_id)}", row))
                attempts.append(("delete", f"DELETE FROM storage.objects WHERE id = {quote_literal(object_id)}",
                                 row))
            outcomes = run_as(conn, persona, uid, [sql for _, sql, _ in attempts])
            verdicts: dict[str, dict[str, list[str]]] = {}
            for (command, _, row), outcome in zip(attempts, outcomes):
                if command == "select":
                    seen = set((outcome.value or "").split("|")) if outcome.ok else set()
                    judged = [(r, r.raw["name"] in seen) for _, r in objects]
                elif command == "insert":
                    judged = [(row, outcome.ok or outcome.passed_policy)]
                else:
                    judged = [(row, outcome.ok and bool(outcome.count))]
                for r, reached in judged:
                    expected = allowed(contract, command, persona, r, spec.tenancy)
                    if reached != expected:
                        verdicts.setdefault(command, {}).setdefault("LEAK" if reached else "BLOCKED",
                                                                    []).append(r.label)
            for command, by_verdict in sorted(verdicts.items()):
                for verdict, labels in sorted(by_verdict.items()):
                    what = "reached" if verdict == "LEAK" else "was refused"
                    findings.append(Finding(
                        f"storage bucket {bucket}", "storage-contract", "error",
                        f"{verdict}: {persona.name} {what} {command} on {', '.join(sorted(labels))} "
                        f"(contract of bucket {bucket}: {_contract_text(contract, command)})",
                        "tie the storage.objects policy for this bucket to the owner or folder the "
                        "contract names" if verdict == "LEAK" else
                        "add a storage.objects policy for this bucket and command"))
    return findings


def _contract_text(contract, command) -> str:
    clauses = contract.clauses(command)
    return " or ".join(" & ".join(sorted(c)) for c in clauses) if clauses else "nobody"
