"""`roseram-schema import`: a live database written out as the project a person would write.

The database is read with the same inspector plan and drift use (so the imported project
compares equal to the database it came from), turned into files by files.py, and checked
for what the model cannot hold (introspect/queries/unmanaged.sql): those objects are named on stderr, never
dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from ..errors import DatabaseError, RoseramError
from ..introspect import inspect_catalog
from ..introspect.unmanaged import read_unmanaged
from ..model import qualify
from ..model.sequences import column_sequences
from ..platform import is_platform_admin_role, is_platform_schema
from .files import project_files
from .grantmode import maintain_note, with_grants_mode


@dataclass(frozen=True)
class ImportResult:
    files: dict[str, str]  # relative path -> text
    unmanaged: tuple[tuple[str, str], ...]  # (kind, name), sorted
    counts: dict[str, int]  # objects imported per kind ("tables", "views", ...)


def read_database(db_url: str, schemas: list[str] | None = None):
    """(catalog, unmanaged objects) of the database at `db_url`; `schemas` None means
    every schema but system and platform ones."""
    for name in schemas or ():
        if is_platform_schema(name):
            raise RoseramError(f"--schema {name}: a platform schema is never managed, so never imported")
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            # idle, so the inspector reads in one snapshot
            catalog = inspect_catalog(conn, schemas or None)
            names = [s.name for s in catalog.schemas]
            missing = sorted(set(schemas or ()) - set(names))
            if missing:
                raise RoseramError(f"--schema {missing[0]}: the database has no such schema")
            rows = read_unmanaged(conn, names)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot read the database to import: {exc}") from exc
    return catalog, tuple(sorted(set(rows)))


def _partition_notes(catalog, defaults: dict[str, set[tuple[str, str]]]) -> list[tuple[str, str]]:
    """RLS switches and grants the source cannot say: FORCE without ENABLE, and what a
    partition has of its own (the source gives a partition its parent's switches and no
    grants, diff/tables.py)."""
    notes = []
    for t in catalog.platform_tables:
        # platform.sql writes the policy; COMMENT ON a platform table's policy is not read
        # from the source (source/sqlaccess.py knows declared tables only)
        notes += [("comment on a policy on a platform table", f"{p.name} on {t.qualified}")
                  for p in t.policies if p.comment is not None]
    for t in catalog.tables:
        if t.rls_forced and not t.rls_enabled:
            notes.append(("row level security forced but not enabled on", t.qualified))
        for p in t.partitions:
            if "." in p.name:
                continue  # in another schema: named by unmanaged.sql
            name = qualify(t.schema, p.name)
            if (p.rls_enabled, p.rls_forced) != (t.rls_enabled, t.rls_forced):
                notes.append(("row level security of a partition", f"{name} (not as on {t.qualified})"))
            # what the defaults give a partition is the source's too (grants: defaults)
            given = defaults.get(f"{t.schema}.{p.name}", set())
            for g in p.grants:
                extra = [priv for priv in g.privileges if (g.grantee, priv) not in given]
                if extra and not is_platform_admin_role(g.grantee):
                    notes.append(("grants on a partition", f"{', '.join(extra)} on {name} to {g.grantee}"))
            held = {(g.grantee, priv) for g in p.grants for priv in g.privileges}
            missing: dict[str, list[str]] = {}
            for grantee, priv in sorted(given - held):
                if not is_platform_admin_role(grantee):
                    missing.setdefault(grantee, []).append(priv)
            notes += [("grants revoked on a partition", f"{', '.join(privs)} on {name} from {grantee}")
                      for grantee, privs in missing.items()]
    return notes


def infer_contracts(db_url: str, dev_url: str) -> dict:
    """{"schema.table": (contract data, notes)}: what `verify --infer` prints for the
    database, per table (verify builds its schema in a scratch database on `dev_url`)."""
    # only `import --contract` runs verify: its modules are a third of a plain import's start-up
    from ..verify.infer import _clause_text, infer_command
    from ..verify.spec import COMMANDS
    from ..workflow.verify import verify_project

    report = verify_project(None, db_url, dev_url)
    out = {}
    for key in report.tables:
        clauses_by_command = {}
        notes = []
        for command in COMMANDS:
            clauses, missed = infer_command(report, key, command)
            if missed:
                notes.append(f"{command}: {missed} observed accesses fit no category")
            if clauses:
                texts = [_clause_text(c) for c in clauses]
                clauses_by_command[command] = texts[0] if len(texts) == 1 else texts
        out[key] = (clauses_by_command, notes)
    return out


def import_database(db_url: str, schemas: list[str] | None = None, *, dev_url: str | None = None,
                    contract: bool = False) -> ImportResult:
    """The files of the project the database at `db_url` is (contracts too with `contract`,
    which needs `dev_url`)."""
    catalog, unmanaged = read_database(db_url, schemas)
    mode = with_grants_mode(db_url, catalog)
    catalog = mode.catalog
    # a MAINTAIN the defaults give is the source's in defaults mode: not a gap
    given = {maintain_note(*held.split(" ", 1)) for held in mode.unsaid_defaults}
    unmanaged = tuple(sorted({*(u for u in unmanaged if u not in given), *mode.notes,
                              *_partition_notes(catalog, mode.partitions)}))
    contracts = infer_contracts(db_url, dev_url) if contract else None
    partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
    made_by_column = column_sequences(catalog)
    counts = {"tables": sum(t.key not in partitions for t in catalog.tables), "partitions": len(partitions),
              "views": len(catalog.views), "functions": len(catalog.functions),
              "triggers": len(catalog.triggers), "enums": len(catalog.enums),
              "policies": sum(len(t.policies) for t in catalog.tables),
              # the sequences serial and identity columns make are not counted: their column says them
              "domains": len(catalog.domains), "composite types": len(catalog.composite_types),
              "sequences": len(catalog.sequences) - len(made_by_column)}
    return ImportResult(files=project_files(catalog, contracts, made_by_column), unmanaged=unmanaged,
                        counts=counts)


def write_project(out: Path, files: dict[str, str]) -> None:
    """Write the files under `out` (UTF-8, `\\n` line ends)."""
    made: set[Path] = set()
    for rel, text in files.items():
        path = out / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))
