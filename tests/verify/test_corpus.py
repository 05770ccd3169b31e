"""Each deliberately broken schema is caught with its named finding and failing cells;
the correct schema passes with zero failures."""

from __future__ import annotations

import psycopg
import pytest

from roseram_schema.verify.checker import check_database

from .helpers import build_case, case_expectations, case_names, good_spec


@pytest.fixture(scope="module")
def reports(pg_server):
    """One verify report per case (each in its own database, dropped afterwards)."""
    from roseram_schema.platform import ensure_platform

    out = {}
    for name in case_names():
        db = pg_server.create_database("verify_case")
        try:
            url = pg_server.url(db)
            with psycopg.connect(url, autocommit=True) as conn:
                ensure_platform(conn)
            build_case(url, name)
            with psycopg.connect(url, autocommit=True) as conn:
                out[name] = check_database(conn, good_spec())
        finally:
            pg_server.drop_database(db)
    return out


def test_the_corpus_has_every_required_case():
    assert {"good", "recursion", "view_leak", "rls_off", "using_true", "self_compare",
            "update_handoff", "anon_policy"} <= set(case_names())


@pytest.mark.parametrize("name", case_names())
def test_case_findings(reports, name):
    report = reports[name]
    expected = case_expectations(name).get("expect", {})
    found = {f.id for f in report.findings}
    for finding_id in expected.get("findings", []):
        assert finding_id in found, f"{name}: expected finding {finding_id}, got {sorted(found)}"


@pytest.mark.parametrize("name", case_names())
def test_case_cells(reports, name):
    report = reports[name]
    expected = case_expectations(name).get("expect", {})
    verdicts = {(c.table, c.persona, c.command): c.verdict for c in report.cells}
    for line in expected.get("cells", []):
        table, persona, command, verdict = line.split()
        assert verdicts[(table, persona, command)] == verdict, f"{name}: {line}"


def test_good_schema_passes_with_zero_failures(reports):
    report = reports["good"]
    assert report.failed == 0, [(c.table, c.persona, c.command, c.details) for c in report.cells if c.failed]
    assert report.ok
    assert not [f for f in report.findings if f.severity == "error"]
    # 7 tables x 9 personas x 4 commands + 1 view x 9 personas
    assert report.probes == 7 * 9 * 4 + 9


@pytest.mark.parametrize("name", [n for n in case_names() if n != "good"])
def test_every_broken_case_fails(reports, name):
    """Unless its case.yaml says `ok: true`: a case whose findings are all warnings."""
    report = reports[name]
    assert report.ok is bool(case_expectations(name).get("expect", {}).get("ok", False))


def test_failures_name_rows_a_person_understands(reports):
    cell = next(c for c in reports["self_compare"].cells
                if (c.table, c.persona, c.command) == ("public.sites", "bob", "insert"))
    assert cell.details == ["inserts rows outside the contract: tenant A",
                            "tenant A let through by policy 'sites_insert'"]
    handoff = next(c for c in reports["update_handoff"].cells
                   if (c.table, c.persona, c.command) == ("public.chat_messages", "alice", "update"))
    assert any("UPDATE moved row alice to outsider" in d for d in handoff.details)


def test_widening_policy_is_named(reports):
    widens = [f for f in reports["permissive_widen"].findings if f.id == "policy-widens"]
    assert [f.location for f in widens] == ["public.pages"]
    assert "'pages_shared'" in widens[0].message


def test_recursion_is_reported_once_per_table(reports):
    recursion = [f for f in reports["recursion"].findings if f.id == "policy-recursion"]
    assert "infinite recursion detected in policy" in " ".join(f.message for f in recursion)
    assert len({f.location for f in recursion}) == len(recursion)
