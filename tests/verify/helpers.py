"""Building the broken-schema corpus (tests/cases/verify/<case>/) in a test database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import yaml

from roseram_schema.verify.spec import parse_spec

# One user-owned table behind an own-rows policy: the base of several probes' tests.
OWNED_NOTES = """
CREATE TABLE public.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id), body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.notes FOR ALL TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT ALL ON public.notes TO authenticated;
"""

CASES = Path(__file__).resolve().parent.parent / "cases" / "verify"
GOOD = CASES / "good"


def case_names() -> list[str]:
    """Every case folder, sorted."""
    return sorted(p.name for p in CASES.iterdir() if (p / "case.yaml").is_file())


def case_expectations(name: str) -> dict:
    return yaml.safe_load((CASES / name / "case.yaml").read_text()) or {}


def build_case(url: str, name: str) -> None:
    """Apply the good schema, then the case's patch (the deliberate mistake)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((GOOD / "schema.sql").read_text())
        patch = CASES / name / "patch.sql"
        if patch.is_file():
            conn.execute(patch.read_text())


def good_spec(contracts_override: dict | None = None):
    """The personas and contracts of the corpus (shared by every case)."""
    data = yaml.safe_load((GOOD / "spec.yaml").read_text())
    contracts = dict(data.get("contracts") or {})
    if contracts_override is not None:
        contracts = contracts_override
    return parse_spec(data.get("personas"), contracts)
