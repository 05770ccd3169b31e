"""The leak corpus (tests/verify/leak_corpus/<kind>/): one broken project per leak kind of
docs/verify.md "Leaks", each naming its planted mistake in `expected.yaml`.

For each kind, the project's source is built into a database with the tool's own build (the
SQL `verify` builds its scratch database with, then the project's script files), and:

- `lint --db` (the live schema, storage policies included) names exactly the planted
  findings, and no other error-severity finding; `lint` of the source names nothing else
  either (and the planted findings too, unless `expected.yaml` says the kind is live-only);
- verify's checker, on that database with the project's personas and contracts, fails on
  exactly the planted findings (and, where the probe is a view's SELECT, exactly those cells);
- the fixed variant (the files under `fix/` laid over the project: the fix docs/verify.md
  gives) has no error finding and no failing cell.

One server, one template database with the platform stand-in: each variant is a copy of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
import yaml

from roseram_schema.lint.rules import lint_catalog
from roseram_schema.normalize.scripts import run_scripts
from roseram_schema.source import load_project
from roseram_schema.verify.anchors import derive_anchors
from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import load_spec
from roseram_schema.workflow.lint import lint_project
from roseram_schema.workflow.verify import build_schema

CORPUS = Path(__file__).resolve().parent / "leak_corpus"
KINDS = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def _object(location: str) -> str:
    """The object a finding names: `file:line (object)` -> `object`."""
    if location.endswith(")") and " (" in location:
        return location[location.index(" (") + 2:-1]
    return location


def _errors(findings) -> set[tuple[str, str]]:
    return {(f.id, _object(f.location)) for f in findings if f.severity == "error"}


def _expected(kind: str) -> dict:
    return yaml.safe_load((CORPUS / kind / "expected.yaml").read_text(encoding="utf-8"))


def _planted(items) -> set[tuple[str, str]]:
    return {(i["rule"], i["object"]) for i in items or ()}


def _variant_dir(kind: str, variant: str, tmp: Path) -> Path:
    """The kind's project, or a copy with `fix/` laid over it."""
    root = CORPUS / kind
    if variant == "broken":
        return root
    out = tmp / kind
    shutil.copytree(root, out, ignore=shutil.ignore_patterns("fix", "expected.yaml"))
    shutil.copytree(root / "fix", out, dirs_exist_ok=True)
    return out


@pytest.fixture(scope="module")
def template(pg_server):
    """A database with the platform stand-in, copied for every variant."""
    from roseram_schema.platform import ensure_platform

    name = pg_server.create_database("leak_tpl", as_template=True)
    with psycopg.connect(pg_server.url(name), autocommit=True) as conn:
        ensure_platform(conn)
    yield name
    pg_server.drop_database(name, as_template=True)


@pytest.fixture(scope="module")
def run(pg_server, template, tmp_path_factory):
    """run(kind, variant) -> (source lint, live lint, verify report), computed once each."""
    done: dict = {}
    tmp = tmp_path_factory.mktemp("leak_corpus")

    def go(kind: str, variant: str):
        if (kind, variant) in done:
            return done[(kind, variant)]
        root = _variant_dir(kind, variant, tmp)
        project = load_project(root)
        db = pg_server.create_database("leak", template=template)
        try:
            url = pg_server.url(db)
            with psycopg.connect(url, autocommit=True) as conn:
                build_schema(conn, project.catalog)
                if project.scripts:
                    run_scripts(url, project.scripts)
            source = (lint_catalog(project.catalog, load_spec(project),
                                   derive_anchors(project.catalog, load_spec(project)))
                      if not project.scripts else None)
            live = lint_project(root, url)
            with psycopg.connect(url, autocommit=True) as conn:
                report = check_database(conn, load_spec(project))
        finally:
            pg_server.drop_database(db)
        done[(kind, variant)] = (source, live, report)
        return done[(kind, variant)]

    return go


def test_every_leak_kind_has_a_broken_schema():
    assert set(KINDS) == {"self_escalation", "user_metadata", "definer_rows", "partition_weaker",
                          "auth_users", "storage_write", "updatable_view"}


@pytest.mark.parametrize("kind", KINDS)
def test_lint_names_exactly_the_planted_mistake(run, kind):
    source, live, _ = run(kind, "broken")
    planted = _planted(_expected(kind)["lint"])
    assert planted, f"{kind}: expected.yaml names no lint finding"
    assert _errors(live) == planted, [f for f in live if f.severity == "error"]
    if source is not None:
        errors = _errors(source)
        assert errors <= planted, errors
        if not _expected(kind).get("live_only"):
            assert errors == planted, errors


@pytest.mark.parametrize("kind", KINDS)
def test_verify_fails_on_exactly_the_planted_mistake(run, kind):
    _, _, report = run(kind, "broken")
    expected = _expected(kind)
    assert _errors(report.findings) == _planted(expected.get("verify")), \
        [f for f in report.findings if f.severity == "error"]
    failing = {(c.table, c.command) for c in report.cells if c.failed}
    assert failing == {tuple(x.split()) for x in expected.get("cells", ())}, \
        [(c.table, c.persona, c.command, c.details) for c in report.cells if c.failed]
    assert not report.ok


@pytest.mark.parametrize("kind", KINDS)
def test_the_documented_fix_clears_it(run, kind):
    source, live, report = run(kind, "fixed")
    assert not _errors(live), [f for f in live if f.severity == "error"]
    assert source is None or not _errors(source), [f for f in source if f.severity == "error"]
    assert not _errors(report.findings), [f for f in report.findings if f.severity == "error"]
    assert report.failed == 0, [(c.table, c.persona, c.command, c.details) for c in report.cells if c.failed]
    assert report.ok
