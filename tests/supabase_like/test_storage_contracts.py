"""Storage on a Supabase-like database: `storage-write-unowned` names a write policy on
storage.objects tied to neither the owner nor the path (lint --db and verify), and bucket
contracts (`personas.storage.buckets`) are proved by probes as every persona
(verify/storage_probe.py)."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.errors import SourceError
from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec
from roseram_schema.workflow.lint import lint_project

# avatars: everyone reads, users write their own folder; docs: signed-in users read every
# file, but its delete policy only checks the bucket (the planted mistake)
POLICIES = """
CREATE POLICY avatars_read ON storage.objects FOR SELECT TO anon, authenticated
  USING (bucket_id = 'avatars');
CREATE POLICY avatars_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = (select auth.uid())::text);
CREATE POLICY avatars_update ON storage.objects FOR UPDATE TO authenticated
  USING (bucket_id = 'avatars' AND owner_id = (select auth.uid())::text);
CREATE POLICY avatars_delete ON storage.objects FOR DELETE TO authenticated
  USING (bucket_id = 'avatars' AND owner = (select auth.uid()));
CREATE POLICY docs_read ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'docs');
CREATE POLICY docs_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'docs' AND (storage.foldername(name))[1] = (select auth.uid())::text);
CREATE POLICY docs_delete ON storage.objects FOR DELETE TO authenticated
  USING (bucket_id = 'docs' AND auth.role() = 'authenticated');
"""

BUCKETS = {"buckets": {
    "avatars": {"select": "anyone", "insert": "own", "update": "own", "delete": "own"},
    "docs": {"select": "signed_in", "insert": "own", "delete": "own"},
}}


def _personas():
    return {"anon": {"role": "anon"}, "alice": {"role": "authenticated"}, "bob": {"role": "authenticated"},
            "service": {"role": "service_role"}, "storage": BUCKETS}


def test_storage_write_unowned_in_lint_db(supabase_db_url):
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(POLICIES)
    found = [f for f in lint_project(None, supabase_db_url) if f.id == "storage-write-unowned"]
    assert [f.location for f in found] == ["storage.objects policy 'docs_delete'"]
    assert found[0].severity == "error"
    assert "auth.role()" in found[0].message


def test_bucket_contracts_are_probed_as_every_persona(supabase_db_url):
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(POLICIES)
        report = check_database(conn, parse_spec(_personas(), {}))
    storage = [f for f in report.findings if f.id == "storage-contract"]
    messages = sorted(f.message for f in storage)
    # the docs delete policy lets every signed-in user delete the other's file; avatars hold
    assert len(messages) == 2, messages
    assert messages[0].startswith("LEAK: alice reached delete on bob's file "), messages
    assert messages[1].startswith("LEAK: bob reached delete on alice's file "), messages
    assert all("(contract of bucket docs: own)" in m for m in messages)
    assert {f.id for f in report.findings} >= {"storage-write-unowned", "storage-contract"}
    assert not report.ok


def test_bucket_contract_blocked_when_no_policy_allows(supabase_db_url):
    personas = _personas()
    personas["storage"] = {"buckets": {"avatars": {"all": "own"}}}
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(POLICIES.split("CREATE POLICY docs_read")[0])
        report = check_database(conn, parse_spec(personas, {}))
    messages = sorted(f.message for f in report.findings if f.id == "storage-contract")
    # avatars are readable by everyone: a LEAK against `all: own`, nothing BLOCKED
    assert messages and all(m.startswith("LEAK:") and " select " in m for m in messages), messages
    assert any(m.startswith("LEAK: anon reached select") for m in messages)


def test_bucket_contract_errors_name_the_key():
    with pytest.raises(SourceError) as err:
        parse_spec({"storage": {"buckets": {"avatars": {"select": "owned"}}}}, {})
    assert "owned" in str(err.value)
    with pytest.raises(SourceError) as err:
        parse_spec({"storage": {"avatars": {"select": "own"}}}, {})
    assert "personas.storage" in str(err.value)


def _project(tmp_path):
    import yaml

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "project.yaml").write_text(yaml.safe_dump({"personas": _personas()}))
    return tmp_path


def test_verify_db_copies_the_live_storage_policies_into_the_scratch(supabase_db_url, pg_server, tmp_path):
    from roseram_schema.workflow.verify import verify_project

    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(POLICIES)
        before = conn.execute("SELECT count(*) FROM storage.objects").fetchone()[0]
    report = verify_project(_project(tmp_path / "proj"), supabase_db_url, pg_server.base_url)
    messages = sorted(f.message for f in report.findings if f.id == "storage-contract")
    assert len(messages) == 2 and all(m.startswith("LEAK: ") and " delete " in m for m in messages), messages
    assert {f.id for f in report.findings if f.severity == "error"} == {"storage-write-unowned", "storage-contract"}
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM storage.objects").fetchone()[0] == before


def test_bucket_contracts_without_a_database_are_named_not_checked(pg_server, tmp_path):
    from roseram_schema.workflow.verify import verify_project

    report = verify_project(_project(tmp_path / "proj"), None, pg_server.base_url)
    skipped = sorted(f.location for f in report.findings if f.id == "storage-not-checked")
    assert skipped == ["storage bucket avatars", "storage bucket docs"]
    assert all(f.severity == "info" for f in report.findings if f.id == "storage-not-checked")


TENANTS = """
CREATE TABLE public.orgs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES auth.users (id));
CREATE TABLE public.org_members (org_id uuid REFERENCES public.orgs, user_id uuid REFERENCES auth.users (id),
  role text NOT NULL CHECK (role IN ('admin', 'member')), PRIMARY KEY (org_id, user_id));
ALTER TABLE public.orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.org_members ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION public.org_rank(folder text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = '' AS $$
  SELECT m.role FROM public.org_members m WHERE m.org_id::text = folder AND m.user_id = auth.uid() $$;
REVOKE EXECUTE ON FUNCTION public.org_rank(text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.org_rank(text) TO authenticated;
CREATE POLICY org_read ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'org-files' AND public.org_rank((storage.foldername(name))[1]) IS NOT NULL);
CREATE POLICY org_insert ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'org-files' AND public.org_rank((storage.foldername(name))[1]) IS NOT NULL);
CREATE POLICY org_delete ON storage.objects FOR DELETE TO authenticated
  USING (bucket_id = 'org-files' AND public.org_rank((storage.foldername(name))[1]) = 'admin');
"""


def _tenant_personas(delete):
    return {
        "tenancy": {"tenants": {"table": "public.orgs", "owner": "owner_id"},
                    "members": {"table": "public.org_members", "tenant": "org_id", "user": "user_id",
                                "role": "role"},
                    "ranks": ["admin", "member"]},
        "alice": {"role": "authenticated", "tenant": "A", "tenant_role": "admin"},
        "mia": {"role": "authenticated", "tenant": "A", "tenant_role": "member"},
        "bob": {"role": "authenticated", "tenant": "B", "tenant_role": "admin"},
        "anon": {"role": "anon"},
        "storage": {"buckets": {"org-files": {"select": "tenant", "insert": "tenant", "delete": delete}}},
    }


def test_tenant_folders_hold_their_contract(supabase_db_url):
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(TENANTS)
        report = check_database(conn, parse_spec(_tenant_personas("admin+"), {}))
    assert [f.message for f in report.findings if f.id.startswith("storage-")] == []


def test_tenant_folders_against_a_stricter_contract(supabase_db_url):
    # the contract lets nobody delete: the admins' deletes are leaks, one per tenant admin
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(TENANTS)
        report = check_database(conn, parse_spec(_tenant_personas("none"), {}))
    messages = sorted(f.message for f in report.findings if f.id == "storage-contract")
    assert [m.split(" on ")[0] for m in messages] == ["LEAK: alice reached delete", "LEAK: bob reached delete"]
    assert "tenant A's file" in messages[0] and "tenant B's file" in messages[1]
