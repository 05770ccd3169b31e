"""On a Supabase-like database, default privileges give anon ALL on a new sequence, UPDATE
(setval) included: drift shows the grant the source does not make, and the plan revokes it
(exact grants: the source spells out every grant)."""

from __future__ import annotations

import psycopg

from types_helpers import apply, drift_items, plan_of, psql, write_project

SCHEMA = "CREATE TABLE notes (id bigserial PRIMARY KEY, body text);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n"


def test_anon_update_on_a_sequence_is_drift_and_revoked(supabase_db_url, pg_server, tmp_path):
    psql(supabase_db_url, SCHEMA)
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert conn.execute("SELECT has_sequence_privilege('anon', 'public.notes_id_seq', 'UPDATE')").fetchone()[0]
    project = write_project(tmp_path / "p", SCHEMA)
    # exact: every grant spelled out (in defaults mode anon keeps what Supabase's defaults give)
    (project / "project.yaml").write_text("grants: exact\n" + (project / "project.yaml").read_text())
    dev = pg_server.base_url
    assert "Revoke public.notes_id_seq:anon" in drift_items(project, supabase_db_url, dev)
    plan = plan_of(project, supabase_db_url, dev)
    revokes = [s for s in plan.statements if "ON SEQUENCE public.notes_id_seq" in s.sql]
    assert "REVOKE UPDATE ON SEQUENCE public.notes_id_seq FROM anon" in [s.sql for s in revokes]
    assert all(h.name == "changes_access" for s in revokes for h in s.hazards)
    apply(project, supabase_db_url, dev, hazards=["lint_errors"])
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert not conn.execute("SELECT has_sequence_privilege('anon', 'public.notes_id_seq', 'UPDATE')"
                                ).fetchone()[0]
        assert conn.execute("SELECT has_sequence_privilege('anon', 'public.notes_id_seq', 'USAGE')").fetchone()[0]
    assert not [i for i in drift_items(project, supabase_db_url, dev) if "notes_id_seq" in i]
