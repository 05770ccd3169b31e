"""`verify --emit-pgtap DIR`: the contract's expectations as pgTAP tests, one file per table.

Each file runs in one transaction that is rolled back: it seeds the same synthetic rows (as
the connecting superuser), defines a temporary probe function that runs one statement in a
subtransaction and says whether it was allowed, then asserts, persona by persona, what the
contract says each statement must do. Run with `pg_prove -d <db with the schema> DIR/*.sql`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import quote_ident, quote_literal
from ..model.sqltext import comment_line
from .adversary import insert_forgeries, pull_attempts, update_forgeries
from .categories import allowed
from .checker import Report
from .probes import insert_attempts, move_attempts, row_attempts
from .runner import claims_of
from .seed import seed_statements

PROBE_FUNCTION = """CREATE FUNCTION pg_temp.probe(stmt text, command text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  c bigint; v text; result text;
BEGIN
  BEGIN
    IF command = 'select' THEN
      EXECUTE stmt INTO v;
      result := coalesce(v, '');
    ELSE
      EXECUTE stmt;
      GET DIAGNOSTICS c = ROW_COUNT;
      result := CASE WHEN command = 'insert' OR c > 0 THEN 'allowed' ELSE 'denied' END;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'RSV01';
  EXCEPTION
    WHEN SQLSTATE 'RSV01' THEN NULL;
    WHEN insufficient_privilege THEN
      result := CASE WHEN command = 'select' THEN '' ELSE 'denied' END;  -- no rows, like RLS
    WHEN integrity_constraint_violation OR not_null_violation OR foreign_key_violation
         OR unique_violation OR check_violation THEN result := 'allowed';
    WHEN OTHERS THEN result := 'error ' || SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN result;
END
$fn$;"""


def _dollar(text: str) -> str:
    tag = "$q$"
    while tag in text:
        tag = tag.replace("q", "qq")
    return f"{tag}{text}{tag}"


def _sorted_select(world, table) -> str:
    cols = world.ident_columns(table.key)
    ident = "concat_ws('|', " + ", ".join(f'"{c}"::text' for c in cols) + ")"
    return (f"SELECT coalesce(string_agg(x, ',' ORDER BY x COLLATE \"C\"), '') FROM "
            f"(SELECT {ident} AS x FROM {table.qualified}) s")


def table_tests(report: Report, key: str) -> str:
    """The pgTAP file of one table."""
    world = report.world
    spec = world.spec
    table = world.catalog.table(key)
    contract = spec.contract(key)
    ten = spec.tenancy
    tests: list[str] = []
    for persona in spec.personas:
        user_id = world.user_ids.get(persona.name)
        claims = json.dumps(claims_of(persona, user_id), sort_keys=True)
        tests.append(f"-- as {comment_line(persona.name)}")
        tests.append("RESET ROLE;")
        tests.append(f"SET LOCAL ROLE {quote_ident(persona.role)};")
        tests.append(
            f"SELECT set_config('request.jwt.claims', {quote_literal(claims)}, true), "
            f"set_config('request.jwt.claim.sub', {quote_literal(user_id or '')}, true), "
            f"set_config('request.jwt.claim.role', {quote_literal(persona.role)}, true);"
        )
        cols = world.ident_columns(key)
        visible = sorted(
            "|".join(r.ident(cols)) for r in world.rows.get(key, [])
            if allowed(contract, "select", persona, r, ten)
        )
        tests.append(
            f"SELECT is(pg_temp.probe({_dollar(_sorted_select(world, table))}, 'select'), "
            f"{quote_literal(','.join(visible))}, {quote_literal(f'{persona.name} selects exactly the rows the contract allows')});"
        )
        attempts = (insert_attempts(world, persona, table) + row_attempts(world, table, "update")
                    + row_attempts(world, table, "delete"))
        for row in world.rows.get(key, []):
            attempts += move_attempts(world, persona, table, row)
        # the adversarial statements, asserted where they must fail (like moves)
        hostile = insert_forgeries(world, persona, table)
        for row in world.rows.get(key, []):
            if allowed(contract, "update", persona, row, ten):
                hostile += update_forgeries(world, persona, table, row)
            else:
                hostile += pull_attempts(world, persona, table, row)
        for a in attempts:
            command = "update" if a.command == "move" else a.command
            if a.command == "move":
                ok = allowed(contract, "update", persona, a.row, ten) and allowed(contract, "update", persona, a.new, ten)
                if ok:
                    continue  # like verify, a move is only asserted where it must fail
                what = f"move {a.row.label} to {a.new.label}"
            else:
                ok = allowed(contract, command, persona, a.row, ten)
                what = f"{command} {a.row.label}"
            verdict = "allowed" if ok else "denied"
            tests.append(
                f"SELECT is(pg_temp.probe({_dollar(a.sql)}, {quote_literal(command)}), {quote_literal(verdict)}, "
                f"{quote_literal(f'{persona.name}: {what} is {verdict}')});"
            )
        for a in hostile:
            if a.expected is False:
                command = "insert" if a.command in ("forge", "insert-path") else "update"
                tests.append(
                    f"SELECT is(pg_temp.probe({_dollar(a.sql)}, {quote_literal(command)}), 'denied', "
                    f"{quote_literal(f'{persona.name}: must refuse: {a.note}')});"
                )
    count = sum(1 for t in tests if t.startswith("SELECT is("))
    seed = [s + ";" for s in seed_statements(world)]
    return "\n".join(
        [f"-- pgTAP tests of {comment_line(key)}, generated by roseram-schema verify --emit-pgtap", "BEGIN;",
         "CREATE EXTENSION IF NOT EXISTS pgtap;", f"SELECT plan({count});", "", "-- synthetic rows",
         *seed, "", PROBE_FUNCTION, "", *tests, "", "RESET ROLE;", "SELECT * FROM finish();", "ROLLBACK;", ""]
    )


def emit_pgtap(report: Report, directory: Path) -> list[Path]:
    """Write one file per table; returns the paths written (sorted)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for key in report.tables:
        path = directory / f"{key}.sql"
        path.write_text(table_tests(report, key), encoding="utf-8")
        written.append(path)
    return sorted(written)
