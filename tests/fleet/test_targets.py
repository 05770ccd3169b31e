"""The targets file: ${VAR} expansion, errors with file:line, --only selection."""

from __future__ import annotations

import pytest

from roseram_schema.errors import RoseramError, SourceError
from roseram_schema.fleet.targets import load_targets

GOOD = """\
defaults:
  lock_timeout: 3s
  allow_hazards: [drop_column]
groups:
  canaries: [tenant-001]
targets:
  - name: tenant-001
    url: ${TENANT_001_URL}
    labels: [tenants, eu]
  - name: tenant-002
    url: postgresql://app@${PGHOST_EU}/tenant_002
    labels: [tenants]
    lock_timeout: 1s
    statement_timeout: 30s
  - name: billing
    url: ${MISSING_URL}
"""


def _write(tmp_path, text):
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    return path


def test_targets_expand_env_and_a_missing_var_is_an_error_of_that_target(tmp_path):
    path = _write(tmp_path, GOOD)
    fleet = load_targets(path, {"TENANT_001_URL": "postgresql:///t1", "PGHOST_EU": "db.eu"})
    t1, t2, billing = fleet.targets
    assert (t1.name, t1.url, t1.labels, t1.groups) == ("tenant-001", "postgresql:///t1", ("tenants", "eu"), ("canaries",))
    assert (t1.lock_timeout, t1.statement_timeout, t1.allow_hazards) == ("3s", None, ("drop_column",))
    assert (t2.url, t2.lock_timeout, t2.statement_timeout) == ("postgresql://app@db.eu/tenant_002", "1s", "30s")
    assert billing.url is None
    assert billing.error == f"{path}:16:10: billing: environment variable $MISSING_URL is not set (or empty)"


def test_only_selects_by_label_group_or_name(tmp_path):
    fleet = load_targets(_write(tmp_path, GOOD), {})
    assert [t.name for t in fleet.select("tenants")] == ["tenant-001", "tenant-002"]
    assert [t.name for t in fleet.select("eu")] == ["tenant-001"]
    assert [t.name for t in fleet.select("canaries")] == ["tenant-001"]
    assert [t.name for t in fleet.select("billing")] == ["billing"]
    assert len(fleet.select(None)) == 3
    with pytest.raises(RoseramError, match="--only asia: no target"):
        fleet.select("asia")


def test_unknown_keys_and_bad_values_name_file_and_line(tmp_path):
    path = _write(tmp_path, """\
targets:
  - name: a
    url: ${A}
    lables: [x]
  - name: b
    url: ${B}
    lock_timeout: [1]
  - name: a
    url: ${A}
extra: 1
""")
    with pytest.raises(SourceError) as err:
        load_targets(path, {"A": "x", "B": "y"})
    text = str(err.value)
    assert f"{path}:4:5: lables: unknown key" in text and "did you mean 'labels'" in text
    assert f"{path}:7:19: b.lock_timeout: must be a string" in text
    assert f"{path}:8:5: a: a second target of this name" in text
    assert f"{path}:10:1: extra: unknown key" in text


def test_a_password_written_in_the_file_is_refused(tmp_path):
    path = _write(tmp_path, "targets:\n  - name: a\n    url: postgresql://app:hunter2@db/x\n")
    with pytest.raises(SourceError, match=r"fleet.yaml:3:10: a.url: a password is written in the URL"):
        load_targets(path, {})
    ok = _write(tmp_path, "targets:\n  - name: a\n    url: postgresql://app:${PW}@db/x\n")
    assert load_targets(ok, {"PW": "s"}).targets[0].url == "postgresql://app:s@db/x"


def test_no_targets_list_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no `targets:` list"):
        load_targets(_write(tmp_path, "defaults: {}\n"), {})


def test_an_empty_targets_list_is_an_error(tmp_path):
    with pytest.raises(SourceError, match=r"fleet.yaml:1:10: targets: must be a list of one target or more"):
        load_targets(_write(tmp_path, "targets: []\n"), {})
